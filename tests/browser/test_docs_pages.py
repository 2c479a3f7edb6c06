"""/docs (Swagger UI) and /redoc render in headless Chromium with every other host unreachable."""

from __future__ import annotations

import os

import pytest

if not os.environ.get("CI"):  # on CI a missing Playwright is an error, not a skip
    pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
from playwright.sync_api import Page, Route, expect  # noqa: E402

from tests.browser.conftest import LiveServer, Tab  # noqa: E402

pytestmark = pytest.mark.slow
TITLE = "Handwritten digit API"
# ReDoc's "API docs by Redocly" footer always asks its CDN for a logo and hides the image when that
# fails: the one outside request the pages make, and nothing they need.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def offline(page: Page, server: LiveServer) -> list[str]:
    """Unplug the network: any request not to the local server is refused and listed."""
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", refuse)
    return elsewhere


def test_swagger_ui_renders_offline(desktop: Tab, live_server: LiveServer) -> None:
    elsewhere = offline(desktop.page, live_server)
    desktop.page.goto(f"{live_server.url}docs")
    expect(desktop.page.locator(".swagger-ui .info .title")).to_contain_text(TITLE)
    expect(desktop.page.locator("#operations-predict-predict_predict_post")).to_be_visible()
    assert elsewhere == []
    assert desktop.errors == []


def test_redoc_renders_offline(desktop: Tab, live_server: LiveServer) -> None:
    elsewhere = offline(desktop.page, live_server)
    desktop.page.goto(f"{live_server.url}redoc")
    expect(desktop.page.locator("h1")).to_contain_text(TITLE)
    expect(desktop.page.get_by_text("/predict/batch").first).to_be_attached()
    assert set(elsewhere) <= {REDOC_LOGO}
    assert [e for e in desktop.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
