"""infra/rie.py: where AWS's Runtime Interface Emulator comes from, and how its answers read as Lambda's."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from infra import rie
from infra.rie import RieUnavailable, find_rie, invocation_from, rie_suffix


def test_rie_suffix_per_cpu() -> None:
    assert (rie_suffix("x86_64"), rie_suffix("aarch64")) == ("x86_64", "arm64")


def test_rie_refuses_a_cpu_without_binary_and_names_the_alternative() -> None:
    with pytest.raises(RieUnavailable, match=r"no binary for this CPU \(riscv64\).*make serve-uvicorn"):
        rie_suffix("riscv64")


def test_rie_refuses_other_systems_and_names_the_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rie.sys, "platform", "darwin")
    with pytest.raises(RieUnavailable, match="Linux only, not on darwin.*make serve-uvicorn"):
        rie_suffix("arm64")


def test_find_rie_takes_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "aws-lambda-rie"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv("AWS_LAMBDA_RIE", str(binary))
    assert find_rie() == binary


def test_find_rie_refuses_a_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_RIE", str(tmp_path / "missing"))
    with pytest.raises(RieUnavailable, match="not an executable file"):
        find_rie()


def test_find_rie_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AWS_LAMBDA_RIE", raising=False)
    monkeypatch.setattr(rie, "SERVE_RIE", tmp_path / "none")
    monkeypatch.setattr(rie, "SAM_VENV", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RieUnavailable, match="make serve"):
        find_rie()


def test_invocation_result_is_the_payload() -> None:
    result = invocation_from(200, json.dumps({"statusCode": 200, "body": "{}"}).encode())
    assert result.ok and result.payload == {"statusCode": 200, "body": "{}"}


def test_invocation_unhandled_exception_is_an_error() -> None:
    body = {"errorMessage": "boom", "errorType": "RuntimeError", "requestId": "x", "stackTrace": []}
    result = invocation_from(200, json.dumps(body).encode())
    assert not result.ok and result.error["errorType"] == "RuntimeError"


def test_invocation_timeout_text_is_an_error() -> None:
    result = invocation_from(200, b"Task timed out after 1.00 seconds")
    assert result.error == {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 1.00 seconds"}


def test_invocation_non_200_is_an_error() -> None:
    body = {"errorType": "Function.ResponseSizeTooLarge", "errorMessage": "Response payload size exceeded"}
    assert invocation_from(502, json.dumps(body).encode()).error["errorType"] == "Function.ResponseSizeTooLarge"


@pytest.mark.slow
def test_install_rie_extracts_the_binary_from_the_sam_cli_wheel(tmp_path: Path) -> None:
    """Needs PyPI (pip download --no-deps aws-sam-cli, ~the pinned version): what `make serve` does."""
    binary = rie.install_rie(tmp_path / "aws-lambda-rie")
    assert os.access(binary, os.X_OK) and binary.read_bytes()[:4] == b"\x7fELF"
    with socket.socket() as taken:  # a port held here: RIE starts, logs, and stops at once
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        done = subprocess.run([str(binary), "--runtime-interface-emulator-address", address, "/bin/false"],
                              capture_output=True, text=True, timeout=30)
    assert f"(rapid) listen tcp {address}: bind: address already in use" in done.stdout + done.stderr
