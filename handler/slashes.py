"""``POST /predict/`` answers as ``/predict`` does: one trailing slash-insensitive path per route.

Starlette's default is a 307 to the slash-less URL, built from the request's scheme and host: behind
the gateway (``x-forwarded-proto: https``) and locally that sent clients to ``https://127.0.0.1:...``,
and a redirected POST makes some clients drop or resend the upload. Rewriting the path before routing
needs no second request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class TrailingSlash:
    """Drop trailing slashes from the request path (``/`` itself stays) before the router sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") or ""
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
            if scope.get("raw_path"):
                scope["raw_path"] = scope["raw_path"].rstrip(b"/") or b"/"
        await self.app(scope, receive, send)
