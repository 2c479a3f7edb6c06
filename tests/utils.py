"""Builders shared by tests: images as encoded bytes, and Lambda invocations with real-shaped events."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image

from infra.events import LambdaContext, http_api_event, multipart_body, rest_api_event


def encode_image(pixels: np.ndarray, fmt: str = "PNG", mode: str | None = None) -> bytes:
    """uint8 array -> file bytes in ``fmt`` (PNG, JPEG...)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode=mode).save(buffer, format=fmt)
    return buffer.getvalue()


def invoke(
    method: str, path: str, *, files: list[tuple[str, str, bytes, str]] | None = None,
    fields: dict[str, str] | None = None, query: dict[str, str] | None = None, payload: str = "2.0",
) -> tuple[int, dict | list | str, dict]:
    """Call ``lambda_handler`` as API Gateway would; returns (status, decoded JSON body or text, headers)."""
    from handler.lambda_function import lambda_handler

    body, headers = b"", {}
    if files is not None or fields:
        body, content_type = multipart_body(files or [], fields)
        headers["content-type"] = content_type
    build = http_api_event if payload == "2.0" else rest_api_event
    response = lambda_handler(build(method, path, body=body, headers=headers, query=query), LambdaContext())
    text = response.get("body") or ""
    if response.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    response_headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    if response_headers.get("content-type", "").startswith("application/json"):
        return response["statusCode"], json.loads(text), response_headers
    return response["statusCode"], text, response_headers
