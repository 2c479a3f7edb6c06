"""Many warm invocations of ``lambda_handler`` in one process, as one Lambda worker lives: does memory grow?

Run in a fresh process so earlier work cannot hide growth under an old peak:

    .venv/bin/python -m tests.reliability.memory_soak --invocations 10000
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable

from PIL import Image, ImageOps

from infra.events import LambdaContext, http_api_event, multipart_body, rest_api_event
from tests.reliability.hostile_corpus import digit_image, encode
from tests.reliability.peak_memory import status_mb

WARM_UP = 300  # caches, the allocator and the interpreter's tensors settle first
SAMPLE_EVERY = 250  # invocations between RSS readings
DIGIT_SIZE = (48, 48)  # small pictures keep 10,000 reads quick; every code path still runs


def rss_mb() -> float:
    """Resident memory now (not the peak)."""
    return status_mb("VmRSS")


def peak_rss_mb() -> float:
    return status_mb("VmHWM")


def request_mix() -> list[tuple[str, dict]]:
    """What a worker sees: reads in both modes, batches, explain, health, and the common 4xx answers."""
    digit = encode(digit_image(DIGIT_SIZE))
    mnist = encode(ImageOps.invert(digit_image((28, 28))))  # white on black, as MNIST stores it
    uploads = {
        "predict": ([("file", "d.png", digit, "image/png")], {}),
        "predict-explain": ([("file", "d.png", digit, "image/png")], {"explain": "true"}),
        "predict-mnist": ([("file", "m.png", mnist, "image/png")], {"mode": "mnist"}),
        "batch-2": ([("files", f"{i}.png", digit, "image/png") for i in range(2)], {}),
        "truncated-400": ([("file", "t.png", digit[:60], "image/png")], {}),
        "blank-422": ([("file", "b.png", encode(Image.new("L", (64, 64), 255)), "image/png")], {}),
        "text-415": ([("file", "t.txt", b"hello", "text/plain")], {}),
    }
    mix = []
    for name, (files, query) in uploads.items():
        body, content_type = multipart_body(files)
        path = "/predict/batch" if name.startswith("batch") else "/predict"
        mix.append((name, {"method": "POST", "path": path, "body": body,
                           "headers": {"content-type": content_type}, "query": query or None}))
    mix.append(("health", {"method": "GET", "path": "/health"}))
    return mix


def soak(invocations: int, handler: Callable) -> dict[str, object]:
    # Events are built once (both payload versions) so the figure is the handler's memory, not the test's.
    events = [(name, build(request["method"], request["path"], body=request.get("body", b""),
                           headers=request.get("headers"), query=request.get("query")))
              for name, request in request_mix() for build in (http_api_event, rest_api_event)]
    statuses: Counter[str] = Counter()

    def invoke(index: int) -> None:
        name, event = events[index % len(events)]
        statuses[f"{name}:{handler(event, LambdaContext())['statusCode']}"] += 1

    for index in range(WARM_UP):
        invoke(index)
    statuses.clear()
    baseline, baseline_peak, highest = rss_mb(), peak_rss_mb(), rss_mb()
    started = time.perf_counter()
    for index in range(invocations):
        invoke(index)
        if index % SAMPLE_EVERY == 0:
            highest = max(highest, rss_mb())
    elapsed = time.perf_counter() - started
    if peak_rss_mb() > baseline_peak:  # the process peak moved during the soak: it is the true peak
        highest = max(highest, peak_rss_mb())
    return {
        "invocations": invocations, "seconds": round(elapsed, 1),
        "ms_per_invocation": round(elapsed / invocations * 1000, 3),
        "baseline_rss_mb": round(baseline, 1), "final_rss_mb": round(rss_mb(), 1),
        "peak_growth_mb": round(highest - baseline, 2),
        "statuses": dict(sorted(statuses.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=10_000)
    parser.add_argument("--out", type=argparse.FileType("w"), default="-")
    args = parser.parse_args()
    from handler.lambda_function import lambda_handler

    json.dump(soak(args.invocations, lambda_handler), args.out)
    args.out.write("\n")


if __name__ == "__main__":
    main()
