"""GET /: the drawing page as a plain HTTP client sees it (the browser tests drive it in Chromium)."""

from __future__ import annotations

import re

import pytest

from handler.routes.page import PAGE_PATH, content_security_policy
from tests.utils import invoke

# Every URL the page names: attributes, and the string constants its script fetches.
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action|formaction|poster|data)\s*=\s*["']([^"']*)["']""", re.I)
FETCHED = re.compile(r"""\b[A-Z_]+_URL\s*=\s*["']([^"']*)["']""")
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/)", re.I)  # a scheme, or a leading slash (host root, //host)


def test_page_answers_html(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<canvas" in response.text


def test_page_answers_head(client) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


def test_page_urls_are_relative(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    urls = URL_ATTRIBUTE.findall(response.text) + FETCHED.findall(response.text)
    assert "docs" in urls and "feedback" in urls  # the patterns do find the page's links and calls
    assert [url for url in urls if ABSOLUTE.match(url) and url != "data:,"] == []


def test_page_loads_nothing_from_other_hosts(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", response.text) == []


def test_page_calls_predict_with_explain(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert FETCHED.findall(response.text)[0] == "predict?mode=auto&explain=true"


def test_page_policy_allows_only_its_inline_blocks(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy == content_security_policy(PAGE_PATH.read_text(encoding="utf-8"))
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert policy.count("'sha256-") == 2  # one <script>, one <style>
    assert "unsafe-inline" not in policy


def test_page_policy_hash_changes_with_script() -> None:
    before = content_security_policy("<script>let a = 1;</script>")
    after = content_security_policy("<script>let a = 2;</script>")
    assert before != after
    assert "script-src 'sha256-" in before and "style-src 'none'" in before


def test_page_not_in_openapi_schema(client) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert "/" not in response.json()["paths"]


@pytest.mark.parametrize("payload", ["2.0", "1.0"])
def test_page_through_lambda_handler(payload: str) -> None:
    """As API Gateway serves it (REST API under /Prod): HTML as text, with its policy header."""
    status, html, headers = invoke("GET", "/", payload=payload)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "content-security-policy" in headers and "<canvas" in html
