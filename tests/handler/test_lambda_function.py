"""lambda_handler with real-shaped API Gateway events: HTTP API (payload 2.0) and REST API (1.0)."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from tests.utils import invoke

PAYLOADS = ["2.0", "1.0"]
DIGIT_4 = SAMPLES / "any-image" / "digit-4.png"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lambda_handler_reads_a_base64_multipart_upload(payload):
    status, body, _ = invoke("POST", "/predict", files=[("file", "d.png", DIGIT_4.read_bytes(), "image/png")],
                             payload=payload)
    assert status == 200
    assert body["digit"] == "4"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lambda_handler_answers_health(payload):
    status, body, _ = invoke("GET", "/health", payload=payload)
    assert status == 200
    assert body["status"] == "ok"


def test_lambda_handler_docs_behind_rest_stage_point_at_stage_openapi():
    status, html, _ = invoke("GET", "/docs", payload="1.0")
    assert status == 200
    assert "'/Prod/openapi.json'" in html


def test_lambda_handler_docs_on_http_api_default_stage():
    status, html, _ = invoke("GET", "/docs", payload="2.0")
    assert status == 200
    assert "'/openapi.json'" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lambda_handler_errors_are_json(payload):
    status, body, _ = invoke("POST", "/predict", files=[("file", "x.png", b"junk", "image/png")], payload=payload)
    assert status == 400
    assert isinstance(body, dict) and body["detail"]


def test_lambda_handler_logs_one_json_line_with_lambda_fields(capsys):
    import json

    invoke("GET", "/health")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [entry] = [line for line in lines if line.get("route") == "/health" and "_aws" not in line]  # not the EMF
    assert entry["status"] == 200 and entry["latency_ms"] >= 0
    assert entry["function_name"] == "mnist-digit-api"
    assert entry["correlation_id"] == entry["request_id"]
