"""Logs and metrics with Powertools for AWS Lambda: one JSON log line and one EMF document per request.

Powertools' ``Logger`` writes the JSON (level, location, message, timestamp, service, and on Lambda
cold_start, function_*, correlation_id, xray_trace_id); its ``Metrics`` write CloudWatch's embedded
metric format to the same stdout, which CloudWatch turns into metrics without an API call.
``lambda_function`` adds the Lambda keys per invocation (``Logger.inject_lambda_context``); the
middleware here (and the direct Lambda lane, through the same ``record_request``) adds what only the
request knows and flushes both.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:  # the direct Lambda lane (handler/direct.py) logs without loading Starlette
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED_ROUTE = "unmatched"  # metrics dimension for paths no route matched: never the raw path
logging.logAsyncioTasks = False  # no "taskName" key on every line: under Mangum each request is one new task


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is now (test capture, a redirected worker), not at creation."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def get_logger(service: str, level: str = "INFO") -> Logger:
    """The service's Powertools logger: JSON lines on stdout, at ``level``."""
    logger = _logger_for(service)
    logger.setLevel(level)
    return logger


@cache  # one per service, whatever the level: a second Logger of the same name gets no handler of its own
def _logger_for(service: str) -> Logger:
    return Logger(service=service, logger_handler=StdoutHandler())


def get_metrics(namespace: str, service: str) -> Metrics:
    """Powertools' metrics: every ``Metrics`` of a process shares one set, flushed once per request."""
    return Metrics(namespace=namespace, service=service)


def _values(value: Any) -> list[Any]:
    """A field a route set for one prediction (``0.93``) or for several (``[0.93, 0.41]``)."""
    return list(value) if isinstance(value, Iterable) and not isinstance(value, str | bytes) else [value]


def add_request_metrics(metrics: Metrics, entry: dict[str, Any]) -> None:
    """The request's metrics, from its log entry: the same facts, in numbers CloudWatch can graph.

    Dimensions: (service, route, status) and (service) for totals, plus (service, reason) when an
    image was refused. The digit itself is no dimension (ten more series per metric): the dashboard
    counts digits from the log lines instead.
    """
    metrics.add_dimension("route", entry["route"])
    metrics.add_dimension("status", str(entry["status"]))
    metrics.add_dimensions(service=str(metrics.service))
    metrics.add_metric("Requests", MetricUnit.Count, 1)
    metrics.add_metric("Latency", MetricUnit.Milliseconds, entry["latency_ms"])
    if entry.get("cold_start"):
        metrics.add_metric("ColdStart", MetricUnit.Count, 1)
    digits = entry.get("digits", entry.get("digit"))
    if digits is not None:
        metrics.add_metric("DigitsRead", MetricUnit.Count, len(digits) if isinstance(digits, str | list) else 1)
    for confidence in _values(entry.get("confidence", [])):
        metrics.add_metric("Confidence", MetricUnit.NoUnit, float(confidence))
    for uncertain in _values(entry.get("uncertain", [])):  # 1 or 0 per answer: Sum counts, Average is the rate
        metrics.add_metric("Uncertain", MetricUnit.Count, int(bool(uncertain)))
    if "feedback_id" in entry:
        metrics.add_metric("FeedbackStored", MetricUnit.Count, 1)
    if "refused" in entry:
        metrics.add_dimensions(service=str(metrics.service), reason=str(entry["refused"]))
        metrics.add_metric("ImagesRefused", MetricUnit.Count, 1)


def refuse(scope: Scope, reason: str) -> None:
    """Note why a request's image was refused (the error's class name): logged and counted by reason."""
    scope.setdefault("state", {}).setdefault("log", {})["refused"] = reason


def start_request(logger: Logger, *, on_lambda: bool) -> str:
    """The request's id, set as the logger's correlation id: on Lambda the one ``inject_lambda_context``
    read from API Gateway, elsewhere a fresh one."""
    request_id = (logger.get_correlation_id() if on_lambda else None) or str(uuid.uuid4())
    logger.set_correlation_id(request_id)
    return request_id


def record_request(logger: Logger, metrics: Metrics, *, request_id: str, method: str | None, route: str,
                   path: str | None, status: int, started: float, fields: dict[str, Any], on_lambda: bool) -> None:
    """The request's one log line and one metrics document: the app's middleware and the direct Lambda
    lane (handler/direct.py) both end here, so both write the same."""
    entry = {
        "request_id": request_id, "method": method, "route": route, "path": path, "status": status,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3), **fields,
    }
    logger.info("request", extra=entry)
    cold_start = logger.get_current_keys().get("cold_start") if on_lambda else None
    add_request_metrics(metrics, {**entry, "cold_start": cold_start})
    metrics.flush_metrics()
    # Powertools keeps the set when POWERTOOLS_METRICS_DISABLED is on: each request would add to the last one's.
    metrics.clear_metrics()


def _route(scope: Scope) -> str:
    route = scope.get("route")  # set by FastAPI's router on a match: "/predict", never "/predict?x" or junk
    return getattr(route, "path", None) or UNMATCHED_ROUTE


class RequestLogMiddleware:
    """One log line and one metrics document per HTTP request: route, status, latency and what the
    route recorded.

    Routes add fields (``digit``, ``confidence``, ``uncertain``...) to ``request.state.log``; every
    field is logged, and the known ones are also counted (``add_request_metrics``). Plain ASGI rather
    than ``BaseHTTPMiddleware``: no extra task or body copy on the hot path.
    """

    def __init__(self, app: ASGIApp, logger: Logger, metrics: Metrics) -> None:
        self.app, self.logger, self.metrics = app, logger, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        fields: dict[str, Any] = {}
        scope.setdefault("state", {})["log"] = fields
        on_lambda = "aws.context" in scope  # set by Mangum
        request_id = start_request(self.logger, on_lambda=on_lambda)
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
            record_request(self.logger, self.metrics, request_id=request_id, method=scope.get("method"),
                           route=_route(scope), path=scope.get("path"), status=status, started=started,
                           fields=fields, on_lambda=on_lambda)
