"""AWS's own Lambda side, without a container: the Runtime Interface Emulator (``aws-lambda-rie``) running
the python3.13 runtime's interface client (``awslambdaric``) with the template's handler.

One :class:`ExecutionEnvironment` is one RIE process, as one warm Lambda execution environment: RIE starts
the runtime on the first invocation (the init phase), then keeps it warm; it enforces the timeout (the
runtime is killed, the next call is a cold start again), the 6 MB response limit and Lambda's error
answers (an import error, an unhandled exception), and prints its own START / END / REPORT lines. It runs
one invocation at a time (two at once crash it): the emulator keeps a pool, one call per environment.

The binary ships inside the aws-sam-cli wheel (``samcli/local/rapid/aws-lambda-rie-x86_64`` and
``-arm64``); ``python -m infra.rie install DEST`` downloads that wheel alone (``pip download --no-deps``,
the version of requirements-sam.txt) and extracts just the binary for this CPU, so serving needs neither
the SAM CLI's dependencies nor Docker. RIE runs on Linux only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from infra.processes import free_port, stop
from infra.sam_template import FunctionConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
# platform.machine() -> the suffix of the binary in the aws-sam-cli wheel
RIE_SUFFIXES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
SERVE_RIE = REPO_ROOT / ".venv-serve" / "bin" / "aws-lambda-rie"  # where `make serve` puts it
SAM_VENV = REPO_ROOT / ".venv-sam"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"  # RIE's Invoke API (Lambda's own path)
START_LIMIT_S = 10.0  # until RIE listens (the function's init happens on the first invocation)
ALTERNATIVE = ("run the app without the Lambda emulation: `make serve-uvicorn` (same routes, plain HTTP), "
               "or `sam local start-api` where Docker runs")


class RieUnavailable(RuntimeError):
    """AWS's emulator cannot run here (not Linux, no binary for this CPU, or awslambdaric missing)."""


@dataclass(frozen=True)
class Invocation:
    """One answer of the Invoke API: the function's result, or Lambda's error object for a failure."""

    payload: Any = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def rie_suffix(machine: str | None = None) -> str:
    """The wheel's binary suffix for this CPU; RieUnavailable where RIE has none (or the OS is not Linux)."""
    if sys.platform != "linux":
        raise RieUnavailable(f"aws-lambda-rie runs on Linux only, not on {sys.platform}: {ALTERNATIVE}")
    machine = machine or platform.machine()
    if machine.lower() not in RIE_SUFFIXES:
        raise RieUnavailable(f"aws-lambda-rie has no binary for this CPU ({machine}): {ALTERNATIVE}")
    return RIE_SUFFIXES[machine.lower()]


def find_rie() -> Path:
    """``$AWS_LAMBDA_RIE``, else the copy `make serve` installs, else the SAM CLI's own, else PATH."""
    suffix = rie_suffix()
    if os.environ.get("AWS_LAMBDA_RIE"):
        chosen = Path(os.environ["AWS_LAMBDA_RIE"])
        if not os.access(chosen, os.X_OK):
            raise RieUnavailable(f"AWS_LAMBDA_RIE={chosen} is not an executable file")
        return chosen
    candidates = [SERVE_RIE, *sorted(SAM_VENV.glob(f"lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-{suffix}"))]
    on_path = shutil.which("aws-lambda-rie")
    found = next((path for path in [*candidates, Path(on_path or "")] if path.is_file() and os.access(path, os.X_OK)), None)
    if found is None:
        raise RieUnavailable(f"aws-lambda-rie not found: `make serve` installs it as {SERVE_RIE} "
                             f"(`python -m infra.rie install`); or {ALTERNATIVE}")
    return found


def check_runtime_client() -> None:
    """RIE starts ``python -m awslambdaric`` with this interpreter: it must have the runtime client."""
    if importlib.util.find_spec("awslambdaric") is None:
        raise RieUnavailable(f"awslambdaric is not installed for {sys.executable} (`make serve` makes .venv-serve "
                             "with it; or pip install -r requirements-serve.txt)")


def sam_cli_version(requirements: Path = REPO_ROOT / "requirements-sam.txt") -> str:
    line = next(line for line in requirements.read_text().splitlines() if line.startswith("aws-sam-cli=="))
    return line.split("==", 1)[1].split()[0]


def install_rie(destination: Path, *, version: str | None = None) -> Path:
    """Download the aws-sam-cli wheel alone and extract this CPU's RIE binary to ``destination``."""
    member = f"samcli/local/rapid/aws-lambda-rie-{rie_suffix()}"
    with tempfile.TemporaryDirectory(prefix="rie-") as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--only-binary=:all:", "--dest", scratch, f"aws-sam-cli=={version or sam_cli_version()}"],
                       check=True)
        wheel = next(Path(scratch).glob("aws_sam_cli-*.whl"))
        destination.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, destination.open("wb") as target:
            shutil.copyfileobj(source, target)
    destination.chmod(destination.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return destination


def function_environment(config: FunctionConfig) -> dict[str, str]:
    """What the runtime sees: this environment, the template's variables, Lambda's own, the code first on the path."""
    return {
        **os.environ, "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), **config.environment,
        "AWS_LAMBDA_FUNCTION_NAME": config.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(math.ceil(config.timeout_s)),  # RIE takes whole seconds, as Lambda
        "PYTHONPATH": str(config.code_dir),  # like /var/task: the package's modules come first
    }


def invocation_from(status: int, body: bytes) -> Invocation:
    """RIE's answer as Lambda's: a failure is a non-200, a non-JSON body ("Task timed out after 1.00 seconds")
    or an ``errorType``/``errorMessage`` object (RIE sends no X-Amz-Function-Error header)."""
    text = body.decode("utf-8", "replace")
    try:
        payload = json.loads(text)
    except ValueError:
        return Invocation(error={"errorType": "Sandbox.Timedout" if "timed out" in text else "Runtime.InvalidResponse",
                                 "errorMessage": text.strip()})
    is_error = isinstance(payload, dict) and {"errorType", "errorMessage"} <= payload.keys() and "statusCode" not in payload
    if status != 200 or is_error:
        return Invocation(error=payload if isinstance(payload, dict) else {"errorMessage": text})
    return Invocation(payload=payload)


class ExecutionEnvironment:
    """One aws-lambda-rie process serving ``config``'s handler with awslambdaric; one invocation at a time."""

    def __init__(self, config: FunctionConfig, *, rie: Path, log: IO[str] | None = None) -> None:
        """``log``: where RIE and the function write (default: this process's stdout)."""
        self.config, self.rie, self.log = config, rie, log
        self._process: subprocess.Popen[bytes] | None = None
        self._url = ""

    def start(self) -> None:
        port, api_port = free_port(), free_port()
        command = [str(self.rie), "--log-level", "error", "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
                   "--runtime-api-address", f"127.0.0.1:{api_port}", sys.executable, "-m", "awslambdaric", self.config.handler]
        self._process = subprocess.Popen(command, cwd=self.config.code_dir, env=function_environment(self.config),
                                         stdout=self.log, stderr=subprocess.STDOUT if self.log is not None else None)
        self._url = f"http://127.0.0.1:{port}{INVOKE_PATH}"
        deadline = time.monotonic() + START_LIMIT_S
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RieUnavailable(f"{self.rie} did not listen on 127.0.0.1:{port} within {START_LIMIT_S:g} s")

    def invoke(self, event: dict[str, Any]) -> Invocation:
        """POST the event to RIE's Invoke API; RIE applies the function's timeout itself."""
        if self._process is None or self._process.poll() is not None:
            self.start()
        request = urllib.request.Request(self._url, data=json.dumps(event).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_s + START_LIMIT_S + 30) as answer:
                return invocation_from(answer.status, answer.read())
        except urllib.error.HTTPError as error:
            return invocation_from(error.code, error.read())
        except OSError as error:  # the emulator itself died: a fresh one serves the next call
            self.stop()
            return Invocation(error={"errorType": "Runtime.EmulatorExited", "errorMessage": str(error)})

    def stop(self) -> None:
        if self._process is not None:
            stop(self._process)
        self._process = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Install AWS's Lambda Runtime Interface Emulator for this CPU.")
    parser.add_argument("command", choices=["install", "which"])
    parser.add_argument("destination", type=Path, nargs="?", default=SERVE_RIE)
    args = parser.parse_args(argv)
    try:
        print(install_rie(args.destination) if args.command == "install" else find_rie())
    except RieUnavailable as error:
        raise SystemExit(f"rie: {error}") from None


if __name__ == "__main__":
    main()
