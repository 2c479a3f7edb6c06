"""`make invoke EVENT=...`: the handler run once on a sample event under RIE + awslambdaric, like `sam local invoke`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.infra.conftest import model_file

EVENTS = REPO_ROOT / "infra" / "events"


def run_invoke(event: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODEL_PATH": str(model_file()), "FEEDBACK_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "infra.invoke", str(event)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("event", "status"), [("health.json", 200), ("docs.json", 200), ("predict.json", 200),
                                               ("feedback.json", 201), ("predict-rest-v1.json", 200)])
def test_invoke_sample_event(event: str, status: int, tmp_path: Path) -> None:
    result = run_invoke(EVENTS / event, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["statusCode"] == status


def test_invoke_logs_report_to_stderr(tmp_path: Path) -> None:
    result = run_invoke(EVENTS / "health.json", tmp_path)
    assert result.returncode == 0
    assert "REPORT RequestId:" in result.stderr and "Init Duration:" in result.stderr
    assert "REPORT" not in result.stdout


def test_invoke_unhandled_exception_prints_lambdas_error_and_fails(tmp_path: Path) -> None:
    from tests.infra.test_emulator import write_probe

    event = tmp_path / "crash.json"
    event.write_text(json.dumps({"rawPath": "/crash"}))
    result = subprocess.run([sys.executable, "-m", "infra.invoke", str(event), "--template", str(write_probe(tmp_path))],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert json.loads(result.stdout)["errorType"] == "RuntimeError"  # awslambdaric's error object, via RIE
    assert "END RequestId:" in result.stderr
