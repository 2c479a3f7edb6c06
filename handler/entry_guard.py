"""The last line of defence at the Lambda entry point: no event shape makes an exception escape.

Mangum turns each event into an ASGI request before the app (and its error handlers) runs, and raises
on what it cannot read: ``x-forwarded-port: abc`` or a ``Host`` with two colons (``int(port)``), a body
that ``isBase64Encoded`` but is not base64, an event from no API Gateway at all. An exception that
escapes ``lambda_handler`` becomes API Gateway's bare 500; here it becomes a 400 JSON answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

MALFORMED_EVENT = "malformed request: the request could not be read (check its headers and body encoding)"
_logger = logging.getLogger(__name__)

LambdaHandler = Callable[[Any, Any], dict[str, Any]]


def malformed_event_answer() -> dict[str, Any]:
    """The answer both payload versions (1.0 and 2.0) accept."""
    return {"statusCode": 400, "headers": {"content-type": "application/json"},
            "body": json.dumps({"detail": MALFORMED_EVENT}), "isBase64Encoded": False}


def guarded(handler: LambdaHandler) -> LambdaHandler:
    """``handler``, answering 400 JSON to any event it raises on."""

    @wraps(handler)
    def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
        try:
            return handler(event, context)
        except Exception as error:  # the app maps its own errors; this is the event itself failing
            _logger.warning("malformed event: %s", type(error).__name__)
            return malformed_event_answer()

    return lambda_handler
