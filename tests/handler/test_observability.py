"""The JSON log line: Powertools keys, None dropped, one line per request."""

from __future__ import annotations

import json
import logging

from handler.observability import JsonFormatter


def record(**fields) -> logging.LogRecord:
    entry = logging.LogRecord("svc", logging.INFO, __file__, 10, "request", None, None, func="handle")
    entry.fields = fields
    return entry


def test_json_formatter_writes_powertools_keys():
    line = json.loads(JsonFormatter("digits").format(record(status=200)))
    assert {"level", "location", "message", "timestamp", "service"} <= set(line)
    assert line["service"] == "digits" and line["location"] == "handle:10" and line["status"] == 200


def test_json_formatter_drops_none_values():
    line = json.loads(JsonFormatter("digits").format(record(correlation_id=None, digit="3")))
    assert "correlation_id" not in line and line["digit"] == "3"


def test_request_log_never_contains_image_bytes(client, capsys):
    from tests.conftest import SAMPLES

    image = (SAMPLES / "any-image" / "digit-4.png").read_bytes()
    client.post("/predict", files={"file": ("d.png", image, "image/png")})
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [line["route"] for line in lines] == ["/predict"]
    assert "PNG" not in out and len(out) < 2000
