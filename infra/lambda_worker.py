"""A warm Lambda execution environment on this machine: a worker process that imports the handler once
(the cold start) and then runs one invocation at a time with a Lambda-like context.

Like Lambda, it enforces the timeout (the process is killed and replaced), caps the response at 6 MB,
and writes START / END / REPORT lines per invocation with duration, billed duration and max memory.
The worker's stdout is this process's, so the function's own logs appear in line, as in CloudWatch.
"""

from __future__ import annotations

import importlib
import json
import math
import multiprocessing
import os
import resource
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TextIO

from infra.events import LambdaContext
from infra.sam_template import FunctionConfig

PAYLOAD_LIMIT = 6 * 1024 * 1024  # bytes, for the request event and for the response (synchronous invoke)
INIT_LIMIT_S = 10.0  # Lambda's limit on the init phase (imports, model load)
_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter, as a new execution environment


@dataclass(frozen=True)
class Invocation:
    request_id: str
    payload: Any = None  # the handler's answer when it succeeded
    error: dict[str, Any] | None = None  # {"errorType", "errorMessage"} as Lambda reports failures
    duration_ms: float = 0.0
    init_ms: float | None = None  # set on the cold start

    @property
    def ok(self) -> bool:
        return self.error is None


def _max_memory_mb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return math.ceil(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))


def _load_handler(config: FunctionConfig) -> Any:
    os.environ.update({"AWS_LAMBDA_FUNCTION_NAME": config.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
                       "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"), **config.environment})
    os.chdir(config.code_dir)
    sys.path.insert(0, str(config.code_dir))  # like /var/task: the package's modules come first
    module_name, _, function_name = config.handler.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def _error(error: BaseException) -> dict[str, Any]:
    return {"errorType": type(error).__name__, "errorMessage": str(error),
            "stackTrace": traceback.format_tb(error.__traceback__)}


def worker_main(config: FunctionConfig, connection: Connection) -> None:
    """The worker process: init once, then answer ``(request_id, event, timeout_s)`` messages."""
    started = time.perf_counter()
    try:
        handler = _load_handler(config)
    except Exception as error:  # an init failure is reported, as Lambda does, on the first invocation
        connection.send(("init_error", _error(error), 0.0, _max_memory_mb()))
        return
    connection.send(("ready", None, (time.perf_counter() - started) * 1000, _max_memory_mb()))
    while True:
        try:
            request_id, event, timeout_s = connection.recv()
        except EOFError:
            return
        context = LambdaContext(function_name=config.name, memory_limit_in_mb=config.memory_mb,
                                timeout_s=timeout_s, aws_request_id=request_id)
        started = time.perf_counter()
        try:
            kind, body = "ok", json.dumps(handler(event, context))
        except Exception as error:  # the function's failure, not the worker's
            kind, body = "error", _error(error)
        sys.stdout.flush()
        connection.send((kind, body, (time.perf_counter() - started) * 1000, _max_memory_mb()))


class WarmFunction:
    """One execution environment: starts on the first invocation, stays warm, is replaced after a timeout."""

    def __init__(self, config: FunctionConfig, *, log: TextIO = sys.stdout) -> None:
        self.config, self.log = config, log
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._init_ms: float | None = None

    def _start(self) -> Invocation | None:
        """Start the worker and wait for its init; an Invocation only when init failed."""
        parent, child = _SPAWN.Pipe()
        self._process = _SPAWN.Process(target=worker_main, args=(self.config, child), daemon=True)
        self._process.start()
        self._connection = parent
        if not parent.poll(INIT_LIMIT_S):
            self.stop()
            return Invocation("", error={"errorType": "Runtime.InitTimeout", "errorMessage": "init over 10 s"})
        kind, body, self._init_ms, _ = parent.recv()
        if kind == "init_error":
            self.stop()
            return Invocation("", error=body)
        return None

    def invoke(self, event: dict[str, Any], *, request_id: str | None = None,
               timeout_s: float | None = None) -> Invocation:
        """Run the handler on ``event``; ``timeout_s`` defaults to the function's own timeout."""
        request_id = request_id or str(uuid.uuid4())
        timeout_s = self.config.timeout_s if timeout_s is None else timeout_s
        self._line(f"START RequestId: {request_id} Version: $LATEST")
        failed_init = self._start() if self._process is None else None
        init_ms, self._init_ms = self._init_ms, None
        if failed_init is not None:
            result = Invocation(request_id, error=failed_init.error, init_ms=init_ms)
            return self._report(result, memory_mb=0)
        assert self._connection is not None
        self._connection.send((request_id, event, timeout_s))
        if not self._connection.poll(timeout_s):
            self.stop()  # Lambda freezes and discards the environment: the next call is a cold start
            self._line(f"{_now()} {request_id} Task timed out after {timeout_s:.2f} seconds")
            error = {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {timeout_s:.2f} seconds"}
            return self._report(Invocation(request_id, error=error, duration_ms=timeout_s * 1000, init_ms=init_ms),
                                memory_mb=0)
        kind, body, duration_ms, memory_mb = self._connection.recv()
        return self._report(self._result(request_id, kind, body, duration_ms, init_ms), memory_mb=memory_mb)

    @staticmethod
    def _result(request_id: str, kind: str, body: Any, duration_ms: float, init_ms: float | None) -> Invocation:
        if kind == "error":
            return Invocation(request_id, error=body, duration_ms=duration_ms, init_ms=init_ms)
        if len(body.encode()) > PAYLOAD_LIMIT:
            error = {"errorType": "Function.ResponseSizeTooLarge",
                     "errorMessage": f"Response payload size ({len(body.encode())} bytes) exceeded maximum allowed "
                                     f"payload size ({PAYLOAD_LIMIT} bytes)."}
            return Invocation(request_id, error=error, duration_ms=duration_ms, init_ms=init_ms)
        return Invocation(request_id, payload=json.loads(body), duration_ms=duration_ms, init_ms=init_ms)

    def _report(self, result: Invocation, *, memory_mb: int) -> Invocation:
        if result.error is not None:
            self._line(json.dumps({"errorMessage": result.error.get("errorMessage"),
                                   "errorType": result.error.get("errorType"), "requestId": result.request_id}))
        # Since August 2025 Lambda bills the init phase of managed runtimes too: it is in Billed Duration.
        billed = math.ceil(result.duration_ms + (result.init_ms or 0.0))
        line = (f"REPORT RequestId: {result.request_id}\tDuration: {result.duration_ms:.2f} ms\t"
                f"Billed Duration: {billed} ms\tMemory Size: {self.config.memory_mb} MB\t"
                f"Max Memory Used: {memory_mb or '-'} MB")
        if result.init_ms is not None:
            line += f"\tInit Duration: {result.init_ms:.2f} ms"
        self._line(f"END RequestId: {result.request_id}")
        self._line(line)
        return result

    def _line(self, text: str) -> None:
        self.log.write(text + "\n")
        self.log.flush()

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            self._connection.close()
        self._process, self._connection = None, None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z"
