"""CodeDeploy pre-traffic hook: the new version must read a known picture right before any traffic moves.

CodeDeploy calls ``handler`` with a deployment id and a hook execution id; it sends the new version
(``NEW_VERSION``, set by the template) the API Gateway event of ``POST /predict?mode=mnist`` with an
MNIST 7, and reports ``Succeeded`` only when the answer is a 200 that reads "7". Anything else (another
digit, an error status, a function error, no answer) reports ``Failed``, and CodeDeploy rolls back.

Standard library + boto3 (in the Lambda runtime): a few kB of its own, deployed from this folder only.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

PICTURE = Path(__file__).with_name("digit-7.jpeg")  # an MNIST-style 28x28 sample, white ink on black
EXPECTED_DIGIT = "7"
BOUNDARY = "pretraffic-check-boundary"


def predict_event(picture: bytes) -> dict[str, Any]:
    """API Gateway's HTTP API (payload 2.0) event for a multipart ``POST /predict?mode=mnist``."""
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="digit.jpeg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode() + picture + f"\r\n--{BOUNDARY}--\r\n".encode()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": "/predict", "rawQueryString": "mode=mnist",
        "queryStringParameters": {"mode": "mnist"},
        "headers": {"content-type": f"multipart/form-data; boundary={BOUNDARY}", "content-length": str(len(body)),
                    "host": "pretraffic.invalid", "user-agent": "codedeploy-pretraffic-check"},
        "requestContext": {"http": {"method": "POST", "path": "/predict", "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "codedeploy-pretraffic-check"},
                           "requestId": "pretraffic-check", "routeKey": "$default", "stage": "$default"},
        "body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True,
    }


def problem_with(invoke_result: dict[str, Any]) -> str | None:
    """Why the new version's answer fails the check (``None``: it read the digit right)."""
    payload = json.loads(invoke_result["Payload"].read() or b"null")
    if invoke_result.get("FunctionError"):
        return f"function error: {str(payload)[:300]}"
    if not isinstance(payload, dict) or payload.get("statusCode") != 200:
        return f"status {payload.get('statusCode') if isinstance(payload, dict) else payload!r}, not 200"
    body = payload.get("body") or ""
    answer = json.loads(base64.b64decode(body) if payload.get("isBase64Encoded") else body)
    if answer.get("digit") != EXPECTED_DIGIT:
        return f"read {answer.get('digit')!r}, expected {EXPECTED_DIGIT!r}"
    return None


def check(lambda_client: Any, version: str) -> str | None:
    """Invoke ``version`` with the known picture; the problem, or ``None`` when it passes."""
    try:
        result = lambda_client.invoke(FunctionName=version, Payload=json.dumps(predict_event(PICTURE.read_bytes())))
        return problem_with(result)
    except Exception as error:  # noqa: BLE001 - any failure to get a right answer fails the release
        return f"no answer: {type(error).__name__}: {error}"


def handler(event: dict[str, Any], context: Any, *, lambda_client: Any = None, codedeploy: Any = None) -> str:
    """CodeDeploy's BeforeAllowTraffic hook; returns the status it reported."""
    if lambda_client is None or codedeploy is None:
        import boto3  # noqa: PLC0415 - in the runtime; tests pass their own clients

        lambda_client, codedeploy = boto3.client("lambda"), boto3.client("codedeploy")
    version = os.environ["NEW_VERSION"]
    problem = check(lambda_client, version)
    status = "Failed" if problem else "Succeeded"
    print(f"pre-traffic check of {version}: {status}" + (f" ({problem})" if problem else ""))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"], lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return status
