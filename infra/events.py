"""Real-shaped API Gateway events and a Lambda context, for the emulator, the tests and the benchmark.

Payload 2.0 is what an HTTP API (this project's template) sends; 1.0 is a REST API's. Binary
bodies are base64-encoded, as API Gateway does for multipart uploads.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

Upload = tuple[str, str, bytes, str]  # (form field, file name, content, content type)


def multipart_body(files: list[Upload], fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    """Encode form fields and files as ``multipart/form-data``; returns (body, content type header)."""
    boundary = f"----digitapi{secrets.token_hex(8)}"
    parts: list[bytes] = []
    for name, value in (fields or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content, content_type in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n")
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _request_times() -> tuple[str, int]:
    now = datetime.now(UTC)
    return now.strftime("%d/%b/%Y:%H:%M:%S +0000"), int(now.timestamp() * 1000)


def http_api_event(
    method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None, stage: str = "$default", binary: bool | None = None,
) -> dict:
    """An API Gateway HTTP API payload 2.0 event: lower-case headers, raw query, base64 binary bodies."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    headers.setdefault("host", "abc123.execute-api.us-east-1.amazonaws.com")
    headers.setdefault("user-agent", "digit-api-tests")
    if body:
        headers.setdefault("content-length", str(len(body)))
    binary = bool(body) if binary is None else binary
    time_text, epoch_ms = _request_times()
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "cookies": [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()] or None,
        "headers": headers,
        "queryStringParameters": dict(query) if query else None,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": headers["host"], "domainPrefix": "abc123",
            "http": {"method": method.upper(), "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": headers["user-agent"]},
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": stage,
            "time": time_text, "timeEpoch": epoch_ms,
        },
        "body": (base64.b64encode(body).decode() if binary else body.decode()) if body else None,
        "isBase64Encoded": bool(body) and binary,
    }
    return {key: value for key, value in event.items() if value is not None}


def rest_api_event(
    method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None, stage: str = "Prod",
) -> dict:
    """An API Gateway REST API payload 1.0 event (proxy integration): stage outside ``path``."""
    headers = dict(headers or {})
    headers.setdefault("Host", "abc123.execute-api.us-east-1.amazonaws.com")
    time_text, epoch_ms = _request_times()
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method.upper(),
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "httpMethod": method.upper(),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "digit-api-tests")},
            "path": f"/{stage}{path}", "protocol": "HTTP/1.1", "requestId": str(uuid.uuid4()),
            "requestTime": time_text, "requestTimeEpoch": epoch_ms, "resourcePath": "/{proxy+}", "stage": stage,
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }


@dataclass
class LambdaContext:
    """The attributes of AWS's Lambda context object that handlers and loggers read."""

    function_name: str = "mnist-digit-api"
    memory_limit_in_mb: int = 512
    timeout_s: float = 10.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/mnist-digit-api"
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
