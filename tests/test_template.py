"""template.yaml: linted by the SAM CLI and cfn-lint, translated by samtranslator, created in moto.

moto's CloudFormation does not expand ``AWS::Serverless::*`` (samtranslator does that first, as
CloudFormation's transform would) and skips ``AWS::ApiGatewayV2::*`` and ``AWS::S3::BucketPolicy``,
and ignores a function's ``Architectures`` and a bucket's public access block and lifecycle: those
are checked in the translated template, the rest on the resources moto created.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import os
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from samtranslator.translator.transform import transform

from infra.sam_template import load_template
from tests.conftest import REPO_ROOT

# moto says so for each resource type it skips (listed in the docstring above)
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

TEMPLATE = REPO_ROOT / "template.yaml"
SAM_BIN = REPO_ROOT / ".venv-sam" / "bin"
CODE_BUCKET = "sam-artifacts"
CODE_HANDLERS = {"DigitFunction": "handler/lambda_function.py", "PreTrafficCheckFunction": "app.py"}
STACK = "digits"


class NoManagedPolicies:
    """The template names no managed policy: nothing to look up in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def translated(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """template.yaml as plain CloudFormation, each function's code where `sam deploy` would have uploaded it."""
    template = copy.deepcopy(load_template(TEMPLATE))
    for logical_id in CODE_HANDLERS:
        template["Resources"][logical_id]["Properties"]["CodeUri"] = f"s3://{CODE_BUCKET}/{logical_id}.zip"
    return transform(template, parameters or {}, NoManagedPolicies())


@dataclass
class Stack:
    template: dict[str, Any]
    resources: dict[str, str]  # logical id -> physical id
    outputs: dict[str, str]

    def function(self) -> dict[str, Any]:
        return boto3.client("lambda").get_function_configuration(FunctionName=self.resources["DigitFunction"])

    def role_policies(self) -> list[dict[str, Any]]:
        iam, role = boto3.client("iam"), self.resources["DigitFunctionRole"]
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        documents = [iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names]
        # moto 5.2 keeps inline policies made by CloudFormation as a Python repr, not JSON
        return [ast.literal_eval(d) if isinstance(d, str) else d for d in documents]

    def properties(self, logical_id: str) -> dict[str, Any]:
        return self.template["Resources"][logical_id]["Properties"]


def for_moto(template: dict[str, Any]) -> dict[str, Any]:
    """What moto cannot resolve, made plain: it has no ``AWS::Lambda::Alias`` (the API's invoke
    permissions name the function itself there), and its ``Ref`` to a version is no ARN (the
    pre-traffic hook's ``NEW_VERSION`` gets a stand-in). Both are checked in the translated template."""
    kinds = {r["Type"]: name for name, r in template["Resources"].items() if r["Type"].startswith("AWS::Lambda::")}
    text = json.dumps(template)
    for replaced, by in [(kinds["AWS::Lambda::Alias"], {"Ref": "DigitFunction"}),
                         (kinds["AWS::Lambda::Version"], {"Fn::Sub": "${DigitFunction.Arn}:1"})]:
        text = text.replace(json.dumps({"Ref": replaced}), json.dumps(by))
    return json.loads(text)


def create_stack(parameters: dict[str, str] | None = None) -> Stack:
    """Create the translated template in moto's CloudFormation (inside an active mock)."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=CODE_BUCKET)
    for logical_id, handler_file in CODE_HANDLERS.items():
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr(handler_file, "def handler(event, context): pass\n")
        s3.put_object(Bucket=CODE_BUCKET, Key=f"{logical_id}.zip", Body=package.getvalue())
    template = translated(parameters)
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK, TemplateBody=json.dumps(for_moto(template)), Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
    )
    summaries = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    [stack] = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return Stack(
        template=template,
        resources={s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries if s["LogicalResourceId"]},
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
    )


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        yield create_stack()


def statements(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [s for policy in policies for s in policy["Statement"]]
    return [{**s, "Action": [s["Action"]] if isinstance(s["Action"], str) else s["Action"],
             "Resource": [s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]} for s in found]


def run_sam_tool(*command: str) -> subprocess.CompletedProcess[str]:
    if not (SAM_BIN / "sam").exists():
        pytest.fail("the SAM CLI is missing: `make sam-venv` (make test creates it)")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run([str(SAM_BIN / command[0]), *command[1:]], cwd=REPO_ROOT, capture_output=True, text=True,
                          env=env, timeout=300)


def test_template_cfn_lint_clean() -> None:
    result = run_sam_tool("cfn-lint", str(TEMPLATE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_sam_validate_lint_clean() -> None:
    result = run_sam_tool("sam", "validate", "--lint", "--template", str(TEMPLATE), "--region", "us-east-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_template_function_runtime_and_handler(stack: Stack) -> None:
    function = stack.function()
    assert function["Runtime"] == "python3.13"
    assert function["Handler"] == "handler.lambda_function.lambda_handler"


def test_template_function_memory_and_timeout_defaults(stack: Stack) -> None:
    function = stack.function()
    assert (function["MemorySize"], function["Timeout"]) == (512, 10)


def test_template_function_memory_and_timeout_parameters() -> None:
    with mock_aws():
        function = create_stack({"MemorySize": "256", "Timeout": "5"}).function()
    assert (function["MemorySize"], function["Timeout"]) == (256, 5)


def test_template_function_environment_names_bucket(stack: Stack) -> None:
    variables = stack.function()["Environment"]["Variables"]
    assert variables["FEEDBACK_BUCKET"] == stack.resources["FeedbackBucket"]
    assert variables["FEEDBACK_PREFIX"] == "feedback/"
    assert variables["LOG_LEVEL"] == "INFO"


def test_template_function_architecture_parameter(stack: Stack) -> None:
    parameter = stack.template["Parameters"]["Architecture"]
    assert stack.properties("DigitFunction")["Architectures"] == [{"Ref": "Architecture"}]
    assert (parameter["Default"], sorted(parameter["AllowedValues"])) == ("x86_64", ["arm64", "x86_64"])


def test_template_function_logs_json_to_its_own_group(stack: Stack) -> None:
    logging = stack.properties("DigitFunction")["LoggingConfig"]
    group = boto3.client("logs").describe_log_groups(logGroupNamePrefix=stack.resources["FunctionLogGroup"])
    assert logging["LogFormat"] == "JSON" and logging["LogGroup"] == {"Ref": "FunctionLogGroup"}
    assert group["logGroups"][0]["retentionInDays"] == 30


def test_template_reserved_concurrency_off_by_default(stack: Stack) -> None:
    concurrency = boto3.client("lambda").get_function_concurrency(FunctionName=stack.resources["DigitFunction"])
    assert "ReservedConcurrentExecutions" not in concurrency


def test_template_reserved_concurrency_parameter() -> None:
    with mock_aws():
        created = create_stack({"ReservedConcurrency": "5"})
        concurrency = boto3.client("lambda").get_function_concurrency(FunctionName=created.resources["DigitFunction"])
    assert concurrency["ReservedConcurrentExecutions"] == 5


def test_template_role_has_only_inline_least_privilege(stack: Stack) -> None:
    attached = boto3.client("iam").list_attached_role_policies(RoleName=stack.resources["DigitFunctionRole"])
    found = statements(stack.role_policies())
    assert attached["AttachedPolicies"] == []  # no AWSLambdaBasicExecutionRole, whose logs resource is "*"
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in found)
    assert sorted(a for s in found for a in s["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents", "s3:PutObject"]
    assert not [r for s in found for r in s["Resource"] if r == "*" or r.endswith(":::*") or "/*/" in r]


def test_template_role_writes_only_feedback_objects(stack: Stack) -> None:
    s3 = [s for s in statements(stack.role_policies()) if any(a.startswith("s3:") for a in s["Action"])]
    assert [(s["Action"], s["Resource"]) for s in s3] == [
        (["s3:PutObject"], [f"arn:aws:s3:::{stack.resources['FeedbackBucket']}/feedback/*"])]


def test_template_role_writes_only_its_log_group(stack: Stack) -> None:
    logs = [s for s in statements(stack.role_policies()) if any(a.startswith("logs:") for a in s["Action"])]
    group = stack.resources["FunctionLogGroup"]
    assert [(sorted(s["Action"]), s["Resource"]) for s in logs] == [
        (["logs:CreateLogStream", "logs:PutLogEvents"], [f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"])]


def test_template_bucket_encrypted(stack: Stack) -> None:
    encryption = boto3.client("s3").get_bucket_encryption(Bucket=stack.resources["FeedbackBucket"])
    [rule] = encryption["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_template_bucket_blocks_all_public_access(stack: Stack) -> None:
    block = stack.properties("FeedbackBucket")["PublicAccessBlockConfiguration"]
    ownership = stack.properties("FeedbackBucket")["OwnershipControls"]["Rules"]
    assert block == {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                     "RestrictPublicBuckets": True}
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_template_bucket_policy_denies_plain_http(stack: Stack) -> None:
    policy = stack.properties("FeedbackBucketPolicy")
    [statement] = policy["PolicyDocument"]["Statement"]
    assert policy["Bucket"] == {"Ref": "FeedbackBucket"}
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "s3:*")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [{"Fn::GetAtt": ["FeedbackBucket", "Arn"]},
                                     {"Fn::Sub": "${FeedbackBucket.Arn}/*"}]


def test_template_bucket_expires_feedback(stack: Stack) -> None:
    rules = {r["Id"]: r for r in stack.properties("FeedbackBucket")["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-feedback"]["Status"] == "Enabled"
    assert rules["expire-feedback"]["ExpirationInDays"] == {"Ref": "FeedbackRetentionDays"}
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_template_bucket_kept_when_stack_deleted(stack: Stack) -> None:
    bucket = stack.template["Resources"]["FeedbackBucket"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_template_http_api_routes_every_path_to_the_live_alias(stack: Stack) -> None:
    [api] = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    paths = api["Properties"]["Body"]["paths"]
    assert sorted(paths) == ["/", "/feedback", "/{proxy+}"]
    for path in paths.values():
        [operation] = [operation for key, operation in path.items() if key in ("x-amazon-apigateway-any-method", "post")]
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["payloadFormatVersion"] == "2.0"
        assert "/functions/${DigitFunctionAliaslive}/invocations" in integration["uri"]["Fn::Sub"]


def test_template_http_api_default_stage_throttled(stack: Stack) -> None:
    [stage] = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert stage["Properties"]["StageName"] == "$default"  # no /Prod prefix: /docs works at the root
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"}, "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"}}


def test_template_feedback_route_has_its_own_lower_throttle(stack: Stack) -> None:
    [stage] = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert stage["Properties"]["RouteSettings"] == {"POST /feedback": {
        "ThrottlingBurstLimit": {"Ref": "FeedbackThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "FeedbackThrottlingRateLimit"}}}
    defaults = {name: stack.template["Parameters"][name]["Default"] for name in stack.template["Parameters"]}
    assert defaults["FeedbackThrottlingRateLimit"] < defaults["ThrottlingRateLimit"]
    assert defaults["FeedbackThrottlingBurstLimit"] < defaults["ThrottlingBurstLimit"]


def test_template_feedback_size_limit_reaches_the_function(stack: Stack) -> None:
    variables = stack.template["Resources"]["DigitFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["MAX_FEEDBACK_BYTES"] == {"Ref": "FeedbackMaxBytes"}


def test_template_http_api_cors_from_parameter() -> None:
    [api] = [r for r in translated({"AllowedOrigin": "https://example.com"})["Resources"].values()
             if r["Type"] == "AWS::ApiGatewayV2::Api"]
    cors = api["Properties"]["Body"]["x-amazon-apigateway-cors"]
    assert cors["allowOrigins"] == ["https://example.com"]
    assert "POST" in cors["allowMethods"]


def test_template_outputs(stack: Stack) -> None:
    assert stack.outputs["FunctionArn"].endswith(f":function:{stack.resources['DigitFunction']}")
    assert stack.outputs["FeedbackBucketName"] == stack.resources["FeedbackBucket"]
    assert stack.template["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"].startswith("https://${HttpApi}.execute-api.")


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


ALARMS = ("FunctionErrorsAlarm", "FunctionThrottlesAlarm", "FunctionDurationP99Alarm", "Api5xxAlarm")


def test_template_function_environment_names_service_and_metrics(stack: Stack) -> None:
    variables = stack.function()["Environment"]["Variables"]
    assert (variables["SERVICE_NAME"], variables["METRICS_NAMESPACE"]) == (f"{STACK}-digit-api", "MnistDigitApi")


def test_template_service_and_namespace_parameters() -> None:
    with mock_aws():
        variables = create_stack({"ServiceName": "digits-prod", "MetricsNamespace": "Team/Digits"}).function()[
            "Environment"]["Variables"]
    assert (variables["SERVICE_NAME"], variables["METRICS_NAMESPACE"]) == ("digits-prod", "Team/Digits")


def test_template_publishes_versions_behind_live_alias(stack: Stack) -> None:
    [(version_id, version)] = resources_of(stack.template, "AWS::Lambda::Version").items()
    [alias] = resources_of(stack.template, "AWS::Lambda::Alias").values()
    assert version["Properties"]["FunctionName"] == {"Ref": "DigitFunction"}
    assert (alias["Properties"]["Name"], alias["Properties"]["FunctionVersion"]) == (
        "live", {"Fn::GetAtt": [version_id, "Version"]})
    versions = boto3.client("lambda").list_versions_by_function(FunctionName=stack.resources["DigitFunction"])
    assert [v["Version"] for v in versions["Versions"]] == ["$LATEST", "1"]  # moto published it


def test_template_snapstart_on_published_versions_by_default(stack: Stack) -> None:
    # moto reports every function's SnapStart as off: the setting is read from the translated template
    assert stack.properties("DigitFunction")["SnapStart"] == {
        "ApplyOn": {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}}
    assert stack.template["Conditions"]["SnapStartOn"] == {"Fn::Equals": [{"Ref": "SnapStart"}, "true"]}
    assert stack.template["Parameters"]["SnapStart"]["Default"] == "true"


def test_template_deployment_group_canary_rolled_back_by_alarms(stack: Stack) -> None:
    [group] = resources_of(stack.template, "AWS::CodeDeploy::DeploymentGroup").values()
    properties = group["Properties"]
    assert properties["DeploymentConfigName"]["Fn::Sub"] == [
        "CodeDeployDefault.Lambda${ConfigName}", {"ConfigName": "Canary10Percent5Minutes"}]
    assert properties["AlarmConfiguration"] == {"Enabled": True, "Alarms": [{"Name": {"Ref": a}} for a in ALARMS]}
    assert "DEPLOYMENT_STOP_ON_ALARM" in properties["AutoRollbackConfiguration"]["Events"]
    [alias] = resources_of(stack.template, "AWS::Lambda::Alias").values()
    assert alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"] == {
        "Ref": "DigitFunctionDeploymentGroup"}


def test_template_deployment_type_parameter_all_at_once() -> None:
    [group] = resources_of(translated({"DeploymentType": "AllAtOnce"}), "AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"]["Fn::Sub"][1] == {"ConfigName": "AllAtOnce"}


def test_template_alarms_watch_the_live_alias_and_the_api(stack: Stack) -> None:
    alarms = {name: stack.properties(name) for name in ALARMS}
    alias_dimensions = [{"Name": "FunctionName", "Value": {"Ref": "DigitFunction"}},
                        {"Name": "Resource", "Value": {"Fn::Sub": "${DigitFunction}:live"}}]
    for name in ("FunctionErrorsAlarm", "FunctionThrottlesAlarm", "FunctionDurationP99Alarm"):
        assert (alarms[name]["Namespace"], alarms[name]["Dimensions"]) == ("AWS/Lambda", alias_dimensions)
    assert [alarms[n]["MetricName"] for n in ALARMS] == ["Errors", "Throttles", "Duration", "5xx"]
    assert alarms["FunctionDurationP99Alarm"]["ExtendedStatistic"] == "p99"
    assert alarms["FunctionDurationP99Alarm"]["Threshold"] == {"Ref": "DurationAlarmP99Ms"}
    assert alarms["Api5xxAlarm"]["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    assert {a["TreatMissingData"] for a in alarms.values()} == {"notBreaching"}  # no traffic is no failure


def test_template_alarms_notify_no_topic_by_default(stack: Stack) -> None:
    assert "AlarmTopic" not in stack.resources
    assert boto3.client("sns").list_topics()["Topics"] == []


def test_template_alarm_email_parameter_subscribes_a_topic() -> None:
    with mock_aws():
        created = create_stack({"AlarmEmail": "ops@example.com"})
        [subscription] = boto3.client("sns").list_subscriptions()["Subscriptions"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.com")
    assert subscription["TopicArn"] == created.resources["AlarmTopic"]
    for name in ALARMS:
        assert created.properties(name)["AlarmActions"] == {
            "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}


def test_template_dashboard_shows_traffic_latency_failures_and_answers(stack: Stack) -> None:
    body = json.loads(boto3.client("cloudwatch").get_dashboard(DashboardName=stack.resources["Dashboard"])[
        "DashboardBody"])
    titles = " | ".join(widget["properties"]["title"] for widget in body["widgets"]).lower()
    for shown in ("requests", "latency", "errors", "throttles", "cold starts", "digit distribution", "uncertain",
                  "feedback stored", "images refused", "alarms"):
        assert shown in titles
    text = json.dumps(body)
    assert f'"{stack.resources["DigitFunction"]}:live"' in text and "MnistDigitApi" in text
    assert f"SOURCE '{stack.resources['FunctionLogGroup']}'" in text


def test_template_pretraffic_check_invokes_only_new_versions(stack: Stack) -> None:
    function = boto3.client("lambda").get_function_configuration(
        FunctionName=stack.resources["PreTrafficCheckFunction"])
    assert function["FunctionName"] == f"CodeDeployHook_{STACK}-pretraffic"  # what CodeDeploy's role may invoke
    assert stack.properties("PreTrafficCheckFunction")["Environment"]["Variables"]["NEW_VERSION"] == {
        "Ref": next(iter(resources_of(stack.template, "AWS::Lambda::Version")))}
    [alias] = resources_of(stack.template, "AWS::Lambda::Alias").values()
    hook = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["BeforeAllowTrafficHook"]
    assert hook == {"Fn::If": ["HasPreTrafficCheck", {"Ref": "PreTrafficCheckFunction"}, {"Ref": "AWS::NoValue"}]}
    [policy] = stack.properties("PreTrafficCheckRole")["Policies"]
    grants = {s["Action"] if isinstance(s["Action"], str) else s["Action"][0]: s["Resource"]
              for s in policy["PolicyDocument"]["Statement"]}
    assert grants["lambda:InvokeFunction"] == {"Fn::Sub": "${DigitFunction.Arn}:*"}
    assert ":deploymentgroup:${ServerlessDeploymentApplication}/*" in grants[
        "codedeploy:PutLifecycleEventHookExecutionStatus"]["Fn::Sub"]


def test_template_pretraffic_check_parameter_off() -> None:
    with mock_aws():
        created = create_stack({"PreTrafficCheck": "false"})
    assert "PreTrafficCheckFunction" not in created.resources and "DigitFunction" in created.resources


def test_template_outputs_name_alias_and_dashboard(stack: Stack) -> None:
    assert stack.outputs["FunctionName"] == stack.resources["DigitFunction"]
    assert stack.template["Outputs"]["LiveAliasArn"]["Value"] == {"Ref": "DigitFunctionAliaslive"}
    assert stack.outputs["DashboardUrl"].endswith(f"#dashboards:name={stack.resources['Dashboard']}")
