"""The optional JWT authorizer of template.yaml, read from samtranslator's output as CloudFormation would
resolve it: off by default (a public API), and on every route once ``JwtIssuer``/``JwtAudience`` are set."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from infra.sam_template import load_template
from tests.conftest import REPO_ROOT

TEMPLATE = REPO_ROOT / "template.yaml"
ISSUER, AUDIENCE = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example", "client-123"
NO_VALUE = object()


class NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def translated() -> dict[str, Any]:
    template = copy.deepcopy(load_template(TEMPLATE))
    for resource in template["Resources"].values():  # every function's code, as `sam package` would upload it
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/code.zip"
    return transform(template, {}, NoManagedPolicies())


class Resolver:
    """Ref, Fn::If, Fn::Equals, Fn::Not and AWS::NoValue, as CloudFormation evaluates them at deploy time."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str]) -> None:
        self.parameters = {name: spec.get("Default") for name, spec in template["Parameters"].items()} | overrides
        self.conditions = {name: self.condition(body) for name, body in template.get("Conditions", {}).items()}

    def condition(self, body: Any) -> bool:
        (function, arguments), = body.items()
        if function == "Fn::Not":
            return not self.condition(arguments[0])
        if function == "Fn::Equals":
            return self(arguments[0]) == self(arguments[1])
        if function == "Condition":
            return self.conditions[arguments]
        raise ValueError(f"unexpected condition function {function}")

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in map(self, value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if value == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        if "Ref" in value and value["Ref"] in self.parameters:
            return self.parameters[value["Ref"]]
        if "Fn::If" in value:
            name, when_true, when_false = value["Fn::If"]
            return self(when_true if self.conditions[name] else when_false)
        return {key: item for key, item in ((k, self(v)) for k, v in value.items()) if item is not NO_VALUE}


def deployed_api_body(**overrides: str) -> dict[str, Any]:
    template = translated()
    [api] = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    return Resolver(template, overrides)(api["Properties"]["Body"])


def operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for path in body["paths"].values() for operation in path.values()]


def test_template_jwt_authorizer_off_by_default():
    body = deployed_api_body()
    assert all("security" not in operation for operation in operations(body))
    assert "securitySchemes" not in body.get("components", {})


def test_template_jwt_authorizer_guards_every_route_when_issuer_set():
    body = deployed_api_body(JwtIssuer=ISSUER, JwtAudience=AUDIENCE)
    assert len(operations(body)) >= 2
    for operation in operations(body):
        assert operation["security"] == [{"JwtAuthorizer": []}]
        assert "x-amazon-apigateway-integration" in operation  # SAM's integration kept beside it


def test_template_jwt_authorizer_checks_issuer_and_audience_from_the_bearer_header():
    scheme = deployed_api_body(JwtIssuer=ISSUER, JwtAudience=AUDIENCE)["components"]["securitySchemes"]["JwtAuthorizer"]
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt" and authorizer["identitySource"] == "$request.header.Authorization"
    assert authorizer["jwtConfiguration"] == {"issuer": ISSUER, "audience": [AUDIENCE]}


def test_template_jwt_cors_lets_browsers_send_authorization():
    assert "authorization" in deployed_api_body()["x-amazon-apigateway-cors"]["allowHeaders"]


@pytest.mark.parametrize("issuer, allowed", [("", True), (ISSUER, True), ("http://insecure.example.com", False)])
def test_template_jwt_issuer_must_be_empty_or_https(issuer, allowed):
    pattern = load_template(TEMPLATE)["Parameters"]["JwtIssuer"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, issuer)) is allowed


@pytest.mark.parametrize("audience, passes", [("", False), (AUDIENCE, True)])
def test_template_jwt_rule_requires_an_audience_with_an_issuer(audience, passes):
    template = load_template(TEMPLATE)
    resolver = Resolver(template, {"JwtIssuer": ISSUER, "JwtAudience": audience})
    rule = template["Rules"]["JwtNeedsAudience"]
    assert resolver.condition(rule["RuleCondition"])
    assert all(resolver.condition(a["Assert"]) for a in rule["Assertions"]) is passes
