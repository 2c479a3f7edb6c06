"""bench.png: warm latency (log scale), cold start and cost against the Keras baseline, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

OURS, BASELINE = "#1f77b4", "#d62728"
SIZE_INCHES = (17, 5.8)
BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "fontsize": 8, "frameon": False}


def warm_panel(axis: Any, warm: dict[str, Any]) -> None:
    """p50 bars with whiskers to p99 and a tick at p90, ours above the baseline, per kind of request."""
    names = list(warm)
    for row, name in enumerate(names):
        for offset, who, colour in ((-0.2, "ours", OURS), (0.2, "baseline", BASELINE)):
            stats = warm[name][who]
            y = row + offset
            axis.barh(y, stats["p50_ms"], height=0.36, color=colour, alpha=0.85)
            axis.plot([stats["p50_ms"], stats["p99_ms"]], [y, y], color="black", linewidth=1)
            axis.plot(stats["p90_ms"], y, marker="|", color="black", markersize=10)
        speedup = warm[name]["speedup"]["p50"]
        axis.text(warm[name]["baseline"]["p99_ms"] * 1.15, row + 0.2, f"{speedup:g}x", va="center", fontsize=9)
    axis.set_yticks(range(len(names)), [warm[n]["title"].split(",")[0] for n in names], fontsize=8)
    axis.invert_yaxis()
    axis.set_xscale("log")
    axis.set_xlim(right=max(warm[n]["baseline"]["p99_ms"] for n in names) * 4)  # room for the ratios
    axis.set_xlabel("ms per request (bar p50, tick p90, whisker to p99), log scale")
    axis.set_title("Warm requests through lambda_handler")
    axis.legend(handles=[Patch(color=OURS, label="this service (LiteRT)"),
                         Patch(color=BASELINE, label="original Keras app")], ncol=2, **BELOW)


def cold_panel(axis: Any, cold: dict[str, Any]) -> None:
    """Median cold start split into its phases, for each side."""
    phases = (("median_interpreter_start_s", "python start", "#bbbbbb"),
              ("median_import_s", "imports (ours: + model load)", "#8c564b"),
              ("median_load_s", "model load", "#e377c2"),
              ("median_first_request_s", "first request", "#2ca02c"))
    for row, who in enumerate(("ours", "baseline")):
        left = 0.0
        for key, label, colour in phases:
            value = cold[who].get(key, 0.0)
            axis.barh(row, value, left=left, color=colour, label=label if row == 1 else None)
            left += value
        axis.text(left * 1.02, row, f"{left:.2f} s", va="center", fontsize=9)
    axis.set_yticks([0, 1], ["this service", "Keras baseline"])
    axis.invert_yaxis()
    axis.set_xlabel("seconds from process spawn to first answer (median)")
    axis.set_title(f"Cold start ({cold['speedup']['spawn_to_answer']:g}x faster)")
    axis.legend(ncol=2, **BELOW)


def cost_panel(axis: Any, costs: dict[str, Any]) -> None:
    """USD per million requests (1 MP JPEG, x86) by memory size; hollow where the worker does not fit."""
    for who, colour in (("ours", OURS), ("baseline", BASELINE)):
        rows = [r for r in costs["tables"][f"{who}:jpeg_1mp_auto"] if r["arch"] == "x86_64"]
        sizes, totals = [r["memory_mb"] for r in rows], [r["total_usd"] for r in rows]
        axis.plot(sizes, totals, color=colour, linewidth=1, label="this service" if who == "ours" else "Keras baseline")
        for row in rows:
            axis.plot(row["memory_mb"], row["total_usd"], "o", color=colour,
                      markerfacecolor=colour if row["fits"] else "white")
    axis.set_xscale("log", base=2)
    axis.set_xticks([128, 256, 512, 1024], ["128", "256", "512", "1024"])
    axis.set_xlabel("Lambda memory (MB); hollow: does not fit")
    axis.set_ylabel("USD per million requests")
    axis.set_ylim(bottom=0)
    axis.set_title("Cost, 1 MP JPEG, x86 (Lambda + HTTP API)")
    axis.legend(ncol=2, **BELOW)


def draw(report: dict[str, Any], path: Path) -> None:
    figure, axes = plt.subplots(1, 3, figsize=SIZE_INCHES, gridspec_kw={"width_ratios": [1.4, 1, 1]})
    warm_panel(axes[0], report["warm"])
    cold_panel(axes[1], report["cold_start"])
    cost_panel(axes[2], report["cost"])
    meta = report["meta"]
    figure.suptitle(f"make bench ({meta['mode']} run, {meta['generated_at']}, {meta['machine']['cores']} cores, "
                    f"model {meta['model']['variant']})", fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
