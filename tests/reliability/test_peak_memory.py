"""The most memory-hungry uploads the limits allow, in one fresh worker: its peak stays inside the
function's memory (template.yaml's MemorySize), with room for the runtime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from handler.decode import FULL_DECODE_MAX_PIXELS
from infra.sam_template import load_template
from tests.conftest import REPO_ROOT
from tests.reliability.hostile_corpus import png_from_rows
from tests.reliability.hostile_files import grey16_png

HEADROOM = 0.85  # of MemorySize: the Lambda runtime and the Python heap's slack need the rest
SIDE = int(FULL_DECODE_MAX_PIXELS**0.5)  # a square at the full-decode limit
HUGE = 6300  # 39.7 MP: under the JPEG limit (40 MP), over the full-decode one


def saved(image: Image.Image, path: Path, **options: object) -> Path:
    image.save(path, **options)
    return path


@pytest.fixture(scope="module")
def worst_uploads(tmp_path_factory) -> dict[str, Path]:
    """name:mode -> file: small files that decode to the most memory each limit allows."""
    folder = tmp_path_factory.mktemp("worst")
    (folder / "grey16.png").write_bytes(grey16_png(SIDE))
    (folder / "huge.png").write_bytes(png_from_rows(HUGE, HUGE, bytes(HUGE)))
    return {
        "grey16.png:auto": folder / "grey16.png",
        "rgba.webp:auto": saved(Image.new("RGBA", (SIDE, SIDE), (1, 2, 3, 128)), folder / "rgba.webp", lossless=True),
        "float.tif:auto": saved(Image.fromarray(np.full((SIDE, SIDE), 0.5, np.float32)), folder / "float.tif",
                                compression="tiff_deflate"),
        "huge.jpg:auto": saved(Image.new("L", (HUGE, HUGE), 200), folder / "huge.jpg"),
        "huge.png:auto": folder / "huge.png",
        "grey16.png:mnist": folder / "grey16.png",
    }


@pytest.fixture(scope="module")
def measured(worst_uploads) -> dict:
    arguments = [f"{path}:{key.rsplit(':', 1)[1]}" for key, path in worst_uploads.items()]
    result = subprocess.run([sys.executable, "-m", "tests.reliability.peak_memory", *arguments], cwd=REPO_ROOT,
                            check=True, capture_output=True, text=True, timeout=300)
    return json.loads(result.stdout.strip().splitlines()[-1])


def memory_size_mb() -> int:
    return int(load_template(REPO_ROOT / "template.yaml")["Parameters"]["MemorySize"]["Default"])


@pytest.mark.slow
def test_lambda_handler_worst_uploads_fit_the_function_memory(measured, figures):
    figures["peak memory (worst uploads)"] = {"baseline_mb": measured["baseline_mb"], "peak_mb": measured["peak_mb"],
                                              "function_mb": memory_size_mb()}
    assert measured["peak_mb"] < HEADROOM * memory_size_mb()


@pytest.mark.slow
def test_lambda_handler_worst_uploads_get_documented_answers(measured):
    statuses = {key.split(":", 1)[0].rsplit("/", 1)[-1] + ":" + key.rsplit(":", 1)[1]: status
                for key, status in measured["statuses"].items()}
    assert statuses["huge.png:auto"] == 413  # over the full-decode limit: refused from the header
    assert statuses["grey16.png:mnist"] == 422  # not 28x28: refused from the header
    assert all(status in (200, 413, 422) for status in statuses.values()), statuses
