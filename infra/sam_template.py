"""What the local emulation needs from ``template.yaml``: the function (handler, code, memory, timeout,
environment) and the HTTP API's routes and CORS, with ``!Ref``/``!Sub`` resolved from parameter defaults.

Values that only exist once deployed (a bucket's name, an ARN) resolve to ``None``: an environment
variable set from one is left out locally, so the app falls back to its local default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOCAL_PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012", "AWS::Region": "us-east-1", "AWS::StackName": "local",
    "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
}
FUNCTION_DEFAULTS = {"MemorySize": 128, "Timeout": 3}  # Lambda's own defaults
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags: ``!Ref X`` -> ``{"Ref": "X"}``, ``!Sub s`` -> ``{"Fn::Sub": s}``."""


def _short_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref": value} if suffix == "Ref" else {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _short_tag)


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST... or ANY
    path: str  # "/", "/items/{id}", "/{proxy+}"

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class FunctionConfig:
    logical_id: str
    name: str
    handler: str  # "package.module.function"
    runtime: str
    code_dir: Path
    memory_mb: int
    timeout_s: float
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiConfig:
    function: FunctionConfig
    routes: tuple[Route, ...]
    cors: dict[str, Any] | None


def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass


class Resolver:
    """Resolves intrinsic functions from parameter values; anything only known once deployed is None."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str] | None = None) -> None:
        parameters = template.get("Parameters") or {}
        self.values: dict[str, Any] = {name: spec.get("Default") for name, spec in parameters.items()}
        self.values.update(overrides or {})
        self.values.update(LOCAL_PSEUDO_PARAMETERS)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.values.get(value["Ref"])
        if "Fn::Sub" in value:
            return self._sub(value["Fn::Sub"])
        if any(key.startswith("Fn::") for key in value):
            return None  # GetAtt, If, ImportValue...: not known locally
        return {key: self(item) for key, item in value.items()}

    def _sub(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return None
        names = _SUB_VARIABLE.findall(text)
        if any(self.values.get(name) is None for name in names):
            return None
        return _SUB_VARIABLE.sub(lambda match: str(self.values[match.group(1)]), text)


def _function(template: dict[str, Any], resolve: Resolver) -> tuple[str, dict[str, Any]]:
    # The function the HTTP API calls (others, such as a CodeDeploy hook, are no part of the API).
    functions = {name: resource for name, resource in (template.get("Resources") or {}).items()
                 if resource.get("Type") == "AWS::Serverless::Function"
                 and any(event.get("Type") == "HttpApi"
                         for event in ((resource.get("Properties") or {}).get("Events") or {}).values())}
    if len(functions) != 1:
        raise ValueError(f"expected one AWS::Serverless::Function with HttpApi events, found {len(functions)}")
    [(logical_id, resource)] = functions.items()
    properties = {**((template.get("Globals") or {}).get("Function") or {}), **resource.get("Properties", {})}
    return logical_id, {key: resolve(value) for key, value in properties.items()}


def read_api(template_path: Path, overrides: dict[str, str] | None = None) -> ApiConfig:
    """The function and its HTTP API routes, as the emulator serves them."""
    template = load_template(template_path)
    resolve = Resolver(template, overrides)
    logical_id, properties = _function(template, resolve)
    variables = ((properties.get("Environment") or {}).get("Variables")) or {}
    function = FunctionConfig(
        logical_id=logical_id,
        name=properties.get("FunctionName") or logical_id,
        handler=properties["Handler"],
        runtime=properties.get("Runtime", ""),
        code_dir=(template_path.parent / (properties.get("CodeUri") or ".")).resolve(),
        memory_mb=int(properties.get("MemorySize") or FUNCTION_DEFAULTS["MemorySize"]),
        timeout_s=float(properties.get("Timeout") or FUNCTION_DEFAULTS["Timeout"]),
        environment={name: str(value) for name, value in variables.items() if value is not None},
    )
    routes = tuple(
        Route(method=str(event["Properties"].get("Method", "ANY")).upper(), path=event["Properties"]["Path"])
        for event in (properties.get("Events") or {}).values() if event.get("Type") == "HttpApi"
    )
    return ApiConfig(function=function, routes=routes, cors=_cors(template, resolve))


def _cors(template: dict[str, Any], resolve: Resolver) -> dict[str, Any] | None:
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") == "AWS::Serverless::HttpApi":
            return resolve((resource.get("Properties") or {}).get("CorsConfiguration"))
    return None


def match_route(routes: tuple[Route, ...], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """API Gateway's choice: the most specific path (literal > {param} > {proxy+}), then method over ANY."""
    candidates = []
    for route in routes:
        parameters = _match_path(route.path, path)
        if parameters is not None and route.method in {method.upper(), "ANY"}:
            specificity = (route.path.endswith("+}"), route.path.count("{"), -route.path.count("/"))
            candidates.append((specificity, route.method == "ANY", route, parameters))
    if not candidates:
        return None
    _, _, route, parameters = min(candidates, key=lambda candidate: candidate[:2])
    return route, parameters


def _match_path(pattern: str, path: str) -> dict[str, str] | None:
    expected, actual = pattern.strip("/").split("/"), path.strip("/").split("/")
    parameters: dict[str, str] = {}
    for index, part in enumerate(expected):
        if part.startswith("{") and part.endswith("+}"):
            rest = "/".join(actual[index:])
            if not rest:
                return None
            parameters[part[1:-2]] = rest
            return parameters
        if index >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not actual[index]:
                return None
            parameters[part[1:-1]] = actual[index]
        elif part != actual[index]:
            return None
    return parameters if len(actual) == len(expected) else None
