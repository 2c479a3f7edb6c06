"""The FastAPI application: assembles middleware, error answers and routers. Logic lives elsewhere."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handler.config import LAMBDA_REQUEST_LIMIT, get_settings
from handler.errors import DigitApiError
from handler.observability import RequestLogMiddleware, get_logger
from handler.routes import feedback, meta, number, page, predict
from handler.service import load_classifier

settings = get_settings()
logger = get_logger(settings.SERVICE_NAME, settings.LOG_LEVEL)

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
                await JSONResponse({"detail": refusal[1]}, status_code=refusal[0])(scope, receive, send)
                return
            receive = self._counting(receive)
        await self.app(scope, receive, send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:  # bodies without Content-Length are counted as they arrive
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:  # FastAPI turns other errors raised here into a 400; it re-raises this
                raise HTTPException(413, detail=f"request body over {self.limit:,} bytes")
            return message

        return counted


def create_app() -> FastAPI:
    app = FastAPI(title="Handwritten digit API", version=meta.VERSION, description=DESCRIPTION)
    app.include_router(predict.router)
    app.include_router(number.router)
    app.include_router(meta.router)
    app.include_router(feedback.router)
    app.include_router(page.router)

    @app.exception_handler(DigitApiError)
    async def domain_error(request: Request, error: DigitApiError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def malformed_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # One readable sentence ("query.mode: Input should be 'auto' or 'mnist'") instead of a list.
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        return JSONResponse({"detail": f"malformed request: {problems}"}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"fields": {"route": request.url.path}})
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestLogMiddleware, logger=logger)
    return app


app = create_app()
try:  # load the model at import (the cold start), not in the first request
    load_classifier(settings.MODEL_PATH)
except DigitApiError as error:
    logger.error("model not loaded", extra={"fields": {"error": str(error)}})
