"""Cost per million requests on AWS Lambda + API Gateway HTTP API, from measured durations.

Prices: US East (N. Virginia), first pricing tier, as published on the AWS pricing pages (see PRICES).
Lambda gives a function CPU in proportion to its memory, one full vCPU at 1,769 MB; this machine's
figures are single-threaded on a full core, so below 1,769 MB a duration is scaled by 1769 / memory.
"""

from __future__ import annotations

import math
from typing import Any

PRICES: dict[str, Any] = {
    "region": "us-east-1 (US East, N. Virginia), first tier",
    "lambda_requests_per_million_usd": 0.20,
    "lambda_gb_second_usd": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
    "http_api_per_million_usd": 1.00,  # first 300 million requests a month; $0.90 after
    "http_api_metering_bytes": 512 * 1024,  # HTTP API requests are metered in 512 KB increments
    "init_billed": True,  # since 2025-08-01, INIT of on-demand zip functions on managed runtimes is billed
    "read_on": "2026-11-25",
    "sources": [
        "https://aws.amazon.com/lambda/pricing/ (web.archive.org snapshot of 2026-06-18; per-GB-s figures "
        "also in AWS's 'How AWS Pricing Works' whitepaper: $0.00001667/GB-s, $0.20 per 1M requests)",
        "https://aws.amazon.com/api-gateway/pricing/ and AWS whitepaper 'Best Practices for Designing "
        "Amazon API Gateway Private APIs', table 4 (HTTP API $1.00/M first 300M, metered in 512 KB increments)",
        "AWS Compute Blog, 'AWS Lambda standardizes billing for INIT Phase' (effective 2025-08-01)",
    ],
}
FULL_VCPU_MB = 1769
MEMORY_SIZES_MB = (128, 256, 512, 1024)
ARCHITECTURES = ("x86_64", "arm64")
COLD_START_FRACTION = 0.01  # AWS: cold starts are typically under 1% of invocations
MEMORY_HEADROOM = 1.25  # configured memory must exceed the warm worker's peak RSS by this factor
COST_TOLERANCE = 0.05  # sizes within 5% of the cheapest cost "the same": take the fastest of them


def cpu_scale(memory_mb: int) -> float:
    """How much slower than a full core a function of ``memory_mb`` runs single-threaded code."""
    return max(1.0, FULL_VCPU_MB / memory_mb)


def fits(memory_mb: int, peak_rss_mib: float | None) -> bool:
    return peak_rss_mib is None or peak_rss_mib * MEMORY_HEADROOM <= memory_mb


def per_million(
    *, duration_ms: float, memory_mb: int, arch: str, request_bytes: int, cold_start_s: float | None
) -> dict[str, float]:
    """USD per million requests: Lambda requests + GB-seconds (warm, plus a share of billed INITs) + HTTP API."""
    gb_second = PRICES["lambda_gb_second_usd"][arch]
    modelled_ms = duration_ms * cpu_scale(memory_mb)
    compute = 1e6 * memory_mb / 1024 * math.ceil(modelled_ms) / 1000 * gb_second
    init = 0.0
    if cold_start_s is not None:
        init = 1e6 * COLD_START_FRACTION * memory_mb / 1024 * cold_start_s * cpu_scale(memory_mb) * gb_second
    api = PRICES["http_api_per_million_usd"] * max(1, math.ceil(request_bytes / PRICES["http_api_metering_bytes"]))
    requests = PRICES["lambda_requests_per_million_usd"]
    return {
        "modelled_ms": round(modelled_ms, 2), "compute_usd": round(compute, 4), "init_usd": round(init, 4),
        "lambda_requests_usd": requests, "http_api_usd": api,
        "total_usd": round(compute + init + requests + api, 4),
    }


def cost_table(
    *, duration_ms: float, request_bytes: int, cold_start_s: float | None, peak_rss_mib: float | None
) -> list[dict[str, Any]]:
    """One row per memory size and architecture; ``fits`` says whether the worker's memory fits."""
    return [
        {"memory_mb": memory, "arch": arch, "fits": fits(memory, peak_rss_mib),
         **per_million(duration_ms=duration_ms, memory_mb=memory, arch=arch, request_bytes=request_bytes,
                       cold_start_s=cold_start_s)}
        for memory in MEMORY_SIZES_MB for arch in ARCHITECTURES
    ]


def recommend(rows: list[dict[str, Any]], *, latency_goal_ms: float, cold_start_s: float,
              cold_goal_s: float) -> dict[str, Any]:
    """The fastest x86 size costing within ``COST_TOLERANCE`` of the cheapest one that fits in memory and
    keeps the modelled warm and cold latency in bounds (CPU-bound work costs about the same at any size)."""
    candidates = [r for r in rows if r["arch"] == "x86_64" and r["fits"] and r["modelled_ms"] <= latency_goal_ms
                  and cold_start_s * cpu_scale(r["memory_mb"]) <= cold_goal_s]
    if not candidates:
        return {"memory_mb": max(MEMORY_SIZES_MB), "why": "no size meets the latency bounds; the largest is fastest"}
    cheapest = min(r["total_usd"] for r in candidates)
    best = max((r for r in candidates if r["total_usd"] <= cheapest * (1 + COST_TOLERANCE)),
               key=lambda r: r["memory_mb"])
    return {"memory_mb": best["memory_mb"], "total_usd": best["total_usd"],
            "why": (f"the largest size within {COST_TOLERANCE:.0%} of the cheapest cost among those whose "
                    f"modelled warm p50 is <= {latency_goal_ms:g} ms, modelled cold start <= {cold_goal_s:g} s "
                    f"and peak RSS x {MEMORY_HEADROOM} fits")}


def arm64_estimate(rows: list[dict[str, Any]], *, memory_mb: int) -> dict[str, Any]:
    """arm64 beside x86_64 at ``memory_mb``: the same (x86_64) duration billed at arm64's GB-s price.

    arm64 latency is not measured (nothing here runs aarch64): where Graviton is slower per request,
    the saving shrinks by that much of the compute share.
    """
    x86, arm = (next(r for r in rows if r["memory_mb"] == memory_mb and r["arch"] == arch) for arch in ARCHITECTURES)
    return {"memory_mb": memory_mb, "x86_64_usd": x86["total_usd"], "arm64_usd": arm["total_usd"],
            "saving": round(1 - arm["total_usd"] / x86["total_usd"], 4),
            "duration_ms": x86["modelled_ms"], "latency": "x86_64's, measured here; arm64 latency unmeasured"}
