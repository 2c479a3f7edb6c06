"""Browser fixtures: the app served by uvicorn on 127.0.0.1, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from infra.processes import free_port, stop

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
    """GET /health until it answers (200, or 503 without a model); fail if the server exits first."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}health", timeout=SERVER_START_TIMEOUT_S) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            return json.load(error)
        except OSError as error:  # not listening yet (the emulator), or gone
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"the app did not come up on {url}: {error}\n{log}")
            time.sleep(0.2)


@contextmanager
def _serving(
    command: list[str], url: str, feedback_dir: Path, log_path: Path, *, handover: socket.socket | None = None
) -> Iterator[None]:
    """Run a server process from the repo root until the block ends; fail unless its model is loaded.

    ``handover``: a listening socket the process inherits; closed here once it has its own copy, so a
    server that dies leaves nothing listening and the wait fails at once.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FEEDBACK_DIR": str(feedback_dir)}
    env.pop("FEEDBACK_BUCKET", None)  # feedback goes to the local folder, never to S3
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   pass_fds=(handover.fileno(),) if handover else ())
    if handover:
        handover.close()
    try:
        health = _wait_until_up(url, process, log_path)
        if not health.get("model_loaded"):
            pytest.fail(f"the app answers /health {health}: no model (MODEL_PATH, or `make train`)")
        yield
    finally:
        stop(process)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The FastAPI app under uvicorn on a free port, storing feedback under a tmp folder.

    The socket is bound here and handed to the server (tests/browser/server.py), so no other process
    can take the port in between, and the first request simply waits in the backlog until the app is up.
    """
    feedback_dir, log_path = tmp_path_factory.mktemp("feedback"), tmp_path_factory.mktemp("server") / "uvicorn.log"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    command = [sys.executable, "-m", "tests.browser.server", str(listener.fileno())]
    with _serving(command, url, feedback_dir, log_path, handover=listener):
        yield LiveServer(url=url, feedback_dir=feedback_dir, log_path=log_path)


@pytest.fixture(scope="session")
def local_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``make serve``: the project's API Gateway in front of AWS's RIE + awslambdaric (infra/emulator.py)."""
    feedback_dir, log_path = tmp_path_factory.mktemp("feedback"), tmp_path_factory.mktemp("gateway") / "emulator.log"
    port = free_port()  # released for the emulator
    command = [sys.executable, "-m", "infra.emulator", "--host", "127.0.0.1", "--port", str(port),
               "--env", f"FEEDBACK_DIR={feedback_dir}"]
    url = f"http://127.0.0.1:{port}/"
    with _serving(command, url, feedback_dir, log_path):
        yield LiveServer(url=url, feedback_dir=feedback_dir, log_path=log_path)


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
