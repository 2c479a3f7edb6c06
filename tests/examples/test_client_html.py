"""examples/client.html in headless Chromium, served from another origin, calling `make serve` (CORS)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

if not os.environ.get("CI"):  # on CI a missing Playwright is an error, not a skip
    pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
from playwright.sync_api import Page, expect  # noqa: E402

from infra.processes import free_port, stop  # noqa: E402

from tests.browser.conftest import Tab  # noqa: E402
from tests.conftest import REPO_ROOT, SAMPLES  # noqa: E402

pytestmark = pytest.mark.slow
DIGIT_4 = SAMPLES / "any-image" / "digit-4.png"
START_LIMIT_S = 20.0


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """examples/ served as the page's comment says (python -m http.server): another port, another origin."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                                str(REPO_ROOT / "examples"), str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    origin, deadline = f"http://127.0.0.1:{port}", time.monotonic() + START_LIMIT_S
    while True:
        try:
            urllib.request.urlopen(f"{origin}/client.html", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                pytest.fail("python -m http.server did not start")
            time.sleep(0.1)
    yield origin
    stop(process)


def open_client(page: Page, origin: str, api: str) -> None:
    page.goto(f"{origin}/client.html")
    page.locator("#api").fill(api)


@pytest.mark.parametrize("how", ["multipart", "raw"])
def test_client_page_reads_a_picture_across_origins(desktop: Tab, api: str, page_origin: str, how: str) -> None:
    open_client(desktop.page, page_origin, api)
    desktop.page.locator("#files").set_input_files(DIGIT_4)
    desktop.page.locator(f"#{how}").click()
    expect(desktop.page.locator("#out li")).to_contain_text("digit-4.png: 4 (confidence ")
    assert desktop.errors == []


def test_client_page_batch_in_order(desktop: Tab, api: str, page_origin: str) -> None:
    files = [SAMPLES / "any-image" / f"digit-{d}.png" for d in (3, 0, 8)]
    open_client(desktop.page, page_origin, api)
    desktop.page.locator("#files").set_input_files(files)
    desktop.page.locator("#batch").click()
    items = desktop.page.locator("#out li")
    expect(items).to_have_count(3)
    for item, name, digit in zip(items.all(), ("digit-3.png", "digit-0.png", "digit-8.png"), "308", strict=True):
        expect(item).to_contain_text(f"{name}: {digit} ")


def test_client_page_shows_status_and_detail(desktop: Tab, api: str, page_origin: str) -> None:
    open_client(desktop.page, page_origin, api)
    desktop.page.locator("#files").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture"})
    desktop.page.locator("#multipart").click()
    expect(desktop.page.locator("#out li.error")).to_contain_text("notes.txt: HTTP 415: ")
