"""AWS Lambda entry point (template: Handler): POST /predict answered directly, the rest by Mangum + FastAPI.

``handler.direct`` answers the common prediction request from the event itself; anything else goes to
the FastAPI app through Mangum, both built on first use, so a cold start that only predicts never
imports FastAPI, Starlette or asyncio.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from handler import direct
from handler.config import get_settings
from handler.errors import DigitApiError
from handler.observability import get_logger
from handler.service import load_classifier

if TYPE_CHECKING:
    from mangum import Mangum
    from starlette.types import ASGIApp, Receive, Scope, Send


class StagePrefix:
    """Give FastAPI back the REST API stage (``/Prod``) that Mangum drops from ``root_path``.

    A REST API (payload 1.0) strips the stage from ``path`` but the browser sees it in the URL, so
    without this ``/Prod/docs`` would ask for ``/openapi.json`` (Mangum issues #147 and #318).
    HTTP APIs on the ``$default`` stage have no prefix.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = (scope.get("aws.event") or {}).get("requestContext") or {}
        stage, public_path = context.get("stage"), context.get("path") or ""
        if stage and stage != "$default" and public_path.startswith(f"/{stage}/"):
            scope = {**scope, "root_path": f"/{stage}"}
        await self.app(scope, receive, send)


@lru_cache(maxsize=1)
def full_app() -> Mangum:
    """Mangum around the FastAPI app, built on the first request the direct lane hands over."""
    from mangum import Mangum

    from handler.app import app

    # lifespan="off": Mangum would otherwise run the whole startup cycle in every invocation (issue #342).
    return Mangum(StagePrefix(app), lifespan="off")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return direct.answer(event, context) or full_app()(event, context)


_settings = get_settings()
try:  # load the model at import (the cold start), not in the first request
    load_classifier(_settings.MODEL_PATH)
except DigitApiError as error:
    get_logger(_settings.SERVICE_NAME, _settings.LOG_LEVEL).error("model not loaded", extra={"fields": {"error": str(error)}})
