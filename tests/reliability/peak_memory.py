"""Peak memory of one Lambda worker answering the most memory-hungry uploads the limits allow.

    .venv/bin/python -m tests.reliability.peak_memory FILE:MODE [FILE:MODE ...]

Prints one JSON object: each upload's status, and the process's peak RSS (import, model and all uploads).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infra.events import LambdaContext, http_api_event, multipart_body


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc.

    Not ``getrusage``: its ru_maxrss carries over the parent's memory across fork and exec, so a child
    of a large pytest process would report the parent's size.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def main() -> None:
    from handler.lambda_function import lambda_handler

    baseline = status_mb("VmHWM")
    statuses = {}
    for argument in sys.argv[1:]:
        path, mode = argument.rsplit(":", 1)
        body, content_type = multipart_body([("file", Path(path).name, Path(path).read_bytes(), "")])
        event = http_api_event("POST", "/predict", body=body, headers={"content-type": content_type},
                               query={"mode": mode})
        statuses[f"{Path(path).name}:{mode}"] = lambda_handler(event, LambdaContext())["statusCode"]
    peak = status_mb("VmHWM")
    print(json.dumps({"statuses": statuses, "baseline_mb": round(baseline, 1), "peak_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
