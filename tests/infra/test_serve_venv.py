"""`make serve` on a fresh clone: a light .venv-serve (the function's requirements, awslambdaric, AWS's RIE
extracted from the aws-sam-cli wheel) and nothing of the development or training stack. Needs PyPI."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from infra.processes import free_port, stop
from tests.infra.conftest import fresh_clone

pytestmark = pytest.mark.slow
START_LIMIT_S = 120.0  # once installed; the install itself waits on the registry
INSTALL_LIMIT_S = 600.0


@pytest.fixture(scope="module")
def served_clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """`make serve` in a fresh clone, until /health answers; the clone, its /health and its console."""
    clone = fresh_clone(tmp_path_factory.mktemp("serve-clone"))
    log_path, port = clone.parent / "serve.log", free_port()
    env = {name: value for name, value in os.environ.items() if name not in {"VIRTUAL_ENV", "AWS_LAMBDA_RIE"}}
    with log_path.open("w") as log:
        process = subprocess.Popen(["make", "serve", f"PORT={port}"], cwd=clone, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}", process, log_path)
    finally:
        os.killpg(process.pid, 15)  # make, the emulator and its RIE processes
        stop(process)
    return clone, health, log_path.read_text()


def wait_for_health(url: str, process: subprocess.Popen, log_path: Path) -> str:
    deadline = time.monotonic() + START_LIMIT_S + INSTALL_LIMIT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return httpx.get(f"{url}/health", timeout=START_LIMIT_S).text
        except httpx.HTTPError:
            time.sleep(0.5)
    pytest.fail(f"make serve did not answer /health:\n{log_path.read_text()[-3000:]}")


def test_serve_answers_health_through_rie(served_clone: tuple[Path, str, str]) -> None:
    clone, health, console = served_clone
    assert '"model_loaded":true' in health
    assert f"Lambda: {clone}/.venv-serve/bin/aws-lambda-rie + awslambdaric" in console
    assert "REPORT RequestId:" in console


def test_serve_venv_holds_no_dev_or_training_stack(served_clone: tuple[Path, str, str]) -> None:
    clone, _, _ = served_clone
    installed = {p.name.split("-")[0].lower() for p in clone.glob(".venv-serve/lib/python3.13/site-packages/*.dist-info")}
    assert {"awslambdaric", "fastapi", "numpy", "ai_edge_litert"} <= installed
    assert not installed & {"tensorflow", "tensorflow_cpu", "keras", "playwright", "pytest", "aws_sam_cli", "boto3"}
    assert not (clone / ".venv").exists()
