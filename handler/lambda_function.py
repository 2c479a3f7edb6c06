"""AWS Lambda entry point: Mangum around the FastAPI app, built once per process (template: Handler)."""

from __future__ import annotations

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum
from starlette.types import ASGIApp, Receive, Scope, Send

from handler import snapstart
from handler.app import app, logger
from handler.entry_guard import guarded


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


# lifespan="off": Mangum would otherwise run the whole startup cycle in every invocation (issue #342).
# inject_lambda_context: Powertools' Lambda keys (cold_start, function_request_id...) and API Gateway's
# request id as correlation_id on every log line of the invocation (the same path for REST and HTTP APIs).
# guarded: events Mangum cannot read (a bad port, bad base64) answer 400 JSON instead of escaping.
lambda_handler = logger.inject_lambda_context(
    guarded(Mangum(StagePrefix(app), lifespan="off")), correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
    clear_state=True,
)
snapstart.register(lambda_handler)
