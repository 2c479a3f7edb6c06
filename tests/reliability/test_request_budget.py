"""Every hostile request within the per-request budget, measured in a fresh worker process: at most
450 MB peak RSS (the template's default function has 512 MB) and 2.5 CPU-seconds on one core here.

CPU time is recorded for every request (figures: "request budget"); it is asserted only when
ASSERT_CPU_BUDGET=1 (the project's tests assert no timings by default: this machine is shared).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.reliability.hostile_corpus import build_corpus
from tests.reliability.lambda_calls import EVENT_BUILDERS

PEAK_MB_BUDGET = 450
CPU_S_BUDGET = 2.5
CORPUS = build_corpus()


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, dict]:
    requests = []
    for item in CORPUS:
        body, headers = item.request()
        event = EVENT_BUILDERS["2.0"](item.method, item.path, body=body, headers=headers, query=item.query or None)
        requests.append({"name": item.name, "event": {**event, **item.event}})
    events = tmp_path_factory.mktemp("budget") / "events.json"
    events.write_text(json.dumps(requests))
    environment = {**os.environ, "FEEDBACK_DIR": str(events.parent / "feedback")}
    result = subprocess.run([sys.executable, "-m", "tests.reliability.budget_probe", str(events)], cwd=REPO_ROOT,
                            env=environment, check=True, capture_output=True, text=True, timeout=900)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"name"')]
    return {line["name"]: line for line in lines}


@pytest.fixture(scope="module", autouse=True)
def record_figures(measured, figures):
    worst_cpu = max(measured.values(), key=lambda m: m["cpu_s"])
    worst_peak = max(measured.values(), key=lambda m: m["peak_mb"])
    figures["request budget"] = {
        "requests": len(measured), "max_cpu_s": f"{worst_cpu['cpu_s']} ({worst_cpu['name']})",
        "max_peak_mb": f"{worst_peak['peak_mb']} ({worst_peak['name']})",
        "over_cpu_budget": [m["name"] for m in measured.values() if m["cpu_s"] > CPU_S_BUDGET],
    }


@pytest.mark.slow
@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_lambda_handler_hostile_request_within_memory_budget(item, measured):
    result = measured[item.name]
    assert result["status"] == item.status, result
    assert result["peak_mb"] <= PEAK_MB_BUDGET, result


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ASSERT_CPU_BUDGET") != "1", reason="timings asserted only with ASSERT_CPU_BUDGET=1")
@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_lambda_handler_hostile_request_within_cpu_budget(item, measured):
    assert measured[item.name]["cpu_s"] <= CPU_S_BUDGET, measured[item.name]
