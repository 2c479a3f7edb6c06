"""SnapStart runtime hooks: warm the function before Lambda snapshots it, make each restored copy its own.

With SnapStart on (template parameter ``SnapStart``), Lambda runs the init once per published
version, snapshots the memory, and resumes new execution environments from that snapshot. So:

- before the snapshot, one real request (a drawn "1" to ``POST /predict``) goes through the whole
  handler: what a first request pays once (pydantic's first-call paths, Pillow's decoder, LiteRT's
  tensors) is paid into the snapshot; the handler's ``prepare`` builds the full FastAPI app as well,
  which the direct lane answering that request never imports. Its log line and metrics say so
  (``correlation_id`` ``snapstart-warm-up``): one request per published version.
- after a restore, what must differ per environment is reset: Powertools' cold-start flag (the
  first request of a restored environment is its cold start, and the warm-up used it up) and the
  ``random`` module, seeded once at import, so every copy would otherwise draw the same numbers.
  (``uuid4`` and ``os.urandom`` read the kernel each time; boto3's client, the only thing holding
  credentials, is made on the first feedback write, never before the snapshot.)

``snapshot_restore_py`` is AWS's hook registry (the runtime calls what is registered); without
SnapStart nothing calls the hooks.
"""

from __future__ import annotations

import base64
import io
import os
import random
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
from aws_lambda_powertools.logging import logger as powertools_logger
from PIL import Image
from snapshot_restore_py import register_after_restore, register_before_snapshot

WARM_UP_ID = "snapstart-warm-up"
_BOUNDARY = "snapstart-warm-up-boundary"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def drawn_one() -> bytes:
    """A PNG of a "1": a white stroke on black, as MNIST writes it."""
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[5:23, 13:16] = 255
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def warm_up_event() -> dict[str, Any]:
    """An HTTP API (payload 2.0) ``POST /predict`` event carrying ``drawn_one()`` as multipart."""
    body = (f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="warm-up.png"\r\n'
            "Content-Type: image/png\r\n\r\n").encode() + drawn_one() + f"\r\n--{_BOUNDARY}--\r\n".encode()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": "/predict", "rawQueryString": "",
        "headers": {"content-type": f"multipart/form-data; boundary={_BOUNDARY}", "content-length": str(len(body)),
                    "host": "localhost", "user-agent": WARM_UP_ID},
        "requestContext": {"http": {"method": "POST", "path": "/predict", "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": WARM_UP_ID},
                           "requestId": WARM_UP_ID, "routeKey": "$default", "stage": "$default"},
        "body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True,
    }


def warm_up(handler: Handler) -> dict[str, Any]:
    """Before the snapshot: one request through the handler; returns its response."""
    context = SimpleNamespace(
        function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
        memory_limit_in_mb=int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0")),
        invoked_function_arn="", aws_request_id=WARM_UP_ID, get_remaining_time_in_millis=lambda: 10_000,
    )
    return handler(warm_up_event(), context)


def reset_after_restore() -> None:
    """After a restore: this environment's first request is a cold start, and its randomness its own."""
    powertools_logger.is_cold_start = True
    random.seed()


def register(handler: Handler, *, prepare: Callable[[], object] | None = None) -> None:
    """Register the hooks for ``handler`` (``lambda_function`` does, once per process); ``prepare``,
    if given, also runs before the snapshot (what the warm-up request does not reach)."""
    if prepare is not None:
        register_before_snapshot(prepare)
    register_before_snapshot(warm_up, handler)
    register_after_restore(reset_after_restore)
