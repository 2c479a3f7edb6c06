"""The lean Lambda package: requirements.txt's wheels for the runtime, the app, the model, precompiled.

`sam build` runs it through the Makefile's ``build-DigitFunction`` target (``BuildMethod: makefile``)::

    python -m infra.build --out .aws-sam/build/DigitFunction --arch x86_64

It installs Linux wheels for python3.13 (no container needed), ships exactly the versions installed
here (the ones the tests ran), drops what the function never loads, compiles every module to ``.pyc``
and refuses a package over the size limit or needing a newer glibc than the runtime's.
"""

from __future__ import annotations

import argparse
import compileall
import py_compile
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from infra.package_report import check_package, render_report

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PYTHON = (3, 13)  # template.yaml Runtime: python3.13; .pyc files are tied to this version
# Wheels for glibc <= 2.34 (Amazon Linux 2023, the python3.13 runtime), newest tag first.
MANYLINUX_TAGS = [f"manylinux_2_{minor}" for minor in range(34, 16, -1)] + ["manylinux2014"]
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}

# The app: its code and the model files it reads (never model/*.py, the training code).
APP_TREES = ("handler",)
MODEL_FILE = "model/artifacts/mnist_cnn.tflite"  # where handler.config looks for it by default
METRICS_FILE = "model/metrics.json"  # optional: /model answers the test accuracy from it
# Dependencies of ai-edge-litert that its Interpreter never imports (protobuf, flatbuffers... serve
# its converter and tools). The build test runs a full inference without them.
UNUSED_DISTRIBUTIONS = ("protobuf", "flatbuffers", "ml-dtypes", "tqdm", "backports-strenum")
# Of ai_edge_litert, only the TFLite interpreter is used: 27 MB instead of 59 (no WebGPU
# accelerator, NPU vendors, AOT compiler, converter or tools).
LITERT_KEEP = frozenset({
    "__init__.py", "interpreter.py", "metrics_interface.py", "metrics_portable.py",
    "_pywrap_litert_interpreter_wrapper.so", "libLiteRt.so", "libpywrap_litert_common.so",
})
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

def install_requirements(target: Path, arch: str) -> None:
    """pip-install requirements.txt as Linux wheels for the runtime, pinned to what is installed here."""
    machine = MACHINES[arch]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        # The versions the tests ran against (requirements.txt pins only the direct dependencies).
        constraints.write("".join(f"{d.metadata['Name']}=={d.version}\n" for d in metadata.distributions()))
    platforms = [arg for tag in MANYLINUX_TAGS for arg in ("--platform", f"{tag}_{machine}")]
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", str(target), "--only-binary=:all:", "--implementation", "cp",
        "--python-version", ".".join(map(str, RUNTIME_PYTHON)), *platforms,
        "-r", str(REPO_ROOT / "requirements.txt"), "-c", constraints.name,
    ]
    try:
        subprocess.run(command, check=True)
    finally:
        Path(constraints.name).unlink()


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


def precompile(target: Path) -> None:
    """Compile every module; unchecked-hash .pyc files are trusted as they are (the code is read-only)."""
    ok = compileall.compile_dir(
        target, quiet=2, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise SystemExit("build: some modules do not compile")


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
    precompile(out)
    result = check_package(out, machine=MACHINES[arch])
    return render_report(result, arch=arch), result.problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="the package folder (sam: $ARTIFACTS_DIR)")
    parser.add_argument("--arch", choices=sorted(MACHINES), default="x86_64")
    parser.add_argument("--model", type=Path, default=REPO_ROOT / MODEL_FILE, help="the .tflite file to ship")
    parser.add_argument("--report", type=Path, help="also write the size/glibc report (Markdown) here")
    args = parser.parse_args()
    report, problems = build(args.out.resolve(), args.arch, args.model)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report)
    print(report.split("\n\n")[1] + (f"\nfull report: {args.report}" if args.report else ""))
    if problems:
        raise SystemExit("build: FAILED\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
