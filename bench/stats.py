"""Timing loops and their summaries: what every worker uses, so every figure is computed the same way."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

PERCENTILES = (50, 90, 99)
MIN_SAMPLES = 5  # a time budget never cuts a scenario below this many timed calls


@dataclass(frozen=True)
class Budget:
    """How long to measure one thing: ``warmup`` untimed calls, then up to ``samples`` timed calls
    or ``seconds`` of wall time, whichever ends first (but at least ``MIN_SAMPLES``)."""

    samples: int
    seconds: float
    warmup: int = 3

    def scaled(self, factor: float) -> Budget:
        return Budget(max(MIN_SAMPLES, round(self.samples * factor)), self.seconds * factor, self.warmup)


def time_calls(call: Callable[[], object], budget: Budget, *, prepare: Callable[[], None] | None = None) -> list[float]:
    """Seconds per call of ``call``; ``prepare`` runs before each call, outside the timing."""
    for _ in range(budget.warmup):
        if prepare:
            prepare()
        call()
    timings: list[float] = []
    deadline = time.perf_counter() + budget.seconds
    while len(timings) < budget.samples and (len(timings) < MIN_SAMPLES or time.perf_counter() < deadline):
        if prepare:
            prepare()
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def time_interleaved(calls: dict[str, Callable[[], object]], budget: Budget,
                     *, prepare: Callable[[], None] | None = None) -> dict[str, dict[str, list[float]]]:
    """Seconds per call of each of ``calls``, taken in turns (a, b, a, b...) so that a busy machine slows
    them alike, as ``{"wall": {name: [...]}, "cpu": {name: [...]}}``: this process's CPU time per call
    leaves out the time other processes held the core (single-threaded work: it is the quiet machine's
    wall time). ``prepare`` runs before each round, outside the timing."""
    timings: dict[str, dict[str, list[float]]] = {"wall": {name: [] for name in calls}, "cpu": {name: [] for name in calls}}
    for _ in range(budget.warmup):
        if prepare:
            prepare()
        for call in calls.values():
            call()
    deadline = time.perf_counter() + budget.seconds
    done = 0
    while done < budget.samples and (done < MIN_SAMPLES or time.perf_counter() < deadline):
        if prepare:
            prepare()
        for name, call in calls.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            timings["cpu"][name].append(time.process_time() - cpu_started)
            timings["wall"][name].append(time.perf_counter() - started)
        done += 1
    return timings


def percentile(values: list[float], q: float) -> float:
    """numpy's default (linear) percentile, in plain Python: workers run on a package's own numpy,
    which a trimmed build may have cut down."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(seconds: list[float], *, per: int = 1) -> dict[str, float | int]:
    """p50/p90/p99/mean/min in milliseconds (divided by ``per`` for per-image figures) and the count."""
    values = [s * 1000.0 / per for s in seconds]
    summary: dict[str, float | int] = {f"p{p}_ms": round(percentile(values, p), 4) for p in PERCENTILES}
    summary.update(mean_ms=round(statistics.fmean(values), 4), min_ms=round(min(values), 4), n=len(values))
    return summary


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM). Not ``ru_maxrss``: that keeps the high-water mark of
    the parent it was forked from across ``exec``."""
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return round(kib / 1024, 1)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def ratio(baseline: float | None, ours: float | None) -> float | None:
    """How many times smaller ``ours`` is than ``baseline`` (>1 means we are better); None if unknown."""
    if not baseline or not ours:
        return None
    return round(baseline / ours, 2)
