"""`make bench`: the quick mode as a smoke test of the script (a well-formed report, not speeds), and the
pure pieces it computes with."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import cost, package
from bench.coldstart import POWERTOOLS, STDLIB, import_times, without_packages
from bench.stats import MIN_SAMPLES, Budget, summarize, time_calls, time_interleaved
from tests.conftest import MNIST_PATH, REPO_ROOT, SHIPPED_MODEL

SCENARIOS = {"png28_mnist", "jpeg_1mp_auto", "jpeg_12mp_auto", "batch16_mnist"}
TARGETS = {"photo_1mp_vs_decode", "photo_12mp_vs_decode", "cold_start_vs_keras", "png28_vs_keras", "package_unzipped"}
QUICK_TIMEOUT_S = 600


def build_folder_like(folder: Path) -> None:
    """What ``sam build`` lays out, made in seconds: the handler and model copied, the runtime
    dependencies linked file by file from this virtualenv (so they count as no bytes in its size)."""
    shutil.copytree(REPO_ROOT / "handler", folder / "handler", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "model" / "artifacts").mkdir(parents=True)
    shutil.copy2(SHIPPED_MODEL, folder / "model" / "artifacts" / SHIPPED_MODEL.name)
    site = Path(np.__file__).parent.parent
    for path in package.distribution_files(package.closure(package.requirement_lines(REPO_ROOT / "requirements.txt"))):
        link = folder / path.relative_to(site)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make build && make bench-quick`` as the Makefile runs it: every path relative to the caller's
    folder, and a build folder, inside which the workers run (a tiny baseline is trained in the cache)."""
    work = tmp_path_factory.mktemp("bench")
    build_folder_like(work / "build" / "DigitFunction")
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", "out", "--cache", "out/cache",
         "--data", os.path.relpath(MNIST_PATH, work), "--build-dir", "build/DigitFunction"],
        cwd=work, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=QUICK_TIMEOUT_S, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return work / "out"


@pytest.fixture(scope="module")
def report(quick_run: Path) -> dict:
    return json.loads((quick_run / "report.json").read_text())


@pytest.mark.slow
def test_run_quick_writes_report_markdown_and_chart(quick_run: Path) -> None:
    assert (quick_run / "report.json").is_file()
    assert (quick_run / "REPORT.md").read_text().startswith("# Benchmark")
    assert (quick_run / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_run_quick_measures_every_request_kind_on_both_sides(report: dict) -> None:
    assert set(report["warm"]) == SCENARIOS
    for row in report["warm"].values():
        for side in (row["ours"], row["baseline"]):
            assert side["n"] >= MIN_SAMPLES
            assert 0 < side["p50_ms"] <= side["p90_ms"] <= side["p99_ms"]


@pytest.mark.slow
def test_run_quick_gives_every_warm_figure_as_a_ratio_to_the_baseline(report: dict) -> None:
    for row in report["warm"].values():
        expected = row["baseline"]["p50_ms"] / row["ours"]["p50_ms"]
        assert row["speedup"]["p50"] == pytest.approx(expected, rel=0.01)


@pytest.mark.slow
def test_run_quick_measures_both_model_variants_at_batch_1_and_32(report: dict) -> None:
    variants = {k for k in report["model_only"] if k != "baseline_keras_predict"}
    assert variants == {"float32", "int8"}
    for variant in variants:
        for batch in ("batch1", "batch32"):
            assert report["model_only"][variant][batch]["interpreter"]["p50_ms"] > 0
            assert report["model_only"][variant][batch]["speedup_p50"] > 0


@pytest.mark.slow
def test_run_quick_times_cold_starts_and_imports(report: dict) -> None:
    cold = report["cold_start"]
    for side in ("ours", "baseline"):
        assert cold[side]["in_process_s"] > 0
        assert cold[side]["last"]["status" if side == "ours" else "digits"]
    assert cold["ours_imports"]["top"][0]["s"] > 0
    assert cold["speedup"]["in_process"] > 0
    assert 0 < cold["powertools"]["import_s"] and cold["powertools"]["without_s"] < cold["powertools"]["with_s"]


def test_without_packages_takes_their_import_time_off() -> None:
    imports = {"named": {"aws_lambda_powertools": 0.02, "jmespath": 0.005}}
    result = without_packages({"in_process_s": 0.5}, imports, POWERTOOLS)
    assert (result["import_s"], result["with_s"], result["without_s"]) == (0.025, 0.5, 0.475)


@pytest.mark.slow
def test_run_quick_measures_the_build_folder_when_there_is_one(report: dict) -> None:
    assert report["meta"]["code_source"].startswith("sam build folder /")
    assert report["package"]["ours"]["estimate"] is False


@pytest.mark.slow
def test_run_quick_profiles_name_functions_without_line_numbers(report: dict) -> None:
    """Line numbers would be stale in the committed report after the next edit of the module."""
    rows = [row["function"] for profile in report["profiles"].values() for row in profile["functions"]]
    assert rows and all(re.fullmatch(r"handler/\w+\.py \S+", name) for name in rows), rows


@pytest.mark.slow
def test_run_quick_sizes_the_package_and_memory(report: dict) -> None:
    assert 0 < report["package"]["ours"]["unzipped_mib"] < report["package"]["baseline"]["unzipped_mib"]
    assert report["memory"]["ours_peak_rss_mib"] > 0
    assert report["memory"]["baseline_peak_rss_mib"] > 0


@pytest.mark.slow
def test_run_quick_prices_every_memory_size_and_architecture(report: dict) -> None:
    table = report["cost"]["tables"]["ours:jpeg_1mp_auto"]
    assert {(r["memory_mb"], r["arch"]) for r in table} == {
        (m, a) for m in cost.MEMORY_SIZES_MB for a in cost.ARCHITECTURES}
    assert report["cost"]["recommendation"]["memory_mb"] in cost.MEMORY_SIZES_MB
    assert report["cost"]["prices"]["read_on"]


@pytest.mark.slow
def test_run_quick_puts_each_photo_beside_its_decode_floor(report: dict) -> None:
    assert set(report["photo_floors"]) == {"jpeg_1mp_auto", "jpeg_12mp_auto"}
    for row in report["photo_floors"].values():
        assert row["decode_floor_ms"] > 0 and row["decode_floor_cpu_ms"] > 0
        assert row["cpu_ratio"] == pytest.approx(row["request_cpu_ms"] / row["decode_floor_cpu_ms"], rel=0.01)


@pytest.mark.slow
def test_run_quick_states_every_target(quick_run: Path, report: dict) -> None:
    assert {t["name"] for t in report["targets"]} == TARGETS
    markdown = (quick_run / "REPORT.md").read_text()
    for item in report["targets"]:
        assert item["title"] in markdown
        assert ("missed_by" in item) == (not item["met"])


def test_summarize_orders_percentiles_and_divides_per_image() -> None:
    seconds = [0.001 * (i + 1) for i in range(100)]
    whole, per_image = summarize(seconds), summarize(seconds, per=4)
    assert whole["p50_ms"] <= whole["p90_ms"] <= whole["p99_ms"] <= max(seconds) * 1000
    assert per_image["p50_ms"] == pytest.approx(whole["p50_ms"] / 4)
    assert whole["n"] == len(seconds)


def test_time_calls_stops_at_the_sample_count() -> None:
    calls = []
    timings = time_calls(lambda: calls.append(1), Budget(samples=7, seconds=60.0, warmup=2))
    assert len(timings) == 7
    assert len(calls) == 7 + 2


def test_time_interleaved_takes_the_calls_in_turns_in_wall_and_cpu_time() -> None:
    order: list[str] = []
    taken = time_interleaved({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
                             Budget(samples=6, seconds=60.0, warmup=1))
    assert order == ["a", "b"] * 7
    assert all(len(taken[clock][name]) == 6 for clock in ("wall", "cpu") for name in "ab")


def test_import_times_sums_self_time_per_top_level_package() -> None:
    stderr = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:       300 |        300 |     numpy._core",
        "import time:       200 |        500 |   numpy",
        "import time:        50 |         50 |   json",
        "import time:      1000 |       1550 | handler.app",
    ])
    totals = import_times(stderr)
    assert totals == pytest.approx({"numpy": (300 + 200) / 1e6, STDLIB: 50 / 1e6, "handler": 1000 / 1e6})


def test_per_million_scales_duration_with_the_cpu_share_of_memory() -> None:
    row = cost.per_million(duration_ms=10.0, memory_mb=128, arch="x86_64", request_bytes=1000, cold_start_s=None)
    assert row["modelled_ms"] == pytest.approx(10.0 * cost.FULL_VCPU_MB / 128, rel=1e-3)
    full = cost.per_million(duration_ms=10.0, memory_mb=2048, arch="x86_64", request_bytes=1000, cold_start_s=None)
    assert full["modelled_ms"] == pytest.approx(10.0)


def test_per_million_meters_http_api_in_512_kb_steps() -> None:
    step = cost.PRICES["http_api_metering_bytes"]
    small = cost.per_million(duration_ms=1.0, memory_mb=1024, arch="arm64", request_bytes=step, cold_start_s=None)
    large = cost.per_million(duration_ms=1.0, memory_mb=1024, arch="arm64", request_bytes=step + 1, cold_start_s=None)
    assert large["http_api_usd"] == pytest.approx(2 * small["http_api_usd"])


def test_per_million_bills_a_share_of_cold_starts() -> None:
    warm_only = cost.per_million(duration_ms=5.0, memory_mb=512, arch="x86_64", request_bytes=1, cold_start_s=None)
    with_init = cost.per_million(duration_ms=5.0, memory_mb=512, arch="x86_64", request_bytes=1, cold_start_s=0.5)
    expected = 1e6 * cost.COLD_START_FRACTION * 0.5 * 0.5 * cost.cpu_scale(512) * cost.PRICES["lambda_gb_second_usd"]["x86_64"]
    assert with_init["total_usd"] - warm_only["total_usd"] == pytest.approx(expected, abs=1e-3)


def test_recommend_skips_memory_sizes_the_worker_does_not_fit() -> None:
    rows = cost.cost_table(duration_ms=2.0, request_bytes=1000, cold_start_s=0.1, peak_rss_mib=300.0)
    advice = cost.recommend(rows, latency_goal_ms=math.inf, cold_start_s=0.1, cold_goal_s=math.inf)
    assert advice["memory_mb"] * 1.0 >= 300.0 * cost.MEMORY_HEADROOM


def test_parse_args_resolves_relative_paths_against_the_callers_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers run inside the build folder, so a relative path (the Makefile's) must not reach them."""
    from bench.run import parse_args

    monkeypatch.chdir(tmp_path)
    args = parse_args(["--cache", "test-output/bench/cache", "--out", "test-output/bench", "--build-dir", "build",
                       "--data", "mnist.npz", "--models", "models"])
    assert args.cache == tmp_path / "test-output" / "bench" / "cache"
    assert all(getattr(args, name).is_absolute() for name in ("out", "build_dir", "data", "models"))


def test_arm64_estimate_bills_x86_latency_at_arm64_price() -> None:
    rows = cost.cost_table(duration_ms=12.0, request_bytes=1000, cold_start_s=0.4, peak_rss_mib=100.0)
    estimate = cost.arm64_estimate(rows, memory_mb=1024)
    x86 = next(r for r in rows if r["memory_mb"] == 1024 and r["arch"] == "x86_64")
    assert estimate["x86_64_usd"] == x86["total_usd"] and estimate["duration_ms"] == x86["modelled_ms"]
    assert 0 < estimate["saving"] < 0.2  # only the compute share gets the 20% lower price
    assert "unmeasured" in estimate["latency"]


def test_run_quick_reports_arm64_cost_with_its_caveat(quick_run: Path) -> None:
    text = (quick_run / "REPORT.md").read_text()
    assert "arm64 (`make build ARCH=arm64`)" in text and "arm64 latency is unmeasured" in text
