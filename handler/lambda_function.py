"""AWS Lambda entry point (template: Handler): POST /predict answered directly, the rest by Mangum + FastAPI.

``handler.direct`` answers the common prediction request from the event itself; anything else goes to
the FastAPI app through Mangum, built on first use, so a cold start that only predicts never imports
FastAPI, Starlette or asyncio. Both lanes run inside the same ``inject_lambda_context`` and write the
same log line and metrics (``handler.observability.record_request``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from handler import direct, snapstart
from handler.config import get_settings
from handler.entry_guard import guarded
from handler.errors import DigitApiError
from handler.memory import keep_freed_memory
from handler.observability import get_logger
from handler.service import load_classifier

if TYPE_CHECKING:
    from mangum import Mangum
    from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

_settings = get_settings()
logger = get_logger(_settings.SERVICE_NAME, _settings.LOG_LEVEL)  # the app's own (one per service)
keep_freed_memory(_settings.KEEP_FREED_BYTES)  # a warm Lambda reuses its pages instead of faulting them in anew


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


def with_lambda_context(handler: Handler) -> Handler:
    """Powertools' Lambda keys (cold_start, function_request_id...) and API Gateway's request id as
    correlation_id on every log line of the invocation (the same path for REST and HTTP APIs)."""
    return logger.inject_lambda_context(handler, correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                                        clear_state=True)


def either_lane(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return direct.answer(event, context) or full_app()(event, context)


# guarded: events neither lane can read (a bad port, bad base64) answer 400 JSON instead of escaping.
lambda_handler = with_lambda_context(guarded(either_lane))
# Before a SnapStart snapshot, also build the full app: a restored copy then imports nothing on its
# first request that the direct lane hands over.
snapstart.register(lambda_handler, prepare=full_app)

try:  # load the model at import (the cold start), not in the first request
    load_classifier(_settings.MODEL_PATH)
except DigitApiError as error:
    logger.error("model not loaded", extra={"error": str(error)})
