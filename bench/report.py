"""From the workers' measurements to ``report.json`` (every figure with its ratio to the baseline) and the
targets of issue 6; ``bench.markdown`` and ``bench.chart`` turn it into REPORT.md and bench.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import cost
from bench.stats import ratio

COST_SCENARIOS = ("png28_mnist", "jpeg_1mp_auto", "jpeg_12mp_auto")
LATENCY_GOAL_MS = 100.0  # a modelled warm p50 for a phone photo that still feels instant
COLD_GOAL_S = 2.0  # a modelled cold start a person waits for without giving up
RECOMMEND_FOR = "jpeg_1mp_auto"
CHART = "bench.png"


def warm_section(ours: dict[str, Any], theirs: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    section = {}
    for name, mine in ours["warm"].items():
        base = theirs["warm"][name]
        section[name] = {
            "title": titles[name], "ours": mine, "baseline": base,
            "speedup": {p: ratio(base[f"{p}_ms"], mine[f"{p}_ms"]) for p in ("p50", "p90", "p99")},
        }
    return section


def model_section(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = {"baseline_keras_predict": theirs["model_only"]}
    for variant, result in ours["model_only"].items():
        section[variant] = result
        for batch, timings in theirs["model_only"].items():
            section[variant][batch]["speedup_p50"] = ratio(timings["p50_ms"],
                                                           result[batch]["interpreter"]["p50_ms"])
    return section


def cold_section(cold: dict[str, Any]) -> dict[str, Any]:
    ours, base = cold["ours"], cold["baseline"]
    cold["speedup"] = {
        "in_process": ratio(base["in_process_s"], ours["in_process_s"]),
        "spawn_to_answer": ratio(base["median_spawn_to_answer_s"], ours["median_spawn_to_answer_s"]),
        "imports": ratio(cold.get("baseline_imports", {}).get("total_s"), cold["ours_imports"]["total_s"]),
    }
    return cold


def cost_section(warm: dict[str, Any], cold: dict[str, Any], memory: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for name in COST_SCENARIOS:
        request_bytes = warm[name]["ours"]["request_bytes"]
        for who, cold_s, rss in (("ours", cold["ours"]["in_process_s"], memory["ours_peak_rss_mib"]),
                                 ("baseline", cold["baseline"]["in_process_s"], memory["baseline_peak_rss_mib"])):
            tables[f"{who}:{name}"] = cost.cost_table(duration_ms=warm[name][who]["p50_ms"], request_bytes=request_bytes,
                                                      cold_start_s=cold_s, peak_rss_mib=rss)
    advice = cost.recommend(tables[f"ours:{RECOMMEND_FOR}"], latency_goal_ms=LATENCY_GOAL_MS,
                            cold_start_s=cold["ours"]["in_process_s"], cold_goal_s=COLD_GOAL_S)
    assumptions = {
        "cpu_scaling": f"durations x max(1, {cost.FULL_VCPU_MB} / memory MB): CPU share grows with memory",
        "cold_start_fraction": cost.COLD_START_FRACTION, "memory_headroom": cost.MEMORY_HEADROOM,
        "arm64_durations": "assumed equal to x86 (not measured: no Graviton here)",
        "duration": "warm p50 measured here per request, rounded up to 1 ms after scaling",
    }
    return {"prices": cost.PRICES, "assumptions": assumptions, "tables": tables,
            "recommendation": {**advice, "for": RECOMMEND_FOR}}


def target(name: str, title: str, measured: float | None, limit: float, unit: str, *, at_least: bool = False
           ) -> dict[str, Any]:
    met = measured is not None and (measured >= limit if at_least else measured <= limit)
    record: dict[str, Any] = {"name": name, "title": title, "measured": measured, "limit": limit, "unit": unit,
                              "rule": ">=" if at_least else "<=", "met": met}
    if measured is not None and not met:
        record["missed_by"] = round(abs(measured - limit), 4)
        record["missed_by_factor"] = round(limit / measured if at_least else measured / limit, 2)
    return record


def targets(warm: dict[str, Any], cold: dict[str, Any], sizes: dict[str, Any]) -> list[dict[str, Any]]:
    speedups = [s["speedup"]["p50"] for s in warm.values() if s["speedup"]["p50"]]
    return [
        target("warm_p50_png28", "Warm p50 through the handler, 28x28 PNG (mnist)",
               warm["png28_mnist"]["ours"]["p50_ms"], 2.0, "ms"),
        target("warm_p50_jpeg_1mp", "Warm p50 through the handler, 1 MP JPEG (auto)",
               warm["jpeg_1mp_auto"]["ours"]["p50_ms"], 15.0, "ms"),
        target("speedup_vs_baseline", "Per-request speed-up vs the Keras baseline (smallest p50 ratio)",
               min(speedups) if speedups else None, 30.0, "x", at_least=True),
        target("cold_start", "Cold start: import + model load + first answer (median, in process)",
               cold["ours"]["in_process_s"], 0.6, "s"),
        target("package_unzipped", "Package unzipped", sizes["ours"]["unzipped_mib"], 100.0, "MiB"),
    ]


def build_report(meta: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], cold: dict[str, Any],
                 sizes: dict[str, Any]) -> dict[str, Any]:
    warm = warm_section(ours, theirs, meta["scenarios"])
    memory = {"ours_peak_rss_mib": ours["peak_rss_mib"], "baseline_peak_rss_mib": theirs["peak_rss_mib"],
              "ratio": ratio(theirs["peak_rss_mib"], ours["peak_rss_mib"]),
              "ours_model_load_s": round(ours["model_load_s"], 5)}
    sizes["ratio_unzipped"] = ratio(sizes["baseline"]["unzipped_mib"], sizes["ours"]["unzipped_mib"])
    cold = cold_section(cold)
    return {
        "meta": meta, "targets": targets(warm, cold, sizes), "warm": warm, "number": ours.get("number"),
        "model_only": model_section(ours, theirs), "profiles": ours["profiles"], "cold_start": cold, "package": sizes, "memory": memory,
        "cost": cost_section(warm, cold, memory),
    }


def write_outputs(report: dict[str, Any], out: Path) -> None:
    from bench.chart import draw
    from bench.markdown import render

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    draw(report, out / CHART)
    (out / "REPORT.md").write_text(render(report, CHART))
