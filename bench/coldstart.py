"""Cold starts: fresh processes timed from spawn to first answer, and ``-X importtime`` per dependency."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import median

IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")
STDLIB = "(python stdlib)"
TOP_DEPENDENCIES = 12
CHILD_TIMEOUT_S = 180
# What Powertools' Logger + Metrics import of their own (json, logging... the app imports anyway).
POWERTOOLS = ("aws_lambda_powertools", "jmespath")


@dataclass(frozen=True)
class Launch:
    """How to start one cold process: the command, its environment additions, its working folder."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path

    def run(self, *, extra_flags: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        argv = [self.argv[0], *extra_flags, *self.argv[1:]]
        return subprocess.run(argv, env={**os.environ, **self.env}, cwd=self.cwd, capture_output=True,
                              text=True, timeout=CHILD_TIMEOUT_S, check=False)


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_once(launch: Launch, result_path: Path) -> dict[str, Any]:
    """One fresh process: wall time from spawn to its first answer, its CPU time, its own split."""
    cpu_before, spawned = children_cpu_s(), time.time()
    completed = launch.run()
    if completed.returncode != 0 or not result_path.is_file():
        raise RuntimeError(f"cold start failed ({completed.returncode}): {completed.stderr[-2000:]}")
    result = json.loads(result_path.read_text())
    result_path.unlink()
    result.update(spawn_to_answer_s=result["done_epoch"] - spawned,
                  interpreter_start_s=result["started_epoch"] - spawned,
                  process_cpu_s=children_cpu_s() - cpu_before)
    return result


def cold_runs(launch: Launch, result_path: Path, runs: int) -> dict[str, Any]:
    """``runs`` cold starts; medians of every timing, and the raw runs."""
    results = [cold_once(launch, result_path) for _ in range(runs)]
    keys = [k for k, v in results[0].items() if k.endswith("_s") and isinstance(v, float)]
    summary: dict[str, Any] = {f"median_{k}": round(median([r[k] for r in results]), 4) for k in keys}
    summary["in_process_s"] = round(median(
        [r["import_s"] + r.get("load_s", 0.0) + r["first_request_s"] for r in results]), 4)
    summary["runs"] = [{k: round(r[k], 4) for k in keys} for r in results]
    summary["last"] = {k: v for k, v in results[-1].items() if not k.endswith("_s") and k != "modules"}
    summary["modules"] = results[-1].get("modules")
    return summary


def package_of(module: str) -> str:
    root = module.split(".")[0]
    return STDLIB if root in sys.stdlib_module_names or root.startswith("_") else root


def import_times(stderr: str) -> dict[str, float]:
    """``-X importtime`` output -> seconds of *self* import time per top-level package (they add up)."""
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if match:
            package = package_of(match.group(4))
            totals[package] = totals.get(package, 0.0) + int(match.group(1)) / 1e6
    return totals


def importtime_runs(launch: Launch, result_path: Path, runs: int) -> dict[str, Any]:
    """Median self import time per dependency over ``runs`` fresh processes, biggest first."""
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        completed = launch.run(extra_flags=["-X", "importtime"])
        if completed.returncode != 0:
            raise RuntimeError(f"importtime run failed: {completed.stderr[-2000:]}")
        result_path.unlink(missing_ok=True)
        samples.append(import_times(completed.stderr))
    packages = {name for sample in samples for name in sample}
    medians = {name: median([s.get(name, 0.0) for s in samples]) for name in packages}
    ranked = sorted(medians.items(), key=lambda item: -item[1])
    top = [{"package": n, "s": round(s, 4)} for n, s in ranked[:TOP_DEPENDENCIES]]
    rest = sum(s for _, s in ranked[TOP_DEPENDENCIES:])
    return {"total_s": round(sum(medians.values()), 4), "top": top, "others_s": round(rest, 4),
            "named": {name: round(medians.get(name, 0.0), 4) for name in POWERTOOLS}}


def without_packages(cold: dict[str, Any], imports: dict[str, Any], packages: Sequence[str]) -> dict[str, Any]:
    """The cold start with and without ``packages``: their median self import time taken off."""
    share = sum(imports["named"].get(name, 0.0) for name in packages)
    return {"packages": list(packages), "import_s": round(share, 4), "with_s": cold["in_process_s"],
            "without_s": round(cold["in_process_s"] - share, 4)}


def scratch_file(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"bench-{os.getpid()}-{name}"
