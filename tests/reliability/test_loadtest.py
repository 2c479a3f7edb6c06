"""The bounded load test against the emulator on 127.0.0.1 (``make loadtest`` runs the long form)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from infra.loadtest import MIX, main, percentile, run_load, schedule

REQUESTS = 300
CONCURRENCY = 8
MAX_SECONDS = 240.0  # a bound, not a speed target: timings go to the report


@pytest.mark.slow
def test_emulator_bounded_mixed_load_has_no_errors(emulator_url, figures):
    summary = run_load(emulator_url, requests=REQUESTS, concurrency=CONCURRENCY, max_seconds=MAX_SECONDS)
    figures["load test (emulator)"] = {key: summary[key] for key in
                                       ("requests", "errors", "concurrency", "requests_per_s", "p50_ms", "p99_ms", "max_ms")}
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["requests"] == REQUESTS


def test_run_load_refuses_a_remote_url():
    with pytest.raises(SystemExit, match="only 127.0.0.1"):
        run_load("http://example.com", requests=1, concurrency=1)


def test_schedule_follows_the_mix_weights():
    total = sum(weight for _, weight in MIX)
    counts = Counter(request.kind for request in schedule(total * 10))
    assert counts == {kind: weight * 10 for kind, weight in MIX}


def test_schedule_interleaves_kinds():
    assert len({request.kind for request in schedule(10)}) >= 5


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([], 50) is None


@pytest.mark.slow
def test_loadtest_main_writes_its_summary_and_exits_zero(emulator_url, tmp_path, capsys):
    assert main(["--url", emulator_url, "--requests", "20", "--concurrency", "2", "--json", str(tmp_path / "s.json")]) == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["requests"] == 20 and summary["errors"] == 0
    assert "p99" in capsys.readouterr().out
