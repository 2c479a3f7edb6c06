"""Reading template.yaml for the emulator: CloudFormation tags, parameters, routes as API Gateway picks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.sam_template import Resolver, Route, match_route, read_api
from tests.conftest import REPO_ROOT

ROUTES = (Route("ANY", "/"), Route("ANY", "/{proxy+}"), Route("GET", "/items/{id}"), Route("POST", "/items/{id}"),
          Route("GET", "/items/special"))


@pytest.mark.parametrize(("method", "path", "expected", "parameters"), [
    ("GET", "/", "ANY /", {}),
    ("GET", "/docs", "ANY /{proxy+}", {"proxy": "docs"}),
    ("GET", "/items/7", "GET /items/{id}", {"id": "7"}),
    ("POST", "/items/7", "POST /items/{id}", {"id": "7"}),
    ("DELETE", "/items/7", "ANY /{proxy+}", {"proxy": "items/7"}),
    ("GET", "/items/special", "GET /items/special", {}),
    ("GET", "/items/7/more", "ANY /{proxy+}", {"proxy": "items/7/more"}),
])
def test_match_route_most_specific_wins(method: str, path: str, expected: str, parameters: dict[str, str]) -> None:
    route, found = match_route(ROUTES, method, path)
    assert (route.key, found) == (expected, parameters)


def test_match_route_none_when_nothing_matches() -> None:
    assert match_route((Route("ANY", "/{proxy+}"),), "GET", "/") is None


def test_resolver_refs_subs_and_unknowns() -> None:
    resolve = Resolver({"Parameters": {"Size": {"Default": 128}, "Name": {"Default": "api"}}}, {"Name": "mine"})
    assert resolve({"Ref": "Size"}) == 128
    assert resolve({"Fn::Sub": "${AWS::StackName}-${Name}"}) == "local-mine"
    assert resolve({"Ref": "SomeBucket"}) is None
    assert resolve({"Fn::GetAtt": ["Bucket", "Arn"]}) is None


def test_read_api_from_project_template() -> None:
    api = read_api(REPO_ROOT / "template.yaml")
    assert api.function.handler == "handler.lambda_function.lambda_handler"
    assert (api.function.memory_mb, api.function.timeout_s, api.function.code_dir) == (512, 10.0, REPO_ROOT)
    assert {route.key for route in api.routes} == {"ANY /", "ANY /{proxy+}", "POST /feedback"}
    assert "FEEDBACK_BUCKET" not in api.function.environment  # only known once deployed: local folder instead
    assert api.function.environment["FEEDBACK_PREFIX"] == "feedback/"


def test_read_api_parameter_overrides() -> None:
    api = read_api(REPO_ROOT / "template.yaml", {"MemorySize": "1024", "Timeout": "3"})
    assert (api.function.memory_mb, api.function.timeout_s) == (1024, 3.0)


def test_read_api_rejects_template_without_function(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    with pytest.raises(ValueError, match="one AWS::Serverless::Function"):
        read_api(tmp_path / "template.yaml")


def test_read_api_serves_the_function_with_http_api_events(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Hook:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: hook.handler}\n"
        "  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
        "      Events: {All: {Type: HttpApi, Properties: {Path: /, Method: GET}}}\n")
    api = read_api(tmp_path / "template.yaml")
    assert (api.function.logical_id, api.function.handler) == ("Api", "app.handler")


def test_read_api_project_template_ignores_pretraffic_hook() -> None:
    assert read_api(REPO_ROOT / "template.yaml").function.logical_id == "DigitFunction"
