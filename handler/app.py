"""The FastAPI application: assembles middleware, error answers and routers. Logic lives elsewhere."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handler.config import LAMBDA_REQUEST_LIMIT, get_settings
from handler.errors import DigitApiError
from handler.observability import RequestLogMiddleware, get_logger, get_metrics, refuse
from handler.routes import docs, feedback, meta, number, page, predict
from handler.service import load_classifier
from handler.slashes import TrailingSlash

settings = get_settings()
logger = get_logger(settings.SERVICE_NAME, settings.LOG_LEVEL)
metrics = get_metrics(settings.METRICS_NAMESPACE, settings.SERVICE_NAME)

DESCRIPTION = """Reads the handwritten digit in an uploaded image.

`mode=auto` takes any picture of one digit (photo, screenshot, canvas export, any colours);
`mode=mnist` takes a 28x28 image exactly as MNIST stores it (white ink on black).
`POST /predict/number` reads one line of handwritten digits (a number) and answers each digit with its box.
Every error is JSON: `{"detail": "..."}`.
"""


class BodySizeLimit:
    """413 for request bodies over Lambda's 6 MB payload limit, before any multipart parsing."""

    def __init__(self, app: ASGIApp, limit: int = LAMBDA_REQUEST_LIMIT) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length", b"0")
            refusal = (
                (400, "invalid Content-Length") if not length.isdigit()
                else (413, f"request body over {self.limit:,} bytes") if int(length) > self.limit
                else None
            )
            if refusal:
                refuse(scope, "UploadTooLarge" if refusal[0] == 413 else "MalformedRequest")
                await JSONResponse({"detail": refusal[1]}, status_code=refusal[0])(scope, receive, send)
                return
            receive = self._counting(scope, receive)
        await self.app(scope, receive, send)

    def _counting(self, scope: Scope, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:  # bodies without Content-Length are counted as they arrive
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:  # FastAPI turns other errors raised here into a 400; it re-raises this
                refuse(scope, "UploadTooLarge")
                raise HTTPException(413, detail=f"request body over {self.limit:,} bytes")
            return message

        return counted


def create_app() -> FastAPI:
    # docs_url/redoc_url off: handler/routes/docs.py serves both pages with their files from here (no CDN).
    app = FastAPI(title="Handwritten digit API", version=meta.VERSION, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, redirect_slashes=False)
    app.include_router(predict.router)
    app.include_router(number.router)
    app.include_router(meta.router)
    app.include_router(feedback.router)
    app.include_router(page.router)
    app.include_router(docs.router)

    @app.exception_handler(DigitApiError)
    async def domain_error(request: Request, error: DigitApiError) -> JSONResponse:
        if error.status_code < 500:
            refuse(request.scope, type(error).__name__)
        return JSONResponse({"detail": str(error)}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def malformed_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # One readable sentence ("query.mode: Input should be 'auto' or 'mnist'") instead of a list.
        refuse(request.scope, "MalformedRequest")
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        return JSONResponse({"detail": f"malformed request: {problems}"}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestLogMiddleware, logger=logger, metrics=metrics)
    app.add_middleware(TrailingSlash)
    return app


app = create_app()
try:  # load the model at import (the cold start), not in the first request
    load_classifier(settings.MODEL_PATH)
except DigitApiError as error:
    logger.error("model not loaded", extra={"error": str(error)})
