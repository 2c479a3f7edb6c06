"""Powertools logs and metrics: one JSON log line and one EMF metrics document per request."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from handler.observability import RequestLogMiddleware, get_logger, get_metrics
from tests.conftest import SAMPLES
from tests.utils import invoke

DIGIT_4 = SAMPLES / "any-image" / "digit-4.png"


def written(out: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """stdout -> (log lines, EMF documents): both are JSON objects, one per line."""
    objects = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [o for o in objects if "_aws" not in o], [o for o in objects if "_aws" in o]


def emf_metrics(document: dict[str, Any]) -> tuple[str, list[set[str]], dict[str, Any]]:
    """(namespace, dimension sets, {metric name: values}) as CloudWatch reads an EMF document."""
    [directive] = document["_aws"]["CloudWatchMetrics"]
    names = [metric["Name"] for metric in directive["Metrics"]]
    return directive["Namespace"], [set(d) for d in directive["Dimensions"]], {n: document[n] for n in names}


def predict_through_lambda(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict], list[dict]]:
    capsys.readouterr()
    status, body, _ = invoke("POST", "/predict", files=[("file", "d.png", DIGIT_4.read_bytes(), "image/png")])
    assert (status, body["digit"]) == (200, "4")
    return written(capsys.readouterr().out)


def test_lambda_request_writes_one_powertools_log_line(capsys, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")
    logs, _ = predict_through_lambda(capsys)
    [line] = [entry for entry in logs if entry["message"] == "request"]
    assert {"level", "location", "timestamp", "service", "cold_start", "function_name", "function_memory_size",
            "function_arn", "function_request_id", "correlation_id", "xray_trace_id"} <= set(line)
    assert (line["route"], line["status"], line["digit"]) == ("/predict", 200, "4")
    assert 0 <= line["confidence"] <= 1 and line["latency_ms"] > 0
    assert line["correlation_id"] == line["request_id"] and line["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"


def test_metrics_disabled_write_nothing_and_keep_nothing_from_request_to_request(capsys, monkeypatch):
    # Powertools' own switch: it leaves the metric set in place, and each request must not add to the last one's.
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Dimension 'route' has already been added" is the symptom
        for _ in range(2):
            _, documents = predict_through_lambda(capsys)
            assert documents == []
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED")
    _, [document] = predict_through_lambda(capsys)
    assert emf_metrics(document)[2]["Requests"] == [1]


def test_lambda_request_writes_one_emf_document(capsys):
    _, documents = predict_through_lambda(capsys)
    [document] = documents
    namespace, dimension_sets, values = emf_metrics(document)
    assert namespace == "MnistDigitApi"
    assert dimension_sets == [{"service", "route", "status"}, {"service"}]
    assert (document["service"], document["route"], document["status"]) == ("mnist-digit-api", "/predict", "200")
    assert {"Requests", "Latency", "DigitsRead", "Confidence"} <= set(values)
    assert (values["Requests"], values["DigitsRead"]) == ([1], [1]) and 0 <= values["Confidence"][0] <= 1


def test_refused_image_counted_by_reason(capsys):
    capsys.readouterr()
    status, _, _ = invoke("POST", "/predict", files=[("file", "x.png", b"junk", "image/png")])
    logs, [document] = written(capsys.readouterr().out)
    _, dimension_sets, values = emf_metrics(document)
    assert status == 400 and [line["refused"] for line in logs if line["message"] == "request"] == ["InvalidImage"]
    assert {"service", "reason"} in dimension_sets and document["reason"] == "InvalidImage"
    assert values["ImagesRefused"] == [1] and "DigitsRead" not in values


def test_feedback_stored_counted(client, capsys):
    response = client.post("/feedback", files={"file": ("d.png", DIGIT_4.read_bytes(), "image/png")},
                           data={"label": "4"})
    _, [document] = written(capsys.readouterr().out)
    assert response.status_code == 201
    assert emf_metrics(document)[2]["FeedbackStored"] == [1] and document["route"] == "/feedback"


def test_unmatched_path_is_no_metrics_dimension(client, capsys):
    client.get("/wp-login.php")
    logs, [document] = written(capsys.readouterr().out)
    [line] = logs
    assert (line["route"], line["path"], line["status"]) == ("unmatched", "/wp-login.php", 404)
    assert (document["route"], document["status"]) == ("unmatched", "404")


def recording_app(fields: dict[str, Any]) -> TestClient:
    """A one-route app whose route records ``fields``, behind the middleware."""
    app = FastAPI()

    @app.get("/answer")
    def answer(request: Request) -> dict[str, str]:
        request.state.log.update(fields)
        return {}

    app.add_middleware(RequestLogMiddleware, logger=get_logger("observability-test"),
                       metrics=get_metrics("ObservabilityTest", "observability-test"))
    return TestClient(app)


def test_middleware_logs_every_field_the_route_sets(capsys):
    recording_app({"digit": "7", "confidence": 0.42, "uncertain": True, "mode": "auto"}).get("/answer")
    [line], _ = written(capsys.readouterr().out)
    assert (line["digit"], line["confidence"], line["uncertain"], line["mode"]) == ("7", 0.42, True, "auto")


@pytest.mark.parametrize(("uncertain", "expected"), [(True, [1]), (False, [0]), ([True, False, True], [1, 0, 1])])
def test_middleware_counts_uncertain_answers(capsys, uncertain, expected):
    recording_app({"digits": "123"[: len(expected)], "uncertain": uncertain}).get("/answer")
    _, [document] = written(capsys.readouterr().out)
    assert emf_metrics(document)[2]["Uncertain"] == expected


def test_request_log_never_contains_image_bytes(client, capsys):
    image = DIGIT_4.read_bytes()
    client.post("/predict", files={"file": ("secret-name.png", image, "image/png")})
    out = capsys.readouterr().out
    logs, _ = written(out)
    assert [line["route"] for line in logs] == ["/predict"]
    assert "PNG" not in out and "secret-name" not in out and len(out) < 3000


def test_the_logger_of_a_service_still_writes_after_another_level_is_asked(capsys):
    # A second Powertools Logger of the same name gets no handler: asking for another level must not make one.
    first, second = get_logger("level-test", "INFO"), get_logger("level-test", "DEBUG")
    assert first is second
    capsys.readouterr()
    second.info("after the level changed")
    [line], _ = written(capsys.readouterr().out)
    assert line["message"] == "after the level changed" and line["level"] == "INFO"
    get_logger("level-test", "WARNING").info("filtered")
    assert written(capsys.readouterr().out) == ([], [])
