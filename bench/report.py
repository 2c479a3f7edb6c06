"""From the workers' measurements to ``report.json`` (every figure with its ratio to the baseline or to its
floor) and the targets; ``bench.markdown`` and ``bench.chart`` turn it into REPORT.md and bench.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import cost
from infra.package_report import MAX_UNZIPPED_BYTES
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
    arm64 = cost.arm64_estimate(tables[f"ours:{RECOMMEND_FOR}"], memory_mb=advice["memory_mb"])
    return {"prices": cost.PRICES, "assumptions": assumptions, "tables": tables,
            "recommendation": {**advice, "for": RECOMMEND_FOR}, "arm64": {**arm64, "for": RECOMMEND_FOR}}


def target(name: str, title: str, measured: float | None, limit: float, unit: str, *, at_least: bool = False,
           aim: float | None = None) -> dict[str, Any]:
    def meets(bound: float) -> bool:
        return measured is not None and (measured >= bound if at_least else measured <= bound)

    record: dict[str, Any] = {"name": name, "title": title, "measured": measured, "limit": limit, "unit": unit,
                              "rule": ">=" if at_least else "<=", "met": meets(limit), "aim": aim,
                              "aim_met": meets(aim) if aim is not None else None}
    if measured is not None and not record["met"]:
        record["missed_by"] = round(abs(measured - limit), 4)
        record["missed_by_factor"] = round(limit / measured if at_least else measured / limit, 2)
    return record


def photo_floors(warm: dict[str, Any]) -> dict[str, Any]:
    """Each photo's request p50 over its own reduced grey decode's p50, both from the same interleaved run:
    in wall time, and in this process's CPU time (what a busy machine does not inflate)."""
    floors = {}
    for name, row in warm.items():
        mine = row["ours"]
        if "decode_floor" in mine:
            request, floor = mine["cpu"]["request"]["p50_ms"], mine["cpu"]["decode_floor"]["p50_ms"]
            floors[name] = {"request_ms": mine["p50_ms"], "decode_floor_ms": mine["decode_floor"]["p50_ms"],
                            "ratio": ratio(mine["p50_ms"], mine["decode_floor"]["p50_ms"]),
                            "request_cpu_ms": request, "decode_floor_cpu_ms": floor, "cpu_ratio": ratio(request, floor)}
    return floors


def targets(warm: dict[str, Any], cold: dict[str, Any], sizes: dict[str, Any], floors: dict[str, Any]
            ) -> list[dict[str, Any]]:
    return [
        target("photo_1mp_vs_decode", "1 MP phone JPEG request / its reduced grey decode (p50, CPU time)",
               floors["jpeg_1mp_auto"]["cpu_ratio"], 3.0, "x", aim=2.0),
        target("photo_12mp_vs_decode", "12 MP JPEG request / its reduced grey decode (p50, CPU time)",
               floors["jpeg_12mp_auto"]["cpu_ratio"], 2.5, "x"),
        target("cold_start_vs_keras", "Cold start (import + model load + first answer) faster than Keras's",
               cold["speedup"]["in_process"], 7.0, "x", at_least=True, aim=12.0),
        target("png28_vs_keras", "28x28 PNG warm p50 faster than Keras's",
               warm["png28_mnist"]["speedup"]["p50"], 50.0, "x", at_least=True, aim=80.0),
        target("package_unzipped", "Package unzipped", sizes["ours"]["unzipped_mb"],
               MAX_UNZIPPED_BYTES / 1e6, "MB", aim=70.0),
    ]


def build_report(meta: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], cold: dict[str, Any],
                 sizes: dict[str, Any]) -> dict[str, Any]:
    warm = warm_section(ours, theirs, meta["scenarios"])
    memory = {"ours_peak_rss_mib": ours["peak_rss_mib"], "baseline_peak_rss_mib": theirs["peak_rss_mib"],
              "ratio": ratio(theirs["peak_rss_mib"], ours["peak_rss_mib"]),
              "ours_model_load_s": round(ours["model_load_s"], 5)}
    sizes["ratio_unzipped"] = ratio(sizes["baseline"]["unzipped_mib"], sizes["ours"]["unzipped_mib"])
    cold = cold_section(cold)
    floors = photo_floors(warm)
    return {
        "meta": meta, "targets": targets(warm, cold, sizes, floors), "warm": warm, "photo_floors": floors,
        "number": ours.get("number"), "web_layer": ours["web_layer"], "model_only": model_section(ours, theirs),
        "profiles": ours["profiles"], "cold_start": cold, "package": sizes, "memory": memory,
        "cost": cost_section(warm, cold, memory),
    }


def write_outputs(report: dict[str, Any], out: Path) -> None:
    from bench.chart import draw
    from bench.markdown import render

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    draw(report, out / CHART)
    (out / "REPORT.md").write_text(render(report, CHART))
