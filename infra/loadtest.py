"""A bounded load test of the local emulation on 127.0.0.1: mixed requests from N concurrent clients.

    python -m infra.loadtest --requests 2000 --concurrency 8     # starts the emulator itself (make loadtest)
    python -m infra.loadtest --url http://127.0.0.1:3000         # against one already running (make serve)

It stops by itself (after ``--requests`` or ``--max-seconds``), only ever calls a loopback address, and
counts as an error any transport failure, any 5xx and any status other than the one each request expects.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from PIL import Image, ImageDraw, ImageOps

from infra.processes import free_port, stop

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT.parent / "shared" / "data" / "samples" / "any-image"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
START_LIMIT_S = 30.0
REQUEST_TIMEOUT_S = 30.0
# (kind, weight): mostly reads of real pictures, as users send them, plus the common mistakes.
MIX = (("predict", 40), ("predict-mnist", 15), ("batch", 5), ("health", 10), ("model", 5),
       ("feedback", 5), ("truncated-400", 5), ("text-415", 5), ("blank-422", 5), ("unknown-404", 5))


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    expected: int
    files: list[tuple[str, tuple[str, bytes, str]]] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, concurrency: int) -> dict[str, object]:
        ordered = sorted(self.latencies_ms)
        return {
            "requests": len(ordered), "errors": len(self.errors), "concurrency": concurrency,
            "seconds": round(self.seconds, 2), "requests_per_s": round(len(ordered) / max(self.seconds, 1e-9), 1),
            "p50_ms": percentile(ordered, 50), "p90_ms": percentile(ordered, 90),
            "p99_ms": percentile(ordered, 99), "max_ms": round(ordered[-1], 1) if ordered else None,
            "statuses": dict(sorted(self.statuses.items())), "first_errors": self.errors[:5],
        }


def percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)], 1)


# --- What is sent --------------------------------------------------------------------------------------


def drawn_digit(size: int = 120) -> Image.Image:
    """A dark "7" on light paper, for machines without ../shared samples."""
    image = Image.new("L", (size, size), 235)
    ImageDraw.Draw(image).line([(size * 0.25, size * 0.2), (size * 0.75, size * 0.2), (size * 0.45, size * 0.85)],
                               fill=20, width=size // 12)
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pictures() -> list[bytes]:
    samples = sorted(SAMPLES.glob("*.png")) if SAMPLES.is_dir() else []
    return [path.read_bytes() for path in samples] or [png(drawn_digit())]


def request_kinds() -> dict[str, list[Request]]:
    """Every kind of request in ``MIX``, with the status the API documents for it."""
    photos, mnist = pictures(), png(ImageOps.invert(drawn_digit(28)))

    def upload(data: bytes, name: str = "file", filename: str = "digit.png", kind: str = "image/png"):
        return [(name, (filename, data, kind))]

    return {
        "predict": [Request("predict", "POST", "/predict", 200, upload(photo)) for photo in photos],
        "predict-mnist": [Request("predict-mnist", "POST", "/predict", 200, upload(mnist), params={"mode": "mnist"})],
        "batch": [Request("batch", "POST", "/predict/batch", 200,
                          [file for photo in photos[:3] for file in upload(photo, "files")])],
        "health": [Request("health", "GET", "/health", 200)],
        "model": [Request("model", "GET", "/model", 200)],
        "feedback": [Request("feedback", "POST", "/feedback", 201, upload(photos[0]), data={"label": "7"})],
        "truncated-400": [Request("truncated-400", "POST", "/predict", 400, upload(photos[0][:100]))],
        "text-415": [Request("text-415", "POST", "/predict", 415, upload(b"hello", filename="a.txt", kind="text/plain"))],
        "blank-422": [Request("blank-422", "POST", "/predict", 422, upload(png(Image.new("L", (64, 64), 255))))],
        "unknown-404": [Request("unknown-404", "GET", "/no-such-route", 404)],
    }


def schedule(count: int) -> list[Request]:
    """``count`` requests in a fixed order that follows the weights of ``MIX``, kinds evenly interleaved.

    Smooth weighted round-robin (as nginx balances upstreams): each step every kind gains its weight,
    the richest is sent and pays the total, so no kind arrives in a block.
    """
    kinds, total = request_kinds(), sum(weight for _, weight in MIX)
    credit = dict.fromkeys(kinds, 0)
    requests = []
    for index in range(count):
        for kind, weight in MIX:
            credit[kind] += weight
        chosen = max(credit, key=credit.__getitem__)
        credit[chosen] -= total
        choices = kinds[chosen]
        requests.append(choices[index % len(choices)])
    return requests


# --- Sending -------------------------------------------------------------------------------------------


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load-test {host!r}: only 127.0.0.1 / localhost")


def run_load(url: str, *, requests: int, concurrency: int, max_seconds: float = 300.0) -> dict[str, object]:
    """Send ``requests`` requests from ``concurrency`` threads (each with a keep-alive connection)."""
    check_loopback(url)
    plan, results, lock = schedule(requests), Results(), threading.Lock()
    next_index = iter(range(len(plan)))
    deadline = time.monotonic() + max_seconds

    def client_loop() -> None:
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            while time.monotonic() < deadline:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                outcome = send(client, plan[index])
                with lock:
                    record(results, plan[index], *outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.perf_counter() - started
    return results.summary(concurrency)


def send(client: httpx.Client, request: Request) -> tuple[int | None, float, str]:
    """(status or None, latency in ms, error text) of one request."""
    started = time.perf_counter()
    try:
        response = client.request(request.method, request.path, files=request.files or None,
                                   data=request.data or None, params=request.params or None)
    except httpx.HTTPError as error:
        return None, (time.perf_counter() - started) * 1000, f"{type(error).__name__}: {error}"
    return response.status_code, (time.perf_counter() - started) * 1000, response.text[:200]


def record(results: Results, request: Request, status: int | None, latency_ms: float, text: str) -> None:
    results.latencies_ms.append(latency_ms)
    results.statuses[f"{request.kind}:{status}"] += 1
    if status != request.expected:
        results.errors.append(f"{request.kind}: expected {request.expected}, got {status}: {text}")


# --- The emulator --------------------------------------------------------------------------------------


@contextmanager
def running_emulator(*, workers: int = 2, log: Path | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """``python -m infra.emulator`` on a free 127.0.0.1 port with ``workers`` RIE processes; yields its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loadtest-") as scratch:
        settings = {"FEEDBACK_DIR": f"{scratch}/feedback", **(env or {})}  # workers inherit the rest (MODEL_PATH)
        log_file = (log or Path(scratch) / "emulator.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.emulator", "--host", "127.0.0.1", "--port", str(port),
             "--concurrency", str(workers), "--env", *(f"{k}={v}" for k, v in settings.items())],
            cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process)
            yield url
        finally:
            stop(process)
            log_file.close()


def wait_until_healthy(url: str, process: subprocess.Popen) -> None:
    """Until /health answers 200 (the first call also warms a worker), within ``START_LIMIT_S``."""
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=START_LIMIT_S).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the emulator did not answer /health within {START_LIMIT_S:.0f} s")


def warm_up(url: str, workers: int) -> None:
    """One request per worker at once, so every worker has paid its cold start before timing starts."""
    threads = [threading.Thread(target=httpx.get, args=(f"{url}/health",), kwargs={"timeout": START_LIMIT_S})
               for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def print_summary(summary: dict[str, object]) -> None:
    print(f"{summary['requests']} requests, {summary['errors']} errors, concurrency {summary['concurrency']}, "
          f"{summary['seconds']} s ({summary['requests_per_s']} req/s)")
    print(f"latency ms: p50 {summary['p50_ms']}  p90 {summary['p90_ms']}  p99 {summary['p99_ms']}  max {summary['max_ms']}")
    print("statuses: " + ", ".join(f"{key} x{count}" for key, count in summary["statuses"].items()))
    for error in summary["first_errors"]:
        print(f"error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bounded load test of the local emulation (127.0.0.1 only).")
    parser.add_argument("--url", help="an emulator already running (default: start one)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="execution environments (RIE processes) of the emulator it starts")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop sending after this long")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    if args.url:
        summary = run_load(args.url, requests=args.requests, concurrency=args.concurrency, max_seconds=args.max_seconds)
    else:
        with running_emulator(workers=args.workers) as url:
            warm_up(url, args.workers)
            summary = run_load(url, requests=args.requests, concurrency=args.concurrency, max_seconds=args.max_seconds)
    print_summary(summary)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if summary["errors"] or summary["requests"] < args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
