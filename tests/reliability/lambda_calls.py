"""Raw invocations of ``lambda_handler`` with real-shaped API Gateway events (any body, any headers)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from infra.events import LambdaContext, http_api_event, rest_api_event

EVENT_BUILDERS = {"2.0": http_api_event, "1.0": rest_api_event}  # HTTP API, REST API


@dataclass(frozen=True)
class LambdaAnswer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> object:
        return json.loads(self.text)


def call_lambda(
    method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None, payload: str = "2.0", event_overrides: dict[str, object] | None = None,
) -> LambdaAnswer:
    """One invocation as API Gateway makes it (``event_overrides`` replace top-level keys of its event);
    the answer's body decoded from base64 when it is."""
    from handler.lambda_function import lambda_handler

    event = {**EVENT_BUILDERS[payload](method, path, body=body, headers=headers, query=query or None),
             **(event_overrides or {})}
    response = lambda_handler(event, LambdaContext())
    text = response.get("body") or ""
    if response.get("isBase64Encoded"):
        text = base64.b64decode(text).decode("utf-8", errors="replace")
    headers_out = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
    return LambdaAnswer(response["statusCode"], headers_out, text)
