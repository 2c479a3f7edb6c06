"""The lean Lambda package: requirements.txt's wheels for the runtime, the app, the model, precompiled.

`sam build` runs it through the Makefile's ``build-DigitFunction`` target (``BuildMethod: makefile``),
from the small ``.venv-build`` (requirements-build.txt: the build's own tools, never the app's)::

    .venv-build/bin/python -m infra.build --out .aws-sam/build/DigitFunction   # CPU: the one sam builds for

It installs Linux wheels for python3.13 and the target CPU (no container needed) at the versions the tests
ran (requirements.txt + constraints-lambda.txt), drops what the function never loads, compiles every
module to ``.pyc`` and refuses a package over the size limit, built for another CPU, or needing a newer
glibc or libstdc++ than the runtime's.
"""

from __future__ import annotations

import argparse
import compileall
import py_compile
import shutil
import subprocess
import sys
import tempfile
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from infra.elf_strip import strip_file
from infra.package_report import check_package, render_report

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PYTHON = (3, 13)  # template.yaml Runtime: python3.13; .pyc files are tied to this version
# Wheels for glibc <= 2.34 (Amazon Linux 2023, the python3.13 runtime), newest tag first.
MANYLINUX_TAGS = [f"manylinux_2_{minor}" for minor in range(34, 16, -1)] + ["manylinux2014"]
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
FUNCTION_ID = "DigitFunction"  # template.yaml's logical id: ARTIFACTS_DIR ends with it
REQUIREMENTS = REPO_ROOT / "requirements.txt"
CONSTRAINTS = REPO_ROOT / "constraints-lambda.txt"  # the transitive pins, as the tests ran them

# The app: its code and the model files it reads (never model/*.py, the training code).
APP_TREES = ("handler",)
MODEL_FILE = "model/artifacts/mnist_cnn.tflite"  # where handler.config looks for it by default
METRICS_FILE = "model/metrics.json"  # optional: /model answers the test accuracy from it
# Dependencies of ai-edge-litert that its Interpreter never imports (protobuf, flatbuffers... serve
# its converter and tools). The build test runs a full inference without them.
UNUSED_DISTRIBUTIONS = ("protobuf", "flatbuffers", "ml-dtypes", "tqdm", "backports-strenum")
# Of ai_edge_litert, only the TFLite interpreter is used: 27 MB instead of 59 (no WebGPU
# accelerator, NPU vendors, AOT compiler, converter or tools).
# libLiteRt.so (8 MB) serves the CompiledModel API: the interpreter wrapper does not link it, and the
# package's __init__ loads it only if present (the build test runs a full inference without it).
LITERT_KEEP = frozenset({
    "__init__.py", "interpreter.py", "metrics_interface.py", "metrics_portable.py",
    "_pywrap_litert_interpreter_wrapper.so", "libpywrap_litert_common.so",
})
# Where tracebacks say the code is: Lambda unzips the package in /var/task.
TASK_ROOT = "/var/task"
# The app's own modules keep their sources (readable tracebacks); the libraries ship compiled only.
SOURCE_TREES = frozenset(APP_TREES)
# Never loaded at run time: tests, type stubs, C headers, build helpers, console scripts.
PRUNE_DIRS = ("tests", "f2py", "_pyinstaller", "include", "__pycache__")
PRUNE_PATTERNS = ("*.pyi", "*.pxd", "*.h", "*.c", "*.pc", "py.typed", "*.a")
# Parts of packages the app never imports (measured: not loaded by any route; the build test proves it):
PRUNE_GLOBS = (
    "bin",
    # numpy: test-only extension modules, and subpackages numpy imports on first use, which no route
    # makes (numpy.ma is used, by np.median)
    "numpy/_core/lib", "numpy/_core/_simd.*.so", "numpy/_core/_*_tests.*.so", "numpy/testing",
    "numpy/random", "numpy/fft", "numpy/polynomial",
    # Pillow: formats and features that decode.py never uses (AVIF, fonts, colour management, Tk)
    "PIL/_avif.*.so", "pillow.libs/libavif-*", "PIL/_imagingft.*.so", "pillow.libs/libfreetype-*",
    "pillow.libs/libharfbuzz-*", "pillow.libs/libbrotli*", "PIL/_imagingcms.*.so", "pillow.libs/liblcms2-*",
    "PIL/_imagingtk.*.so",
    # pydantic: the v1 compatibility copy (FastAPI's probe for it treats ImportError as "no v1 models")
    "pydantic/v1",
    # Powertools: only Logger and Metrics (EMF) are used, which load logging/, metrics/, shared/, tracing/
    # and utilities/jmespath_utils; its event handler, Datadog provider and other utilities are 4.8 of 5.7 MB
    "aws_lambda_powertools/event_handler", "aws_lambda_powertools/middleware_factory",
    "aws_lambda_powertools/metrics/provider/datadog", "aws_lambda_powertools/utilities/[!_jt]*",
)

def target_environment(machine: str) -> dict[str, str]:
    """PEP 508 marker values of the Lambda runtime for ``machine`` (python3.13 on Amazon Linux 2023)."""
    version = ".".join(map(str, RUNTIME_PYTHON))
    return {"platform_machine": machine, "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
            "python_version": version, "python_full_version": f"{version}.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "extra": ""}


def requirements_for(machine: str, path: Path = REQUIREMENTS) -> list[str]:
    """requirements.txt's lines that apply on ``machine``, markers dropped.

    pip evaluates markers for the machine it runs on even with ``--platform``, so an arm64 build on x86_64
    would get the x86_64 pins: the build decides them for the target itself.
    """
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    requirements = [Requirement(line) for line in lines if line and not line.startswith("-")]
    environment = target_environment(machine)
    return [str(Requirement(f"{r.name}{r.specifier}")) for r in requirements
            if r.marker is None or r.marker.evaluate(environment)]


def install_requirements(target: Path, arch: str) -> None:
    """pip-install the requirements for ``arch`` as Linux wheels for the runtime, pinned as the tests ran."""
    machine = MACHINES[arch]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as resolved:
        resolved.write("".join(f"{line}\n" for line in requirements_for(machine)))
    platforms = [arg for tag in MANYLINUX_TAGS for arg in ("--platform", f"{tag}_{machine}")]
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", str(target), "--only-binary=:all:", "--implementation", "cp",
        "--python-version", ".".join(map(str, RUNTIME_PYTHON)), *platforms,
        "-r", resolved.name, "-c", str(CONSTRAINTS),
    ]
    try:
        subprocess.run(command, check=True)
    finally:
        Path(resolved.name).unlink()


def sam_architecture(out: Path) -> str | None:
    """The CPU `sam build` builds ``out`` for, from the build graph it writes before calling make.

    SAM passes make no architecture (aws-sam-cli issue #3349), so a plain ``sam build --parameter-overrides
    Architecture=arm64`` is only visible in ``.aws-sam/build.toml`` (beside the build folder).
    """
    graph = out.parent.parent / "build.toml"
    if out.name != FUNCTION_ID or not graph.is_file():
        return None
    definitions = tomllib.loads(graph.read_text()).get("function_build_definitions", {}).values()
    found = {d.get("architecture") for d in definitions if FUNCTION_ID in d.get("functions", [])}
    return found.pop() if len(found) == 1 else None


def choose_architecture(out: Path, requested: str | None) -> str:
    """``requested`` (ARCH=...) or what sam builds for; a disagreement between the two is an error."""
    from_sam = sam_architecture(out)
    if requested and from_sam and requested != from_sam:
        raise SystemExit(f"build: ARCH={requested} but sam builds for {from_sam} (--parameter-overrides "
                         f"Architecture=...): use the same for both")
    arch = requested or from_sam or "x86_64"
    if arch not in MACHINES:
        raise SystemExit(f"build: unknown architecture {arch!r} (one of {', '.join(sorted(MACHINES))})")
    return arch


def copy_app(target: Path, model: Path) -> None:
    """The function's own code and the model, without caches."""
    if not model.is_file():
        raise SystemExit(f"build: model {model} is missing (train it with `make train`, or merge main)")
    for tree in APP_TREES:
        shutil.copytree(REPO_ROOT / tree, target / tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / MODEL_FILE).parent.mkdir(parents=True)
    shutil.copy2(model, target / MODEL_FILE)
    if (REPO_ROOT / METRICS_FILE).is_file():
        shutil.copy2(REPO_ROOT / METRICS_FILE, target / METRICS_FILE)


def drop_distribution(target: Path, name: str) -> None:
    """Remove one installed distribution: every file its RECORD lists."""
    dist = metadata.Distribution.at(next(target.glob(f"{name.replace('-', '_')}-*.dist-info"), target / "-"))
    files = [target / f for f in dist.files or []]
    if not files:
        return  # not installed for this platform/version
    for path in files:
        path.unlink(missing_ok=True)


def remove_empty_folders(target: Path) -> None:
    for folder, _, _ in target.walk(top_down=False):  # children first, so emptied parents go too
        if folder != target and not any(folder.iterdir()):
            folder.rmdir()


def prune(target: Path) -> None:
    """Drop what the function never loads (see the constants above)."""
    for name in UNUSED_DISTRIBUTIONS:
        drop_distribution(target, name)
    litert = target / "ai_edge_litert"
    for entry in litert.iterdir():
        if entry.name not in LITERT_KEEP:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for path in [p for pattern in PRUNE_GLOBS for p in target.glob(pattern)]:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    for folder in [p for name in PRUNE_DIRS for p in target.glob(f"*/**/{name}") if p.is_dir()]:
        shutil.rmtree(folder, ignore_errors=True)
    for path in [p for pattern in PRUNE_PATTERNS for p in target.rglob(pattern)]:
        path.unlink(missing_ok=True)
    remove_empty_folders(target)


def strip_libraries(target: Path) -> int:
    """Drop the sections of every ELF file the loader never reads (symbol tables, debug info); bytes saved."""
    return sum(strip_file(path) for path in sorted(target.rglob("*")) if path.is_file() and not path.is_symlink())


def precompile(target: Path) -> None:
    """Compile every module; unchecked-hash .pyc files are trusted as they are (the code is read-only).

    The libraries' modules become sourceless (``module.pyc`` in place of ``module.py``: 8 MB less, and
    their tracebacks show file and line without the source text); the app keeps its sources beside
    ``__pycache__``. Either way nothing is compiled at a cold start.
    """
    options = {"quiet": 2, "stripdir": str(target), "prependdir": TASK_ROOT,
               "invalidation_mode": py_compile.PycInvalidationMode.UNCHECKED_HASH}
    ok = True
    for entry in sorted(target.iterdir()):
        legacy = entry.name not in SOURCE_TREES
        if entry.is_dir():
            ok = compileall.compile_dir(entry, legacy=legacy, workers=1, **options) and ok
        elif entry.suffix == ".py":
            ok = compileall.compile_file(entry, legacy=legacy, **options) and ok
    if not ok:
        raise SystemExit("build: some modules do not compile")
    for source in [p for p in target.rglob("*.py") if p.relative_to(target).parts[0] not in SOURCE_TREES]:
        source.unlink()


def build(out: Path, arch: str, model: Path = REPO_ROOT / MODEL_FILE) -> tuple[str, list[str]]:
    """Fill ``out`` (emptied first) with the package; returns the report and the failed checks."""
    if sys.version_info[:2] != RUNTIME_PYTHON:
        raise SystemExit(f"build: run with python{'.'.join(map(str, RUNTIME_PYTHON))} (.pyc files are per version)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    install_requirements(out, arch)
    copy_app(out, model)
    prune(out)
    strip_libraries(out)
    precompile(out)
    result = check_package(out, machine=MACHINES[arch])
    return render_report(result, arch=arch), result.problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="the package folder (sam: $ARTIFACTS_DIR)")
    parser.add_argument("--arch", help="x86_64 or arm64 (default: the one sam builds for, else x86_64)")
    parser.add_argument("--model", type=Path, default=REPO_ROOT / MODEL_FILE, help="the .tflite file to ship")
    parser.add_argument("--report", type=Path, help="also write the size/glibc report (Markdown) here")
    args = parser.parse_args()
    out = args.out.resolve()
    report, problems = build(out, choose_architecture(out, args.arch), args.model)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report)
    print(report.split("\n\n")[1] + (f"\nfull report: {args.report}" if args.report else ""))
    if problems:
        raise SystemExit("build: FAILED\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
