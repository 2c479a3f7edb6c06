"""`make bench`: measure the service against the original Keras app in one run, write the report.

    python -m bench.run                      # full run (a few minutes): bench/report.json, REPORT.md, bench.png
    python -m bench.run --quick --out DIR    # smoke run (CI): same report, few samples, tiny baseline
    python -m bench.run --build-dir .aws-sam/build/DigitFunction   # cold start + size from a sam build
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bench import coldstart, package
from bench.coldstart import Launch
from bench.inputs import read_manifest, write_inputs, write_number_input
from bench.report import build_report, write_outputs

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BUILD = REPO / ".aws-sam" / "build" / "DigitFunction"
COLD_SCENARIO = "jpeg_1mp_auto"  # the first request of a cold start: a phone photo
FULL_APP = "the same request through Mangum + FastAPI (no direct lane)"
BASELINE_REQUIREMENTS = ["tensorflow-cpu", "keras", "pillow", "numpy"]
REPORTED_PACKAGES = ("ai-edge-litert", "fastapi", "mangum", "numpy", "pillow", "tensorflow-cpu", "keras")
WORKER_TIMEOUT_S = 600
QUIET_POLL_S = 10


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure: the full run, or the quick smoke run."""

    name: str
    scale: float
    cold_runs: int
    importtime_runs: int
    baseline_cold_runs: int
    baseline_importtime_runs: int
    baseline_epochs: int
    baseline_limit: int | None
    zip_estimate: bool
    pyc_experiment: bool


FULL = Plan("full", 1.0, 7, 3, 3, 1, 5, None, True, True)
QUICK = Plan("quick", 0.02, 2, 1, 1, 0, 1, 3000, False, False)


def absolute_path(text: str) -> Path:
    """Every path argument, resolved against the caller's working directory once: the workers run
    inside the build folder, where the Makefile's relative ``--cache test-output/...`` means nothing."""
    return Path(text).resolve()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few samples and a tiny baseline: checks the script")
    parser.add_argument("--build-dir", type=absolute_path, default=DEFAULT_BUILD,
                        help="sam build output to measure cold start and size from (else the repo)")
    parser.add_argument("--models", type=absolute_path, default=REPO / "model" / "artifacts",
                        help="folder with mnist_cnn.tflite and mnist_cnn_{float32,int8}.tflite")
    parser.add_argument("--data", type=absolute_path, default=REPO.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--cache", type=absolute_path, default=REPO / "bench" / ".cache",
                        help="baseline model and generated uploads (ignored by git, never shipped)")
    parser.add_argument("--out", type=absolute_path, default=REPO / "bench", help="where report.json, REPORT.md go")
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to this long for the 1-minute load average to drop below half the cores")
    return parser.parse_args(argv)


def wait_for_quiet(seconds: float) -> None:
    """On a shared machine, start when others are quiet (the report records the load either way)."""
    deadline, limit = time.monotonic() + seconds, (os.cpu_count() or 1) / 2
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(QUIET_POLL_S)


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    versions = {}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions}


def run_module(module: str, args: list[str], *, env: dict[str, str] | None = None, cwd: Path = REPO) -> None:
    """``python -m module args`` (``-m`` puts ``cwd`` first on the path); its stdout (the service's logs)
    is dropped."""
    completed = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               timeout=WORKER_TIMEOUT_S, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{module} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")


def ensure_baseline(cache: Path, data: Path, plan: Plan) -> Path:
    """The baseline MLP, trained once per recipe and cached (a quick run never reuses a full model)."""
    tag = f"e{plan.baseline_epochs}" + (f"_n{plan.baseline_limit}" if plan.baseline_limit else "")
    model = cache / "baseline" / f"mlp_{tag}.keras"
    if not model.is_file():
        print(f"training the baseline MLP ({tag}) with TensorFlow, once...", flush=True)
        limit = ["--limit", str(plan.baseline_limit)] if plan.baseline_limit else []
        run_module("bench.baseline", ["train", "--out", str(model), "--data", str(data),
                                      "--epochs", str(plan.baseline_epochs), *limit])
    return model


def code_location(build_dir: Path, models: Path) -> tuple[Path, bool, dict[str, str]]:
    """Where the service's code is imported from, whether that is a build folder, and MODEL_PATH if needed."""
    is_build = (build_dir / "handler" / "lambda_function.py").is_file()
    root = build_dir if is_build else REPO
    default_model = root / "model" / "artifacts" / "mnist_cnn.tflite"
    wanted = models / "mnist_cnn.tflite"
    use_default = default_model.is_file() and (is_build or default_model.resolve() == wanted.resolve())
    return root, is_build, {} if use_default else {"MODEL_PATH": str(wanted)}


def run_workers(root: Path, model_env: dict[str, str], inputs: Path, models: Path, baseline_model: Path,
                plan: Plan, scratch: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    ours, theirs = scratch / "ours.json", scratch / "baseline.json"
    print("warm: our handler...", flush=True)
    run_module("bench.handler_worker", ["--inputs", str(inputs), "--models", str(models),
                                        "--scale", str(plan.scale), "--out", str(ours)],
               env={"PYTHONPATH": f"{root}{os.pathsep}{REPO}", **model_env}, cwd=root)
    print("warm: the Keras baseline...", flush=True)
    run_module("bench.baseline", ["warm", "--model", str(baseline_model), "--inputs", str(inputs),
                                  "--scale", str(plan.scale), "--out", str(theirs)])
    return json.loads(ours.read_text()), json.loads(theirs.read_text())


def our_launch(root: Path, is_build: bool, model_env: dict[str, str], event: Path, result: Path,
               extra_env: dict[str, str] | None = None, *, full_app: bool = False) -> Launch:
    # -S: from a build folder only what Lambda would have (the folder + the standard library).
    flags = ["-S"] if is_build else []
    entry = ["full-app"] if full_app else []
    return Launch([sys.executable, *flags, str(REPO / "bench" / "cold_child.py"), str(event), str(result), *entry],
                  {"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1", **model_env, **(extra_env or {})}, root)


def cold_starts(root: Path, is_build: bool, model_env: dict[str, str], inputs: Path, baseline_model: Path,
                plan: Plan, scratch: Path) -> dict[str, Any]:
    from bench.handler_worker import scenario_event

    scenario = next(s for s in read_manifest(inputs) if s.name == COLD_SCENARIO)
    event, result = scratch / "event.json", scratch / "cold.json"
    event.write_text(json.dumps(scenario_event(inputs, scenario)))
    print("cold start: ours...", flush=True)
    ours = our_launch(root, is_build, model_env, event, result)
    cold: dict[str, Any] = {"request": scenario.title, "ours": coldstart.cold_runs(ours, result, plan.cold_runs)}
    cold["ours_imports"] = coldstart.importtime_runs(ours, result, plan.importtime_runs)
    cold["powertools"] = coldstart.without_packages(cold["ours"], cold["ours_imports"], coldstart.POWERTOOLS)
    # handler/__init__.py asks numpy's OpenBLAS for one thread; this is the default it replaced.
    threads = str(os.cpu_count() or 1)
    before = our_launch(root, is_build, model_env, event, result, {"OPENBLAS_NUM_THREADS": threads})
    cold["experiments"] = {f"OPENBLAS_NUM_THREADS={threads} (numpy's default, before the fix)":
                           coldstart.cold_runs(before, result, plan.cold_runs)}
    print("cold start: ours through Mangum + FastAPI...", flush=True)
    through_app = our_launch(root, is_build, model_env, event, result, full_app=True)
    cold["experiments"][FULL_APP] = coldstart.cold_runs(through_app, result, plan.cold_runs)
    cold["full_app_imports"] = coldstart.importtime_runs(through_app, result, plan.importtime_runs)
    print("cold start: the Keras baseline...", flush=True)
    image = inputs / scenario.files[0]
    theirs = Launch([sys.executable, "-m", "bench.baseline", "cold", "--model", str(baseline_model),
                     "--image", str(image), "--out", str(result)], {"PYTHONPATH": str(REPO)}, REPO)
    cold["baseline"] = coldstart.cold_runs(theirs, result, plan.baseline_cold_runs)
    if plan.baseline_importtime_runs:
        cold["baseline_imports"] = coldstart.importtime_runs(theirs, result, plan.baseline_importtime_runs)
    return cold


def pyc_experiment(root: Path, model_env: dict[str, str], event: Path, result: Path, runs: int,
                   *, compiled: bool) -> dict[str, Any]:
    """Cold start from a copy of the build folder with the other ``.pyc`` choice: compiled when sam
    shipped none, stripped of them when the build precompiled."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "build"
        shutil.copytree(root, copy, symlinks=True)
        if compiled:
            for cache in list(copy.rglob("__pycache__")):
                shutil.rmtree(cache)
        else:
            subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(copy)], check=False,
                           stdout=subprocess.DEVNULL)
        return coldstart.cold_runs(our_launch(copy, True, model_env, event, result), result, runs)


def packages(root: Path, is_build: bool, shipped_model: Path, mapped: list[str], plan: Plan) -> dict[str, Any]:
    print("package size...", flush=True)
    if is_build:
        ours = package.measure_folder(root, mapped)
    else:
        code = {p: "handler" for p in (REPO / "handler").rglob("*.py")}
        ours = package.estimate(package.requirement_lines(REPO / "requirements.txt"),
                                {**code, shipped_model: "model"}, mapped, zipped=plan.zip_estimate)
    baseline = package.estimate(BASELINE_REQUIREMENTS, {}, [], zipped=False)
    baseline.pop("unmapped_native")
    return {"ours": ours, "baseline": baseline}


def model_identity(shipped: Path, models: Path) -> dict[str, Any]:
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
    variant = next((p.stem.removeprefix("mnist_cnn_") for p in sorted(models.glob("mnist_cnn_*.tflite"))
                    if hashlib.sha256(p.read_bytes()).hexdigest() == digest), "unknown")
    return {"path": str(shipped), "sha256_12": digest[:12], "variant": variant, "bytes": shipped.stat().st_size}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    wait_for_quiet(args.quiet_wait)
    started, load_before = time.perf_counter(), os.getloadavg()
    with np.load(args.data) as mnist:
        scenarios = write_inputs(args.cache / "inputs", mnist["x_train"], mnist["y_train"])
        write_number_input(args.cache / "inputs", mnist["x_train"], mnist["y_train"])
    inputs = args.cache / "inputs"
    baseline_model = ensure_baseline(args.cache, args.data, plan)
    root, is_build, model_env = code_location(args.build_dir, args.models)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch_name:
        scratch = Path(scratch_name)
        ours, theirs = run_workers(root, model_env, inputs, args.models, baseline_model, plan, scratch)
        cold = cold_starts(root, is_build, model_env, inputs, baseline_model, plan, scratch)
        sizes = packages(root, is_build, Path(ours["shipped_model"]), ours.pop("mapped_files"), plan)
        if plan.pyc_experiment and is_build:
            compiled = sizes["ours"]["pyc_files"] > 0
            label = "the build folder without its .pyc" if compiled else "the build folder + compileall (.pyc)"
            print(f"cold start: {label}...", flush=True)
            cold["experiments"][label] = pyc_experiment(root, model_env, scratch / "event.json",
                                                        scratch / "cold.json", plan.cold_runs, compiled=compiled)
    meta = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "mode": plan.name,
        "machine": machine(), "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "code_source": f"sam build folder {root}" if is_build else (
            f"repository {root} with the venv's packages (no build folder at {args.build_dir}); their `.pyc` "
            "caches exist, as in a precompiled build"),
        "model": model_identity(Path(ours["shipped_model"]), args.models),
        "baseline_model": json.loads(baseline_model.with_suffix(".json").read_text()),
        "scenarios": {s.name: s.title for s in scenarios},
        "duration_s": round(time.perf_counter() - started, 1),
    }
    report = build_report(meta, ours, theirs, cold, sizes)
    write_outputs(report, args.out)
    print(f"wrote {args.out / 'report.json'}, REPORT.md and bench.png in {meta['duration_s']} s")


if __name__ == "__main__":
    main()
