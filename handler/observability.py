"""Structured logs in the shape of AWS Lambda Powertools: one JSON object per line, one line per request."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the direct Lambda lane logs without loading Starlette
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COLD_START = True


class JsonFormatter(logging.Formatter):
    """level, location, message, timestamp, service, then the record's ``extra`` fields; None dropped."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "service": self.service,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps({key: value for key, value in entry.items() if value is not None}, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is now (test capture, a redirected worker), not at creation."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def get_logger(service: str, level: str = "INFO") -> logging.Logger:
    """The service's logger: JSON lines on stdout, not propagated (Lambda's root handler would repeat it)."""
    logger = logging.getLogger(service)
    if not logger.handlers:
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter(service))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)
    return logger


def lambda_fields(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Powertools' Lambda keys from the invocation's event and context (empty when not on Lambda)."""
    global _COLD_START
    if context is None:
        return {}
    cold_start, _COLD_START = _COLD_START, False
    return {
        "cold_start": cold_start,
        "function_name": getattr(context, "function_name", None),
        "function_memory_size": getattr(context, "memory_limit_in_mb", None),
        "function_arn": getattr(context, "invoked_function_arn", None),
        "function_request_id": getattr(context, "aws_request_id", None),
        "correlation_id": (event.get("requestContext") or {}).get("requestId"),
        "xray_trace_id": (event.get("headers") or {}).get("x-amzn-trace-id"),
    }


def log_request(logger: logging.Logger, aws: dict[str, Any], *, request_id: str, method: str | None,
                route: str | None, status: int, started: float, fields: dict[str, Any]) -> None:
    """The one line per request, for the app's middleware and the direct Lambda lane alike."""
    logger.info("request", extra={"fields": {
        **aws, "request_id": request_id, "method": method, "route": route, "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3), **fields,
    }})


class RequestLogMiddleware:
    """Writes one log line per HTTP request: route, status, latency and what the route recorded.

    Routes add fields (``digit``, ``confidence``...) to ``request.state.log``. Plain ASGI rather
    than ``BaseHTTPMiddleware``: no extra task or body copy on the hot path.
    """

    def __init__(self, app: ASGIApp, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        fields: dict[str, Any] = {}
        scope.setdefault("state", {})["log"] = fields
        aws = lambda_fields(scope.get("aws.event") or {}, scope.get("aws.context"))
        request_id = aws.get("correlation_id") or str(uuid.uuid4())
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            log_request(self.logger, aws, request_id=request_id, method=scope.get("method"), route=scope.get("path"),
                        status=status, started=started, fields=fields)
