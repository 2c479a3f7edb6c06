"""10,000 warm invocations in one fresh worker process: peak memory growth under 20 MB (no leak)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

INVOCATIONS = 10_000
MAX_GROWTH_MB = 20.0
EXPECTED = {"batch-2": 200, "blank-422": 422, "health": 200, "predict": 200, "predict-explain": 200,
            "predict-mnist": 200, "text-415": 415, "truncated-400": 400}


@pytest.fixture(scope="module")
def soak(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("soak") / "soak.json"
    subprocess.run(  # a fresh process: the pytest process's earlier peaks would hide growth
        [sys.executable, "-m", "tests.reliability.memory_soak", "--invocations", str(INVOCATIONS), "--out", str(out)],
        cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, timeout=600,
    )
    return json.loads(out.read_text())


@pytest.mark.slow
def test_lambda_handler_warm_invocations_do_not_grow_memory(soak, figures):
    figures["memory soak"] = {key: soak[key] for key in ("invocations", "baseline_rss_mb", "final_rss_mb",
                                                         "peak_growth_mb", "ms_per_invocation")}
    assert sum(soak["statuses"].values()) == INVOCATIONS
    assert soak["peak_growth_mb"] < MAX_GROWTH_MB


@pytest.mark.slow
def test_lambda_handler_warm_invocations_keep_their_answers(soak):
    # Each kind of request got one and the same status all 10,000 times: nothing degrades or fails.
    assert set(soak["statuses"]) == {f"{name}:{status}" for name, status in EXPECTED.items()}
