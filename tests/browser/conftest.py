"""Browser fixtures: the app served by uvicorn on 127.0.0.1, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported for real only once the browser fixture knows Playwright is there
    from playwright.sync_api import Browser, ConsoleMessage, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Playwright's own browser download is not reachable here: drive the system binary, offline and quiet.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
SCREENS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}
SERVER_START_TIMEOUT_S = 60
# How long expect() waits for the page to show something: generous, as CI shares two cores (not a speed check).
EXPECT_TIMEOUT_MS = 15_000


@dataclass
class LiveServer:
    url: str
    feedback_dir: Path
    log_path: Path


@dataclass
class Tab:
    """A page in its own browser context, and the errors it logged to its console or threw."""

    page: Page
    screen: str  # "desktop" or "phone"
    errors: list[str] = field(default_factory=list)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> dict[str, Any]:
    """GET /health once: the socket already listens, so the request waits until the app answers."""
    try:
        with urllib.request.urlopen(f"{url}health", timeout=SERVER_START_TIMEOUT_S) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:  # 503: up, but without a model
        return json.load(error)
    except OSError as error:
        process.kill()
        log = log_path.read_text(errors="replace")[-2000:]
        pytest.fail(f"the app did not come up on {url}: {error}\n{log}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app as ``make serve`` runs it, on a free port, storing feedback under a tmp folder."""
    feedback_dir = tmp_path_factory.mktemp("feedback")
    log_path = tmp_path_factory.mktemp("server") / "uvicorn.log"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    env = {**os.environ, "FEEDBACK_DIR": str(feedback_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("FEEDBACK_BUCKET", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.server", str(listener.fileno())],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()],
        )
    listener.close()  # the server holds its own copy
    try:
        health = _wait_until_up(url, process, log_path)
        if not health.get("model_loaded"):
            pytest.fail(f"the app answers /health {health}: no model (MODEL_PATH, or `make train`)")
        yield LiveServer(url=url, feedback_dir=feedback_dir, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _browser_problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (as root: apt-get install -y chromium; `make test` does it)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium; skipped where it cannot run, except on CI where that is a failure.

    Module scope: while Playwright's sync API is started, its asyncio loop counts as running in this
    thread, and code that runs a loop itself (Mangum in the lambda_handler tests) fails after it.
    """
    problem = _browser_problem()
    if problem:
        message = f"browser tests need Chromium and Playwright: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open_tab(browser: Browser, screen: str) -> Iterator[Tab]:
    context = browser.new_context(**SCREENS[screen])
    tab = Tab(page=context.new_page(), screen=screen)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":  # includes failed requests and Content-Security-Policy violations
            tab.errors.append(message.text)

    tab.page.on("console", on_console)
    # Intercept file choosers from the start: expect_file_chooser() turns interception on without waiting,
    # so a chooser opened by the very next key press could still go to the (headless, cancelled) dialog.
    tab.page.on("filechooser", lambda chooser: None)
    tab.page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))
    yield tab
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Tab]:
    """A fresh 1280x800 page with its own cookies and storage."""
    yield from _open_tab(browser, "desktop")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Tab]:
    """A fresh 390x844 touch screen page, as a phone shows it."""
    yield from _open_tab(browser, "phone")


@pytest.fixture(params=list(SCREENS))
def each_screen(request: pytest.FixtureRequest, browser: Browser) -> Tab:
    """The test once on a desktop page, once on a phone page."""
    return request.getfixturevalue(request.param)
