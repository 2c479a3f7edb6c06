"""The local API Gateway (ours) + Lambda (AWS's RIE + awslambdaric) emulation, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT, SAMPLES
from tests.infra.conftest import RunningEmulator, start_emulator, stop_emulator

LAMBDA_LIMIT = 6 * 1024 * 1024
# RIE's own line (its "Max Memory Used" repeats the memory size: it measures nothing).
REPORT = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\t(?:Init Duration: (?P<init>[\d.]+) ms\t)?Duration: (?P<duration>[\d.]+) ms"
    r"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\tMax Memory Used: (?P<used>\d+) MB"
)
PROBE_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Probe:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
      Handler: probe.handler
      Runtime: python3.13
      Timeout: 1
      MemorySize: 256
      Environment:
        Variables:
          GREETING: !Sub "hello from ${AWS::Region}"
      Events:
        Proxy:
          Type: HttpApi
          Properties:
            Path: /{proxy+}
            Method: ANY
"""
PROBE_HANDLER = """\
import json, os, time

def handler(event, context):
    path = event["rawPath"]
    if path == "/sleep":
        time.sleep(5)
    if path == "/crash":
        raise RuntimeError("boom")
    if path == "/huge":
        return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}
    if path == "/plain":
        return {"hello": "world"}
    if path == "/pause":
        time.sleep(1)
    answer = {"event": event, "remaining_ms": context.get_remaining_time_in_millis(),
              "request_id": context.aws_request_id, "greeting": os.environ.get("GREETING")}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "cookies": ["a=1", "b=2"],
            "body": json.dumps(answer)}
"""


def write_probe(folder: Path, handler: str = "probe.handler") -> Path:
    (folder / "code").mkdir()
    (folder / "code" / "probe.py").write_text(PROBE_HANDLER)
    (folder / "template.yaml").write_text(PROBE_TEMPLATE.replace("probe.handler", handler))
    return folder / "template.yaml"


def fresh_probe(tmp_path: Path, *paths: str, arguments: tuple[str, ...] = (),
                handler: str = "probe.handler") -> tuple[list[httpx.Response], str]:
    """A probe emulator of its own (``arguments``), GET each of ``paths`` in turn; the answers and its log."""
    running = start_emulator(tmp_path / "emulator.log", "--template", str(write_probe(tmp_path, handler)), *arguments)
    try:
        with httpx.Client(timeout=30.0) as client:
            responses = [client.get(f"{running.url}{path}") for path in paths]
    finally:
        stop_emulator(running)
    return responses, running.log()


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send bytes as they are (no HTTP client would send a malformed request line) and read the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """A tiny function that echoes its event, sleeps, crashes or answers too much, on request."""
    folder = tmp_path_factory.mktemp("probe")
    running = start_emulator(folder / "emulator.log", "--template", str(write_probe(folder)))
    yield running
    stop_emulator(running)


def test_emulator_predict_multipart_upload(emulator: RunningEmulator, http: httpx.Client) -> None:
    image = SAMPLES / "any-image" / "digit-4.png"
    response = http.post(f"{emulator.url}/predict", files={"file": (image.name, image.read_bytes(), "image/png")})
    assert response.status_code == 200
    assert response.json()["digit"] in [str(d) for d in range(10)]
    assert response.headers["apigw-requestid"]


def test_emulator_feedback_multipart_upload(emulator: RunningEmulator, http: httpx.Client) -> None:
    image = SAMPLES / "mnist-28x28" / "digit-7.jpeg"
    response = http.post(f"{emulator.url}/feedback", files={"file": (image.name, image.read_bytes(), "image/jpeg")},
                         data={"label": "7"})
    assert response.status_code == 201
    assert response.json()["label"] == "7"


def test_emulator_docs_page(emulator: RunningEmulator, http: httpx.Client) -> None:
    page = http.get(f"{emulator.url}/docs")
    schema = http.get(f"{emulator.url}/openapi.json")
    assert page.status_code == 200
    assert "swagger-ui" in page.text and "/openapi.json" in page.text
    assert schema.status_code == 200
    assert "/predict" in schema.json()["paths"]


def test_emulator_unknown_path_is_app_404(emulator: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{emulator.url}/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_emulator_event_over_6mb_is_413(emulator: RunningEmulator, http: httpx.Client) -> None:
    # 4.6 MB of binary grows past 6 MB once base64-encoded in the event, as on AWS.
    blob = b"\x89PNG" + bytes(int(LAMBDA_LIMIT * 0.75))
    response = http.post(f"{emulator.url}/predict", files={"file": ("big.png", blob, "image/png")})
    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}


def test_emulator_logs_report_line_per_invocation(emulator: RunningEmulator, http: httpx.Client) -> None:
    before = len(REPORT.findall(emulator.log()))
    for _ in range(3):
        assert http.get(f"{emulator.url}/health").status_code == 200
    reports = [match.groupdict() for match in REPORT.finditer(emulator.log())]
    assert len(reports) == before + 3
    assert all(int(r["billed"]) >= float(r["duration"]) and r["memory"] == "512" for r in reports[before:])


def test_emulator_first_invocation_reports_init(tmp_path: Path) -> None:
    _, log = fresh_probe(tmp_path, "/echo", "/echo")
    reports = [match.groupdict() for match in REPORT.finditer(log)]
    assert [r["init"] is not None for r in reports] == [True, False]  # RIE's cold start, then warm


def test_emulator_cors_preflight_answered_by_gateway(emulator: RunningEmulator, http: httpx.Client) -> None:
    response = http.options(f"{emulator.url}/predict", headers={
        "origin": "https://example.com", "access-control-request-method": "POST"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_emulator_event_is_payload_2(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.post(f"{probe.url}/echo/this?b=2&a=1&a=3", content=b"\x00\x01binary",
                         headers={"Content-Type": "application/octet-stream", "X-Custom": "Yes",
                                  "Cookie": "theme=dark; lang=en"})
    assert response.status_code == 200
    event = response.json()["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /{proxy+}"
    assert event["rawPath"] == "/echo/this" and event["rawQueryString"] == "b=2&a=1&a=3"
    assert event["queryStringParameters"] == {"a": "1,3", "b": "2"}
    assert event["headers"]["x-custom"] == "Yes" and "cookie" not in event["headers"]
    assert event["cookies"] == ["theme=dark", "lang=en"]
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == b"\x00\x01binary"
    assert event["pathParameters"] == {"proxy": "echo/this"}
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["requestId"] == response.headers["apigw-requestid"]


def test_emulator_text_body_not_encoded(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.post(f"{probe.url}/echo", json={"x": 1})
    event = response.json()["event"]
    assert response.status_code == 200
    assert not event["isBase64Encoded"] and json.loads(event["body"]) == {"x": 1}


def test_emulator_context_is_lambda_like(probe: RunningEmulator, http: httpx.Client) -> None:
    answer = http.get(f"{probe.url}/echo").json()
    assert 0 < answer["remaining_ms"] <= 1000
    assert re.fullmatch(r"[0-9a-f-]{36}", answer["request_id"])
    assert answer["greeting"] == "hello from us-east-1"


def test_emulator_cookies_and_status_from_response(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{probe.url}/echo")
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_emulator_plain_answer_becomes_json_200(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{probe.url}/plain")
    assert response.status_code == 200
    assert response.json() == {"hello": "world"}


def test_emulator_no_route_is_gateway_404(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{probe.url}/")  # the probe has only /{proxy+}, which needs a segment
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_emulator_handler_timeout_is_500(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{probe.url}/sleep")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "Task timed out after 1.00 seconds" in probe.log()


def test_emulator_recovers_after_timeout(probe: RunningEmulator, http: httpx.Client) -> None:
    assert http.get(f"{probe.url}/sleep").status_code == 500
    assert http.get(f"{probe.url}/echo").status_code == 200


def test_emulator_trace_is_gateway_404_json(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.request("TRACE", f"{probe.url}/echo")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert response.headers["apigw-requestid"]


@pytest.mark.parametrize("method", ["CONNECT", "PROPFIND", "BREW"])
def test_emulator_unrouted_method_is_gateway_404_json(method: str, probe: RunningEmulator) -> None:
    answer = raw_exchange(probe.url, f"{method} /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404")
    assert json.loads(body) == {"message": "Not Found"}


def test_emulator_malformed_request_is_400_json(probe: RunningEmulator) -> None:
    head, _, body = raw_exchange(probe.url, b"GET /echo HTTP/9.9 extra\r\n\r\n").partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
    assert json.loads(body) == {"message": "Bad Request"}


def test_emulator_import_error_is_500(tmp_path: Path) -> None:
    [response], log = fresh_probe(tmp_path, "/echo", handler="nosuch.handler")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "Runtime.ImportModuleError" in log  # awslambdaric's own error, as on AWS


def test_emulator_concurrent_requests_get_an_environment_each(tmp_path: Path) -> None:
    running = start_emulator(tmp_path / "emulator.log", "--template", str(write_probe(tmp_path)), "--concurrency", "2",
                             "--timeout", "20")  # the probe's 1 s would not cover a cold start on a busy machine
    statuses: list[int] = []
    try:
        calls = [threading.Thread(target=lambda: statuses.append(httpx.get(f"{running.url}/pause", timeout=30).status_code))
                 for _ in range(4)]
        for call in calls:
            call.start()
        for call in calls:
            call.join()
    finally:
        stop_emulator(running)
    assert statuses == [200] * 4  # one RIE process crashes on two invocations at once: the pool never does that
    assert len(re.findall(r"Init Duration", running.log())) == 2


def test_emulator_without_rie_says_so_and_exits(tmp_path: Path) -> None:
    env = {"AWS_LAMBDA_RIE": str(tmp_path / "missing"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "infra.emulator", "--port", "0"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "is not an executable file" in done.stderr and "Traceback" not in done.stderr


def test_emulator_handler_error_is_500(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{probe.url}/crash")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert '"errorType": "RuntimeError"' in probe.log()


def test_emulator_response_over_6mb_is_500(probe: RunningEmulator, http: httpx.Client) -> None:
    response = http.get(f"{probe.url}/huge")
    assert response.status_code == 500
    assert "Function.ResponseSizeTooLarge" in probe.log()


def test_emulator_integration_timeout_is_503(tmp_path: Path) -> None:
    [response], _ = fresh_probe(tmp_path, "/sleep", arguments=("--timeout", "3", "--integration-timeout", "1"))
    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
