"""POST /predict answered straight from the API Gateway event: no ASGI cycle, event loop, FastAPI or Mangum.

On Lambda most requests are this one, and so is the first of every cold start: answering it here saves
importing FastAPI, Starlette, asyncio and OpenTelemetry (most of a cold start) and the ASGI round trip of
every request. Whatever this lane does not recognise at a glance (another route or method, a query other
than plain ``mode``/``explain`` values, a body over Lambda's payload limit, another event source) it hands
back as ``None``, and the full app answers it as before. Uploads (``handler.uploads``), images and the
model (``handler.service``), errors, the log line and the metrics (``handler.observability``) are the
app's own code, so both answer alike; tests/handler/test_direct.py sends each kind of request both ways.
``lambda_function`` runs this lane inside the same ``inject_lambda_context`` as the app (Powertools'
Lambda keys, cold start, correlation id). A trailing slash (``/predict/``) is read as the app's
``TrailingSlash`` reads it: the same route.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote

import pybase64

from handler.config import LAMBDA_REQUEST_LIMIT, get_settings
from handler.errors import DigitApiError
from handler.observability import get_logger, get_metrics, record_request, start_request
from handler.service import calibration_for, load_classifier, model_input_for, read_digits
from handler.uploads import parse_upload

ROUTE = "/predict"
MODES = frozenset({"auto", "mnist"})
# The spellings a client sends for a flag; others (FastAPI also takes "yes", "on"...) go to the app.
FLAGS = {"true": True, "false": False, "1": True, "0": False}


class Call(NamedTuple):
    """The parts of an API Gateway event this lane reads (payload 2.0 or 1.0)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    rest_api: bool  # payload 1.0 answers carry multiValueHeaders


def read_call(event: dict[str, Any]) -> Call | None:
    """The request in an HTTP API (2.0) or REST API (1.0) event; ``None`` for any other event."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return None
    if event.get("version") == "2.0" and isinstance(context.get("http"), dict):
        method, path = context["http"].get("method"), context["http"].get("path")
        query = parse_qs(event.get("rawQueryString") or "", keep_blank_values=True)
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    elif "httpMethod" in event and "resource" in event:
        method, path = event["httpMethod"], event.get("path")
        query = event.get("multiValueQueryStringParameters") or {
            k: [v] for k, v in (event.get("queryStringParameters") or {}).items()}
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        headers.update({k.lower(): ", ".join(v) for k, v in (event.get("multiValueHeaders") or {}).items()
                        if isinstance(v, list)})
    else:
        return None
    try:
        body = event.get("body") or b""
        body = decode_base64(body) if event.get("isBase64Encoded") else body.encode() if isinstance(body, str) else body
    except (binascii.Error, ValueError, TypeError, AttributeError):
        return None  # the app decides what a broken body answers
    # As Mangum (unquoted) then handler/slashes.py (trailing slashes dropped) hand the path to the router.
    path = unquote(path or "/")
    return Call(str(method), path.rstrip("/") or "/", query, headers, body, rest_api="resource" in event)


def decode_base64(text: str | bytes) -> bytes:
    """A base64 body as API Gateway sends it, in SIMD (pybase64): 60 times the standard library's speed on a
    photo. A body with characters outside the alphabet (line breaks) is read leniently, as ``base64`` does."""
    try:
        return pybase64.b64decode(text, validate=True)
    except binascii.Error:
        return base64.b64decode(text)


def options(query: dict[str, list[str]]) -> tuple[str, bool] | None:
    """(mode, explain) from a plain query; ``None`` where the app's validation has to speak."""
    if not set(query) <= {"mode", "explain"} or any(len(values) != 1 for values in query.values()):
        return None
    mode, explain = query.get("mode", ["auto"])[0], query.get("explain", ["false"])[0]
    return (mode, FLAGS[explain]) if mode in MODES and explain in FLAGS else None


def handles(call: Call) -> bool:
    length = call.headers.get("content-length")
    within = len(call.body) <= LAMBDA_REQUEST_LIMIT and (length is None or length.isdigit()
                                                          and int(length) <= LAMBDA_REQUEST_LIMIT)
    return call.method == "POST" and call.path == ROUTE and within and options(call.query) is not None


def predict(call: Call, fields: dict[str, Any]) -> tuple[int, bytes]:
    """What the app's POST /predict answers, as (status, JSON body); ``fields`` gets the log fields."""
    mode, explain = options(call.query) or ("auto", False)
    settings = get_settings()
    try:  # in the app's order: the model (503) before the upload
        classifier = load_classifier(settings.MODEL_PATH)
        data, content_type, _ = parse_upload(call.body, call.headers.get("content-type"))
        picture = model_input_for(data, content_type, mode, settings)  # type: ignore[arg-type]
        [prediction] = read_digits(classifier, [picture], mode, explain=explain,  # type: ignore[arg-type]
                                   calibration=calibration_for(settings))
    except DigitApiError as error:
        if error.status_code < 500:  # as the app's error handler notes it (handler/app.py)
            fields["refused"] = type(error).__name__
        return error.status_code, _json({"detail": str(error)})
    fields.update(digit=prediction.digit, confidence=round(prediction.confidence, 4),
                  uncertain=prediction.uncertain, mode=mode)
    return 200, prediction.model_dump_json(by_alias=True).encode()  # as FastAPI renders a response_model


def answer(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    """The Lambda response to a POST /predict event, or ``None`` when the full app should answer."""
    call = read_call(event)
    if call is None or not handles(call):
        return None
    started, fields = time.perf_counter(), {}
    settings = get_settings()
    logger = get_logger(settings.SERVICE_NAME, settings.LOG_LEVEL)
    metrics = get_metrics(settings.METRICS_NAMESPACE, settings.SERVICE_NAME)
    request_id = start_request(logger, on_lambda=True)  # only ever called from the Lambda entry point
    try:
        status, body = predict(call, fields)
    except Exception:  # a bug, as in the app: logged with its stack, a bare 500
        logger.exception("unhandled error", extra={"path": call.path})
        status, body = 500, _json({"detail": "internal error"})
    record_request(logger, metrics, request_id=request_id, method=call.method, route=ROUTE, path=call.path,
                   status=status, started=started, fields=fields, on_lambda=True)
    headers = {"content-length": str(len(body)), "content-type": "application/json", "x-request-id": request_id}
    # Keys in Mangum's order (handler/api_gateway.py): Lambda serialises this dict as it is.
    if call.rest_api:
        return {"statusCode": status, "headers": headers, "multiValueHeaders": {}, "body": body.decode(),
                "isBase64Encoded": False}
    return {"statusCode": status, "body": body.decode(), "headers": headers, "isBase64Encoded": False}


def _json(content: Any) -> bytes:  # as Starlette's JSONResponse renders it
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
