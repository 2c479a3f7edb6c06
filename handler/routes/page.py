"""GET /: the drawing page, one self-contained HTML file (inline CSS and JS, every URL relative)."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

PAGE_PATH = Path(__file__).resolve().parent.parent / "static" / "index.html"
# The page's own inline <script> and <style> are allowed by hash; nothing else runs or loads, and it
# talks only to this API (same origin), so a copy served anywhere cannot be made to call elsewhere.
_INLINE_BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)
_POLICY = (
    "default-src 'none'; script-src {script}; style-src {style}; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


def content_security_policy(html: str) -> str:
    """A policy that allows exactly the inline blocks of ``html`` (by SHA-256) and same-origin calls."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in _INLINE_BLOCK.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes[tag].append(f"'sha256-{digest}'")
    return _POLICY.format(script=" ".join(hashes["script"]) or "'none'", style=" ".join(hashes["style"]) or "'none'")


@lru_cache(maxsize=1)
def _page() -> tuple[bytes, str]:
    html = PAGE_PATH.read_text(encoding="utf-8")
    return html.encode("utf-8"), content_security_policy(html)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)  # HEAD: link checkers, monitors
def page() -> HTMLResponse:
    """The drawing page: draw or upload a digit, see the answer and what the model saw, send a correction."""
    body, policy = _page()
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return HTMLResponse(body, headers=headers)
