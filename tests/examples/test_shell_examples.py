"""Every shell line of README.md and docs/serverless.md, run as written against `make serve`.

Lines that call the API (curl, examples/client.py) run with the emulation's port in place of 3000; an
answer must be JSON with the status the line's comment names (``# 201 ...``; none: 200) and, where the
line uploads samples, their digits. Every other line must be listed in NOT_RUN with the reason, so a
new example is either run here or said to need something a test cannot have.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
DOCUMENTS = ["README.md", "docs/serverless.md"]
LOCAL = "127.0.0.1:3000"
NEEDS_AWS = "needs an AWS account and credentials (a deployed stack)"
NOT_RUN = {
    "make serve": "the server these lines run against: the `api` fixture starts it",
    "make test": "runs this test among all the others",
    "make train": "trains the model for about an hour (tests/model/test_pipeline.py runs a tiny training)",
    "make train EPOCHS=5 SEEDS=1234": "trains the model (tests/model/test_pipeline.py runs a tiny training)",
    "make numbers-report": "regenerates model/NUMBERS.md (tests/model/test_numbers.py reads a small set)",
    ".venv/bin/python -m model.numbers --out /tmp/numbers": "writes the number pictures (tests/model/test_numbers.py)",
    ".venv/bin/python -m model.independent.numbers":
        "grades 360 numbers for minutes (tests/model/test_independent_numbers.py grades one)",
    "make feedback-report FEEDBACK=.feedback/": "tests/model/test_feedback_report.py runs it on generated records",
    "make retrain FEEDBACK=.feedback/": "fine-tunes for minutes: tests/model/test_retrain.py runs a short one",
    "make serve-uvicorn": "another server like `make serve`: tests/browser start the app with uvicorn the same way",
    "make real-pictures": "regenerates model/REAL_PICTURES.md (tests/model/test_real_pictures.py)",
    ".venv/bin/python -m model.real_pictures --out /tmp/real-pictures":
        "writes 700 pictures (tests/model/test_real_pictures.py generates them)",
    "make build": "sam build: tests/infra/test_build.py runs it and answers events from the package",
    "make build && make bench": "a full benchmark of minutes; tests/bench/test_bench.py runs its quick mode",
    "make bench-quick": "tests/bench/test_bench.py runs it from a build folder with the same relative paths",
    "make invoke EVENT=infra/events/predict.json": "tests/infra/test_invoke.py runs infra.invoke on every event file",
    ".venv/bin/python -m http.server --bind 127.0.0.1 --directory examples 8000":
        "serves examples/client.html: tests/examples/test_client_html.py does so on a free port",
    "open http://127.0.0.1:3000/docs": "opens a browser: tests/browser/test_docs_pages.py renders /docs and /redoc",
    ".venv-sam/bin/sam local start-api --port 3000": "needs Docker",
    ".venv-sam/bin/sam local invoke DigitFunction --event infra/events/predict.json": "needs Docker",
    "make deploy": NEEDS_AWS,
    ".venv-sam/bin/sam deploy --region eu-west-1": NEEDS_AWS,
    ".venv-sam/bin/sam deploy --parameter-overrides MemorySize=1024 AllowedOrigin=https://example.com": NEEDS_AWS,
    ".venv-sam/bin/sam delete": NEEDS_AWS,
    "BUCKET=$(aws cloudformation describe-stacks --stack-name mnist-digit-api "
    "--query \"Stacks[0].Outputs[?OutputKey=='FeedbackBucketName'].OutputValue\" --output text)": NEEDS_AWS,
    'aws s3 ls "s3://$BUCKET/feedback/" --recursive': NEEDS_AWS,
    'aws s3 cp "s3://$BUCKET/feedback/2026/12/01/<id>.json" -': NEEDS_AWS,
    'aws s3 sync "s3://$BUCKET/feedback/" ./feedback': NEEDS_AWS,
}
NOT_RUN.update(dict.fromkeys([  # operating a deployed stack: logs, metrics, alarms, releases
    "APP=$(aws cloudformation describe-stack-resource --stack-name mnist-digit-api --logical-resource-id "
    "ServerlessDeploymentApplication --query StackResourceDetail.PhysicalResourceId --output text)",
    'aws deploy list-deployments --application-name "$APP" --max-items 3',
    "aws deploy stop-deployment --deployment-id d-XXXXXXXXX --auto-rollback-enabled",
    ".venv-sam/bin/sam logs --stack-name mnist-digit-api --name DigitFunction --tail",
    "aws logs tail /aws/lambda/mnist-digit-api-digit-api --follow --format short",
    "aws logs start-query --log-group-name /aws/lambda/mnist-digit-api-digit-api --start-time $(date -d '-1 hour' +%s) "
    "--end-time $(date +%s) --query-string 'filter message = \"request\" | stats count(*) as requests, "
    "pct(latency_ms, 99) as p99_ms by route, status'",
    "aws logs get-query-results --query-id <queryId from above>",
    "aws logs tail /aws/lambda/CodeDeployHook_mnist-digit-api-pretraffic --since 1h",
    "aws cloudwatch list-metrics --namespace MnistDigitApi",
    "aws cloudwatch get-metric-statistics --namespace MnistDigitApi --metric-name Requests --dimensions "
    "Name=service,Value=mnist-digit-api-digit-api --statistics Sum --period 300 --start-time $(date -u -d '-1 hour' "
    "+%FT%TZ) --end-time $(date -u +%FT%TZ)",
    "aws cloudwatch describe-alarms --alarm-name-prefix mnist-digit-api-digit-api- --query "
    "'MetricAlarms[].[AlarmName,StateValue,StateReason]' --output table",
], NEEDS_AWS))
_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)
_COMMENT = re.compile(r"\s+#\s.*$|^#.*$")  # a comment after a command, or a line that is one
_STATUS = re.compile(r"#\s*(\d{3})\b")


def shell_lines(document: str) -> list[tuple[str, str]]:
    """(command without its comment, the comment) for every command line of the ```bash blocks."""
    found = []
    for block in _BLOCK.findall((REPO_ROOT / document).read_text()):
        for line in re.sub(r"\s*\\\n\s*", " ", block).splitlines():
            command = _COMMENT.sub("", line).strip()
            if command:
                found.append((command, line[len(_COMMENT.sub("", line)):]))
    return found


EXAMPLES = [(document, command, comment) for document in DOCUMENTS for command, comment in shell_lines(document)]
RUN = [example for example in EXAMPLES if example[1] not in NOT_RUN]


def labels(command: str) -> list[str]:
    """The digits of the sample files a line uploads, in order (sample names end in their digit)."""
    paths = [Path(p) for p in re.findall(r"(\.\./shared/\S+)", command)]
    files = [f for p in paths for f in sorted(REPO_ROOT.glob(str(p)))]  # expands digit-*.png as bash does
    return [f.stem.rsplit("-", 1)[-1] for f in files]


def run(command: str, api: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIGIT_API_URL": api}
    return subprocess.run(["bash", "-c", command], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_every_shell_line_is_run_or_said_why_not() -> None:
    unknown = [command for _, command, _ in EXAMPLES if command not in NOT_RUN and not command.startswith(
        ("curl ", ".venv/bin/python examples/"))]
    assert unknown == [], "run these in this test, or list them in NOT_RUN with the reason"


def test_not_run_lists_only_lines_the_documents_have() -> None:
    assert set(NOT_RUN) - {command for _, command, _ in EXAMPLES} == set()


@pytest.mark.parametrize(("document", "command", "comment"),
                         [e for e in RUN if e[1].startswith("curl ")], ids=lambda v: v[:60])
def test_curl_example_answers_json(api: str, document: str, command: str, comment: str) -> None:
    assert LOCAL in command
    port_command = command.replace("curl ", "curl -sS -w '\\n%{http_code}' ", 1).replace(
        f"http://{LOCAL}", api)
    completed = run(port_command, api)
    assert completed.returncode == 0, completed.stderr
    body, status = completed.stdout.rsplit("\n", 1)
    expected = _STATUS.search(comment)
    assert int(status) == (int(expected.group(1)) if expected else 200), body
    answer = json.loads(body)
    if int(status) == 200 and "/predict/number" in command:  # examples/number-4096.png: the number it shows
        assert answer["number"] == re.search(r"number-(\d+)\.", command).group(1)
    elif int(status) == 200 and "/predict" in command:
        predictions = answer if isinstance(answer, list) else [answer]
        assert [p["digit"] for p in predictions] == labels(command)


@pytest.mark.parametrize(("document", "command", "comment"),
                         [e for e in RUN if e[1].startswith(".venv/bin/python examples/")], ids=lambda v: v[:60])
def test_client_example_reads_its_samples(api: str, document: str, command: str, comment: str) -> None:
    completed = run(command, api)
    assert completed.returncode == 0, completed.stderr
    digits = [line.split(": ", 1)[1].split(" ", 1)[0] for line in completed.stdout.splitlines()]
    assert digits == labels(command)
