"""GET /docs and /redoc: the pages and every file they load come from the service itself."""

from __future__ import annotations

import re

import pytest

from handler.routes.docs import ASSETS, ASSETS_PATH
from tests.utils import invoke

PAGES = ["/docs", "/redoc"]
# src="..." and href="..." of the page, and the url: '...' Swagger UI is told to load.
_URLS = re.compile(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""")


def loaded_urls(html: str) -> list[str]:
    return [a or b for a, b in _URLS.findall(html)]


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_loads_nothing_from_another_host(client, path):
    response = client.get(path)
    assert response.status_code == 200
    urls = loaded_urls(response.text)
    assert urls  # the pattern finds the page's scripts and styles
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_files_are_served(client, path):
    for url in loaded_urls(client.get(path).text):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content


def test_docs_assets_are_scripts_and_styles_with_their_types(client):
    for name, media_type in ASSETS.items():
        response = client.get(f"{ASSETS_PATH}/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media_type
        assert "max-age" in response.headers["cache-control"]


def test_docs_assets_serve_only_their_own_files(client):
    response = client.get(f"{ASSETS_PATH}/core.py")
    assert response.status_code == 404
    assert response.json() == {"detail": f"no such file: {ASSETS_PATH}/core.py"}


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_behind_rest_stage_loads_from_the_stage(path):
    status, html, _ = invoke("GET", path, payload="1.0")
    assert status == 200
    urls = loaded_urls(html)
    assert urls and all(url.startswith("/Prod/") for url in urls), urls


def test_docs_asset_through_lambda_handler_behind_rest_stage():
    status, body, _ = invoke("GET", f"{ASSETS_PATH}/swagger-ui.css", payload="1.0")
    assert status == 200
    assert ".swagger-ui" in body
