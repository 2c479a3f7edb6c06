"""The CodeDeploy pre-traffic hook: Succeeded only when the new version reads the known 7 right."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from infra.events import LambdaContext
from infra.pretraffic import app as pretraffic

HOOK_EVENT = {"DeploymentId": "d-ABC123", "LifecycleEventHookExecutionId": "hook-execution-1"}


class InProcessLambda:
    """``boto3.client("lambda")`` whose ``invoke`` runs ``answer`` (by default, this checkout's handler)."""

    def __init__(self, answer=None, function_error: str | None = None) -> None:
        self.answer, self.function_error, self.invoked = answer, function_error, []

    def invoke(self, *, FunctionName: str, Payload: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        from handler.lambda_function import lambda_handler

        self.invoked.append(FunctionName)
        event = json.loads(Payload)
        result = (self.answer or lambda_handler)(event, LambdaContext())
        response = {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}
        return {**response, "FunctionError": self.function_error} if self.function_error else response


class RecordingCodeDeploy:
    def __init__(self) -> None:
        self.reported: list[dict[str, str]] = []

    def put_lifecycle_event_hook_execution_status(self, **status: str) -> None:
        self.reported.append(status)


@pytest.fixture(autouse=True)
def new_version(monkeypatch: pytest.MonkeyPatch) -> str:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:digits-digit-api:7"
    monkeypatch.setenv("NEW_VERSION", arn)
    return arn


def run_hook(client: InProcessLambda) -> tuple[str, RecordingCodeDeploy]:
    codedeploy = RecordingCodeDeploy()
    return pretraffic.handler(HOOK_EVENT, None, lambda_client=client, codedeploy=codedeploy), codedeploy


def test_pretraffic_succeeds_when_the_new_version_reads_the_seven(new_version: str) -> None:
    client = InProcessLambda()
    status, codedeploy = run_hook(client)
    assert status == "Succeeded" and client.invoked == [new_version]
    assert codedeploy.reported == [{"deploymentId": "d-ABC123", "lifecycleEventHookExecutionId": "hook-execution-1",
                                    "status": "Succeeded"}]


@pytest.mark.parametrize(("answer", "function_error"), [
    (lambda e, c: {"statusCode": 200, "body": json.dumps({"digit": "1"})}, None),  # reads another digit
    (lambda e, c: {"statusCode": 503, "body": json.dumps({"detail": "model file not found"})}, None),
    (lambda e, c: {"errorMessage": "Task timed out after 10.00 seconds"}, "Unhandled"),
])
def test_pretraffic_fails_the_release_on_a_wrong_answer(answer, function_error) -> None:
    status, codedeploy = run_hook(InProcessLambda(answer, function_error))
    assert status == "Failed" and [r["status"] for r in codedeploy.reported] == ["Failed"]


def test_pretraffic_fails_the_release_when_the_invoke_raises() -> None:
    def unreachable(event, context):
        raise ConnectionError("endpoint unreachable")

    status, codedeploy = run_hook(InProcessLambda(unreachable))
    assert status == "Failed" and codedeploy.reported[0]["status"] == "Failed"


def test_pretraffic_event_is_an_mnist_mode_predict() -> None:
    event = pretraffic.predict_event(b"picture")
    assert (event["rawPath"], event["queryStringParameters"], event["requestContext"]["http"]["method"]) == (
        "/predict", {"mode": "mnist"}, "POST")
