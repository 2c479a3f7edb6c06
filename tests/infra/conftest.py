"""Fixtures for the serverless tooling: a running emulator (our API Gateway, AWS's RIE) on a free
127.0.0.1 port, the model to ship."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from infra.processes import free_port, stop
from tests.conftest import REPO_ROOT, SHIPPED_MODEL

START_LIMIT_S = 20.0


def model_file() -> Path:
    """The model the build ships: the committed one, or MODEL_PATH where a developer points elsewhere."""
    return Path(os.environ.get("MODEL_PATH") or SHIPPED_MODEL)


def fresh_clone(destination: Path) -> Path:
    """What `git clone` of this working tree gives: tracked and new files, nothing git ignores (.venv*)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@dataclass
class RunningEmulator:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


def start_emulator(log_path: Path, *arguments: str) -> RunningEmulator:
    """Start ``python -m infra.emulator`` and wait until it accepts connections (bounded)."""
    port = free_port()
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.emulator", "--host", "127.0.0.1", "--port", str(port), *arguments],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return RunningEmulator(f"http://127.0.0.1:{port}", process, log_path)
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the emulator did not start:\n{log_path.read_text()}")


def stop_emulator(emulator: RunningEmulator) -> None:
    stop(emulator.process)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """The real template.yaml served by the emulator, feedback kept in a temporary folder."""
    folder = tmp_path_factory.mktemp("emulator")
    running = start_emulator(folder / "emulator.log", "--env", f"FEEDBACK_DIR={folder / 'feedback'}",
                             f"MODEL_PATH={model_file()}")
    yield running
    stop_emulator(running)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client
