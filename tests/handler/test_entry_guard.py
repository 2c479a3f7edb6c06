"""The entry point answers 400 JSON to events Mangum cannot read, in both payload versions."""

from __future__ import annotations

import json

import pytest

from handler.entry_guard import MALFORMED_EVENT, guarded
from infra.events import LambdaContext, http_api_event, rest_api_event

BUILDERS = {"2.0": http_api_event, "1.0": rest_api_event}


def answer(event: object) -> dict:
    from handler.lambda_function import lambda_handler

    return lambda_handler(event, LambdaContext())


@pytest.mark.parametrize("payload", BUILDERS)
@pytest.mark.parametrize("headers", [{"x-forwarded-port": "abc"}, {"Host": "evil:80:81"}])
def test_lambda_handler_bad_host_or_port_is_400_json(payload, headers):
    response = answer(BUILDERS[payload]("GET", "/health", headers=headers))
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"detail": MALFORMED_EVENT}


@pytest.mark.parametrize("payload", BUILDERS)
def test_lambda_handler_invalid_base64_body_is_400_json(payload):
    event = {**BUILDERS[payload]("POST", "/predict", body=b"x"), "isBase64Encoded": True, "body": "%%not*base64%%"}
    response = answer(event)
    assert response["statusCode"] == 400
    assert response["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize("event", [{}, [], "a string", {"requestContext": None}])
def test_lambda_handler_event_from_no_gateway_is_400(event):
    assert answer(event)["statusCode"] == 400


def test_guarded_passes_answers_through():
    assert guarded(lambda event, context: {"statusCode": 204})({}, None) == {"statusCode": 204}
