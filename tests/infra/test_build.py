"""The Lambda package a plain `sam build` makes in a fresh clone (Makefile build-DigitFunction ->
.venv-build -> infra/build.py), for x86_64 and arm64; the x86_64 one checked from a clean python3.13
process that sees only the standard library and the package, as Lambda does."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from infra.events import http_api_event, multipart_body
from infra.package_report import MAX_UNZIPPED_BYTES, RUNTIME_LIMITS, check_package
from tests.conftest import MNIST_PATH, REPO_ROOT, SAMPLES
from tests.doc_figures import README, SERVERLESS, same_to_stated_digits
from tests.infra.conftest import fresh_clone, model_file
from tests.utils import encode_image

pytestmark = pytest.mark.slow

SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
PROBE = Path(__file__).with_name("clean_process_probe.py")
SAMPLE_FILES = sorted((SAMPLES / "any-image").iterdir()) + sorted((SAMPLES / "mnist-28x28").iterdir())
# Every format decode.py accepts, written by Pillow here, read by the package's own Pillow there.
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "BMP": "image/bmp",
           "WEBP": "image/webp", "TIFF": "image/tiff"}
FIRST_PREDICTION = 5  # events(): the answers before it are health, docs, a docs script, openapi, feedback
MEDIA_TYPES = {".png": "image/png", ".jpeg": "image/jpeg", ".jpg": "image/jpeg"}


@dataclass
class Built:
    root: Path
    files_before_run: set[str]
    files_after_run: set[str]
    answers: list[dict[str, Any]]
    outside: list[str]
    report: str


def events(fixture_images: dict[str, tuple[bytes, str]]) -> list[dict[str, Any]]:
    """health, docs, a docs script, openapi.json, one feedback, then one /predict per image (in
    ``fixture_images`` order)."""
    found = [http_api_event("GET", "/health"), http_api_event("GET", "/docs"),
             http_api_event("GET", "/docs-assets/swagger-ui-bundle.js"), http_api_event("GET", "/openapi.json")]
    body, content_type = multipart_body([("file", "d.png", fixture_images["PNG"][0], "image/png")], {"label": "3"})
    found.append(http_api_event("POST", "/feedback", body=body, headers={"content-type": content_type}))
    for name, (data, media_type) in fixture_images.items():
        body, content_type = multipart_body([("file", name, data, media_type)])
        found.append(http_api_event("POST", "/predict", body=body, headers={"content-type": content_type}))
    return found


def images() -> dict[str, tuple[bytes, str]]:
    with np.load(MNIST_PATH) as data:
        digit = 255 - data["x_train"][0]  # black ink on white, as a person draws it
    found = {fmt: (encode_image(np.kron(digit, np.ones((4, 4), np.uint8)), fmt), media) for fmt, media in FORMATS.items()}
    found |= {p.name: (p.read_bytes(), MEDIA_TYPES[p.suffix]) for p in SAMPLE_FILES}
    return found


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def decoded(response: dict[str, Any]) -> Any:
    body = response.get("body") or ""
    body = base64.b64decode(body).decode() if response.get("isBase64Encoded") else body
    return json.loads(body) if "json" in (response.get("headers") or {}).get("content-type", "") else body


def sam_build(clone: Path, out: Path, *overrides: str) -> tuple[Path, str]:
    """Plain `sam build` in the clone, as a user types it (no ARCH, no .venv); the package and its report."""
    if not SAM.exists():
        pytest.fail("the SAM CLI is missing: `make sam-venv` (make test creates it)")
    env = {name: value for name, value in os.environ.items() if name not in {"ARCH", "VIRTUAL_ENV"}}
    env |= {"SAM_CLI_TELEMETRY": "0", "MODEL": str(model_file())}
    command = [str(SAM), "build", "--build-dir", str(out)] + (["--parameter-overrides", *overrides] if overrides else [])
    done = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / "DigitFunction", (clone / "build" / "package-report.md").read_text()


@pytest.fixture(scope="session")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_clone(tmp_path_factory.mktemp("fresh-clone"))


@pytest.fixture(scope="session")
def built(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("sam-build")
    root, report = sam_build(clone, folder / "build")
    (folder / "events.json").write_text(json.dumps(events(images())))
    before = listing(root)
    clean_env = {"PATH": "/usr/bin:/bin", "FEEDBACK_DIR": str(folder / "feedback")}
    subprocess.run([sys.executable, "-I", "-S", str(PROBE), str(root), str(folder / "events.json"),
                    str(folder / "answers.json")], env=clean_env, check=True, capture_output=True, timeout=300)
    result = json.loads((folder / "answers.json").read_text())
    return Built(root, before, listing(root), result["responses"], result["outside"], report)


@pytest.fixture(scope="session")
def built_arm64(clone: Path, built: Built, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The arm64 package (after the x86_64 one: both write the clone's build/package-report.md)."""
    return sam_build(clone, tmp_path_factory.mktemp("sam-build-arm64") / "build", "Architecture=arm64")


@pytest.fixture(scope="session")
def dev_answers() -> list[dict[str, Any]]:
    """The same events answered by the app in this virtualenv (the reference for the package)."""
    from handler.lambda_function import lambda_handler
    from infra.events import LambdaContext

    return [lambda_handler(event, LambdaContext()) for event in events(images())]


def test_build_under_size_limit(built: Built) -> None:
    check = check_package(built.root)
    assert check.total_unzipped <= MAX_UNZIPPED_BYTES


def test_build_libraries_need_runtime_glibc_at_most(built: Built) -> None:
    check = check_package(built.root)
    assert check.needs  # the check read the libraries
    assert check.newest("GLIBC") <= RUNTIME_LIMITS["GLIBC"] == (2, 34)
    assert check.newest("GLIBCXX") <= RUNTIME_LIMITS["GLIBCXX"]
    assert check.problems == []


def test_build_modules_precompiled_unchecked_hash(built: Built) -> None:
    compiled = list(built.root.rglob("*.pyc"))
    flags = {int.from_bytes(c.read_bytes()[4:8], "little") for c in compiled}
    assert len(compiled) > 100
    assert flags == {0b01}  # hash-based, source never checked: Lambda's read-only code is trusted as is


def test_build_ships_app_sources_and_sourceless_libraries(built: Built) -> None:
    sources = {n for n in built.files_before_run if n.endswith(".py")}
    assert sources and all(n.startswith("handler/") for n in sources)
    assert all(f"handler/__pycache__/{Path(n).stem}.cpython-313.pyc" in built.files_before_run
               for n in sources if n.count("/") == 1)
    assert {"fastapi/__init__.pyc", "numpy/__init__.pyc", "typing_extensions.pyc"} <= built.files_before_run


def test_build_ships_no_tests_caches_or_training_code(built: Built) -> None:
    names = built.files_before_run
    assert not [n for n in names if "/tests/" in f"/{n}/" or n.endswith((".pyi", ".h", ".pxd"))]
    assert not [n for n in names if n.startswith(("model/", "infra/", "tests/", "bin/")) and n.endswith(".py")]
    assert "model/artifacts/mnist_cnn.tflite" in names
    assert not [n for n in names if n.split("/")[0] in {"tensorflow", "keras", "boto3", "botocore", "google"}]


def test_build_drops_unused_litert_parts(built: Built) -> None:
    litert = {n.split("/")[1] for n in built.files_before_run if n.startswith("ai_edge_litert/")}
    assert {"interpreter.pyc", "libpywrap_litert_common.so", "_pywrap_litert_interpreter_wrapper.so"} <= litert
    assert not litert & {"libLiteRt.so", "libLiteRtWebGpuAccelerator.so", "tools", "vendors", "aot"}


def test_build_answers_events_from_clean_process(built: Built) -> None:
    health, docs, script, openapi, feedback = built.answers[:FIRST_PREDICTION]
    assert [r["statusCode"] for r in (health, docs, script, openapi, feedback)] == [200, 200, 200, 200, 201]
    assert decoded(health)["model_loaded"] is True
    assert "swagger-ui" in decoded(docs)
    assert "SwaggerUIBundle" in decoded(script)  # Swagger UI's own script ships in the package (no CDN)
    assert "/feedback" in decoded(openapi)["paths"]


def test_build_reads_every_format_like_dev(built: Built, dev_answers: list[dict[str, Any]]) -> None:
    names, ours, theirs = list(images()), built.answers[FIRST_PREDICTION:], dev_answers[FIRST_PREDICTION:]
    package = {name: decoded(r) for name, r in zip(names, ours, strict=True)}
    dev = {name: decoded(r) for name, r in zip(names, theirs, strict=True)}
    assert [r["statusCode"] for r in ours] == [r["statusCode"] for r in theirs]
    assert {n: a.get("digit") for n, a in package.items()} == {n: a.get("digit") for n, a in dev.items()}
    assert all(r["statusCode"] == 200 for r in ours[:len(FORMATS)])


def test_build_loads_nothing_from_outside(built: Built) -> None:
    assert built.outside == []


def test_build_run_writes_no_bytecode(built: Built) -> None:
    assert built.files_after_run == built.files_before_run


def test_build_report_has_sizes_and_glibc(built: Built) -> None:
    assert "| numpy |" in built.report and "| ai-edge-litert |" in built.report
    assert "zipped" in built.report and "GLIBC_2." in built.report


@pytest.mark.parametrize(("text", "pattern"), [
    (README, r"in a (?P<zipped>\d+) MB zip \((?P<unzipped>\d+) MB unzipped\)"),
    (README, r"make build .*: (?P<unzipped>\d+) MB unzipped \((?P<zipped>\d+) MB zip\)"),
    (SERVERLESS, r"model\): (?P<unzipped>\d+\.\d) MB unzipped, (?P<zipped>\d+\.\d) MB zipped"),
], ids=["README intro", "README make build", "serverless.md"])
def test_build_size_is_the_one_the_docs_give(built: Built, text: str, pattern: str) -> None:
    measured = re.search(r"unzipped: (?P<unzipped>[\d.]+) MB .*zipped: (?P<zipped>[\d.]+) MB", built.report)
    match = re.search(pattern, text)
    assert measured and match, "the sentence or the report line is gone"
    for part in ("unzipped", "zipped"):
        assert same_to_stated_digits(Decimal(match[part]), float(measured[part])), (
            f"the docs say {match[part]} MB {part}, the build report {measured[part]} MB")
def test_build_uses_only_its_own_build_venv(clone: Path, built: Built) -> None:
    installed = {p.name.split("-")[0].lower() for p in (clone / ".venv-build").glob("lib/python3.13/site-packages/*.dist-info")}
    assert installed == {"packaging", "pyelftools", "pip"}
    assert not (clone / ".venv").exists()


def test_build_arm64_every_library_is_aarch64_within_runtime_limits(built_arm64: tuple[Path, str]) -> None:
    root, report = built_arm64
    check = check_package(root, machine="aarch64")
    assert check.problems == []
    assert len(check.machines) > 10 and set(check.machines.values()) == {"aarch64"}
    assert check.newest("GLIBC") <= RUNTIME_LIMITS["GLIBC"] and check.newest("GLIBCXX") <= RUNTIME_LIMITS["GLIBCXX"]
    assert "(arm64, python3.13)" in report


def test_build_arm64_ships_litert_2_1_0(built_arm64: tuple[Path, str]) -> None:
    root, _ = built_arm64
    assert [p.name for p in root.glob("ai_edge_litert-*.dist-info")] == ["ai_edge_litert-2.1.0.dist-info"]
    assert (root / "ai_edge_litert" / "_pywrap_litert_interpreter_wrapper.so").is_file()


def test_build_served_through_rie_reads_an_upload(built: Built, tmp_path: Path) -> None:
    from tests.infra.conftest import start_emulator, stop_emulator

    running = start_emulator(tmp_path / "emulator.log", "--code-dir", str(built.root),
                             "--env", f"FEEDBACK_DIR={tmp_path / 'feedback'}")
    image = SAMPLES / "any-image" / "digit-4.png"
    try:
        response = httpx.post(f"{running.url}/predict", files={"file": (image.name, image.read_bytes(), "image/png")},
                              timeout=60)
    finally:
        stop_emulator(running)
    assert response.status_code == 200
    assert response.json()["digit"] == "4"
    assert f"from {built.root}" in running.log() and "REPORT RequestId:" in running.log()
