"""examples/client.py, run as a user runs it, against `make serve`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, SAMPLES

pytestmark = pytest.mark.slow
CLIENT = REPO_ROOT / "examples" / "client.py"
DIGIT_4 = SAMPLES / "any-image" / "digit-4.png"
MNIST_7 = SAMPLES / "mnist-28x28" / "digit-7.jpeg"


def client(api: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CLIENT), "--url", api, *arguments], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_client_multipart_prints_the_digit(api: str) -> None:
    run = client(api, str(DIGIT_4))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("digit-4.png: 4 (confidence ")


def test_client_raw_body_prints_the_digit(api: str) -> None:
    run = client(api, "--raw", str(DIGIT_4))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("digit-4.png: 4 (confidence ")


def test_client_mnist_mode(api: str) -> None:
    run = client(api, "--mode", "mnist", str(MNIST_7))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("digit-7.jpeg: 7 ")


def test_client_batch_prints_answers_in_order(api: str) -> None:
    files = [SAMPLES / "any-image" / f"digit-{d}.png" for d in (3, 0, 8)]
    run = client(api, "--batch", *map(str, files))
    assert run.returncode == 0, run.stderr
    assert [line.split(" ")[:2] for line in run.stdout.splitlines()] == [
        ["digit-3.png:", "3"], ["digit-0.png:", "0"], ["digit-8.png:", "8"]]


def test_client_error_prints_status_and_detail_and_goes_on(api: str, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    run = client(api, str(notes), str(DIGIT_4))
    assert run.returncode == 1
    assert run.stderr.startswith("notes.txt: HTTP 415: ")
    assert run.stdout.startswith("digit-4.png: 4 ")  # the next picture is still read


def test_client_gateway_error_prints_its_message(api: str, tmp_path) -> None:
    """Over the gateway's payload limit the answer is API Gateway's own {"message": ...}."""
    big = tmp_path / "big.png"
    big.write_bytes(DIGIT_4.read_bytes() + bytes(5 * 1024 * 1024))
    run = client(api, "--raw", str(big))
    assert run.returncode == 1
    assert run.stderr.strip() == "big.png: HTTP 413: Request Entity Too Large"


def test_client_unreachable_api_says_so(tmp_path) -> None:
    from infra.processes import free_port

    run = client(f"http://127.0.0.1:{free_port()}", str(DIGIT_4))
    assert run.returncode == 1
    assert "cannot reach http://127.0.0.1:" in run.stderr
