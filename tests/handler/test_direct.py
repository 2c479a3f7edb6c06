"""The direct lane answers POST /predict as the full app would (the same response, log line and metrics),
and hands every other request over."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import numpy as np
import pytest
from aws_lambda_powertools.logging import logger as powertools_logger

from handler import direct
from handler.lambda_function import full_app, lambda_handler, with_lambda_context
from infra.events import LambdaContext, http_api_event, multipart_body, rest_api_event
from tests.conftest import REPO_ROOT, SAMPLES
from tests.utils import encode_image

DIGIT_4 = (SAMPLES / "any-image" / "digit-4.png").read_bytes()
MNIST_7 = (SAMPLES / "mnist-28x28" / "digit-7.jpeg").read_bytes()
BLANK = encode_image(np.full((64, 64), 255, dtype=np.uint8))
BUILDERS = {"2.0": http_api_event, "1.0": rest_api_event}


def multipart(data: bytes, content_type: str = "image/png", field: str = "file") -> tuple[bytes, dict[str, str]]:
    body, header = multipart_body([(field, "upload", data, content_type)])
    return body, {"content-type": header}


# (name, body, headers, query): requests the direct lane answers itself.
REQUESTS = [
    ("multipart-png", *multipart(DIGIT_4), None),
    ("multipart-explain", *multipart(DIGIT_4), {"explain": "true"}),
    ("raw-png", DIGIT_4, {"content-type": "image/png"}, None),
    ("raw-jpeg-mnist", MNIST_7, {"content-type": "image/jpeg"}, {"mode": "mnist"}),
    ("octet-stream", DIGIT_4, {"content-type": "application/octet-stream"}, None),
    ("undecodable", b"junk", {"content-type": "image/png"}, None),
    ("text-part", *multipart(b"hello", "text/plain"), None),
    ("json-body", b'{"file": 1}', {"content-type": "application/json"}, None),
    ("blank-image", BLANK, {"content-type": "image/png"}, None),
    ("mnist-wrong-size", DIGIT_4, {"content-type": "image/png"}, {"mode": "mnist"}),
    ("empty-body", b"", {}, None),
    ("missing-field", *multipart(DIGIT_4, field="image"), None),
]


def records(capsys) -> tuple[dict, dict]:
    """The request's log line and its EMF document, less what the clock changes between two runs."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [line] = [entry for entry in lines if entry.get("message") == "request"]
    [emf] = [entry for entry in lines if "_aws" in entry]
    line = {key: value for key, value in line.items() if key not in ("timestamp", "latency_ms")}
    emf = {**{key: value for key, value in emf.items() if key != "Latency"}, "_aws": {**emf["_aws"], "Timestamp": 0}}
    return line, emf


def each_lane(event: dict, capsys) -> tuple[tuple[dict, dict, dict], tuple[dict, dict, dict]]:
    """(response, log line, metrics) from the direct lane, then from the full app, each inside the entry
    point's ``inject_lambda_context`` as a cold start, with the same Lambda context."""
    context, answers = LambdaContext(), []
    capsys.readouterr()
    for lane in (direct.answer, full_app()):
        powertools_logger.is_cold_start = True
        answers.append((with_lambda_context(lane)(event, context), *records(capsys)))
    assert answers[0][0] is not None, "the direct lane handed over a request it should answer"
    return answers[0], answers[1]


def body_of(response: dict) -> dict:
    return json.loads(response["body"])


@pytest.mark.parametrize("path", ["/predict", "/predict/"])
@pytest.mark.parametrize("payload", BUILDERS)
@pytest.mark.parametrize(("name", "body", "headers", "query"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_direct_answer_matches_the_full_app(name, body, headers, query, payload, path, capsys):
    mine, app = each_lane(BUILDERS[payload]("POST", path, body=body, headers=headers, query=query), capsys)
    assert json.dumps(mine[0]) == json.dumps(app[0])  # byte for byte, headers in the same order
    assert mine[1] == app[1]  # the Powertools log line: every key, in the same order
    assert list(mine[1]) == list(app[1])
    assert mine[2] == app[2]  # the EMF document: dimensions, metrics, values


def both_ways(event: dict, capsys) -> tuple[dict, dict]:
    mine, app = each_lane(event, capsys)
    return mine[0], app[0]


def test_direct_answer_over_upload_limit_matches_the_full_app(monkeypatch, capsys):
    from handler.config import get_settings

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")
    get_settings.cache_clear()
    mine, app = both_ways(http_api_event("POST", "/predict", body=DIGIT_4, headers={"content-type": "image/png"}), capsys)
    assert mine["statusCode"] == app["statusCode"] == 413
    assert body_of(mine) == body_of(app)


def test_direct_answer_without_a_model_is_503(monkeypatch, tmp_path, capsys):
    from handler.config import get_settings

    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "missing.tflite"))
    get_settings.cache_clear()
    mine, app = both_ways(http_api_event("POST", "/predict", body=b"", headers={}), capsys)
    assert mine["statusCode"] == app["statusCode"] == 503
    assert body_of(mine) == body_of(app)


def test_direct_answer_carries_the_request_id_as_correlation_id():
    event = http_api_event("POST", "/predict", body=DIGIT_4, headers={"content-type": "image/png"})
    answer = lambda_handler(event, LambdaContext())
    assert answer["headers"]["x-request-id"] == event["requestContext"]["requestId"]


def test_direct_answer_logs_one_line_with_the_digit_and_its_uncertain_flag(capsys):
    lambda_handler(http_api_event("POST", "/predict", body=DIGIT_4, headers={"content-type": "image/png"}),
                   LambdaContext())
    line, _ = records(capsys)
    assert line["route"] == "/predict" and line["status"] == 200 and line["digit"] == "4"
    assert line["uncertain"] is False
    assert line["function_name"] == "mnist-digit-api" and line["correlation_id"] == line["request_id"]


def test_direct_answer_of_a_cold_start_says_so_in_its_line_and_metrics(capsys):
    event = http_api_event("POST", "/predict", body=DIGIT_4, headers={"content-type": "image/png"})
    powertools_logger.is_cold_start = True
    lambda_handler(event, LambdaContext())
    first_line, first_metrics = records(capsys)
    lambda_handler(event, LambdaContext())
    second_line, second_metrics = records(capsys)
    assert (first_line["cold_start"], second_line["cold_start"]) == (True, False)
    assert first_metrics["ColdStart"] == [1.0] and "ColdStart" not in second_metrics


HANDED_OVER = {
    "another-route": http_api_event("GET", "/health"),
    "another-method": http_api_event("PUT", "/predict", body=DIGIT_4, headers={"content-type": "image/png"}),
    "unknown-mode": http_api_event("POST", "/predict", body=DIGIT_4, query={"mode": "fast"}),
    "other-flag-spelling": http_api_event("POST", "/predict", body=DIGIT_4, query={"explain": "yes"}),
    "unknown-parameter": http_api_event("POST", "/predict", body=DIGIT_4, query={"size": "9"}),
    "named-http-api-stage": http_api_event("POST", "/predict", body=DIGIT_4, stage="beta"),
    "bogus-content-length": http_api_event("POST", "/predict", body=DIGIT_4, headers={"content-length": "12abc"}),
    "not-api-gateway": {"Records": [{"eventSource": "aws:s3"}]},
}


@pytest.mark.parametrize("event", HANDED_OVER.values(), ids=HANDED_OVER)
def test_direct_hands_over_what_it_does_not_recognise(event):
    assert direct.answer(event, LambdaContext()) is None


def test_a_cold_start_that_only_predicts_imports_no_web_framework():
    code = (
        "import sys, json\n"
        "from handler.lambda_function import lambda_handler\n"
        "from infra.events import LambdaContext, http_api_event\n"
        "event = http_api_event('POST', '/predict', body=open(sys.argv[1], 'rb').read(),"
        " headers={'content-type': 'image/png'})\n"
        "assert lambda_handler(event, LambdaContext())['statusCode'] == 200\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'mangum',"
        " 'asyncio', 'opentelemetry', 'pydantic_settings', 'anyio'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(SAMPLES / "any-image" / "digit-4.png")],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_base64_body_decodes_as_the_standard_library_decodes_it():
    data = bytes(range(256)) * 40
    encoded = base64.b64encode(data)
    assert direct.decode_base64(encoded.decode()) == data
    # a body wrapped in lines (MIME-style) or with stray characters is read leniently, as base64.b64decode does
    wrapped = b"\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert direct.decode_base64(wrapped.decode()) == data == base64.b64decode(wrapped)
    assert direct.decode_base64("QUJD$") == base64.b64decode("QUJD$") == b"ABC"


def test_a_base64_body_that_cannot_be_decoded_is_handed_over():
    event = http_api_event("POST", "/predict", body=DIGIT_4, headers={"content-type": "image/png"})
    event["body"] = event["body"][:-3]  # cut in the middle of a group: padding wrong
    assert event["isBase64Encoded"] and direct.answer(event, LambdaContext()) is None
