"""GET /docs (Swagger UI) and /redoc with their scripts and styles served here, not from a CDN.

The files come from the ``fastapi-offline`` distribution (MIT; Swagger UI is Apache-2.0, ReDoc MIT),
read from its folder without importing it. Every URL starts from the request's root path, so the
pages also work behind a REST API stage prefix (``/Prod/docs``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_PATH = "/docs-assets"
# The only files served: name -> media type (the distribution's other files are never reachable).
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
CACHE_CONTROL = "public, max-age=86400"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def assets_folder() -> Path:
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed (requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _urls(request: Request) -> tuple[str, str, str]:
    """The page's OpenAPI URL, its files' folder and its title prefix, under the request's root path."""
    root = str(request.scope.get("root_path") or "").rstrip("/")
    return f"{root}{request.app.openapi_url}", f"{root}{ASSETS_PATH}", request.app.title


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    openapi, assets, title = _urls(request)
    return get_swagger_ui_html(openapi_url=openapi, title=f"{title} - Swagger UI",
                               swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                               swagger_css_url=f"{assets}/swagger-ui.css", swagger_favicon_url=f"{assets}/favicon.png")


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    openapi, assets, title = _urls(request)
    return get_redoc_html(openapi_url=openapi, title=f"{title} - ReDoc", redoc_js_url=f"{assets}/redoc.standalone.js",
                          redoc_favicon_url=f"{assets}/favicon.png", with_google_fonts=False)


@router.get(f"{ASSETS_PATH}/{{name}}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404, detail=f"no such file: {ASSETS_PATH}/{name}")
    return FileResponse(assets_folder() / name, media_type=ASSETS[name], headers={"Cache-Control": CACHE_CONTROL})
