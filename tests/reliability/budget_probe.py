"""CPU time and peak memory of each request, measured one by one in a fresh Lambda worker process.

    .venv/bin/python -m tests.reliability.budget_probe EVENTS.json

EVENTS.json is a list of ``{"name": ..., "event": ...}``. Prints one JSON line per request: its status,
the CPU seconds (user + system) the invocation took, and the process's peak RSS during it (the peak is
reset before each request through /proc/self/clear_refs, so it is that request's own, on top of what
the worker already holds). The worker runs with an address-space limit, as a hostile caller's harness
does, so a request that would take more memory fails here instead of taking the machine.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from infra.events import LambdaContext
from tests.reliability.peak_memory import status_mb

ADDRESS_SPACE_LIMIT = 3 * 1024**3  # bytes; far above the 450 MB budget, under what this machine can give


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    from handler.lambda_function import lambda_handler

    for request in json.loads(Path(sys.argv[1]).read_text()):
        reset_peak()
        before_mb, started = status_mb("VmRSS"), cpu_seconds()
        try:
            status: int | str = lambda_handler(request["event"], LambdaContext())["statusCode"]
        except Exception as error:  # what escapes becomes API Gateway's bare 500: recorded, not fatal here
            status = f"escaped {type(error).__name__}"
        print(json.dumps({"name": request["name"], "status": status, "cpu_s": round(cpu_seconds() - started, 4),
                          "rss_before_mb": round(before_mb, 1), "peak_mb": round(status_mb("VmHWM"), 1)}), flush=True)


if __name__ == "__main__":
    main()
