"""LiteRT 2.1.0 (the arm64 package's) against the shipped 2.3.0 on the shipped model, run on x86_64."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.litert_parity import compare, pinned_litert
from tests.conftest import MNIST_PATH

IMAGES = 2000


def test_each_cpu_has_its_own_litert_pin() -> None:
    assert pinned_litert("aarch64") != pinned_litert("x86_64")


@pytest.mark.slow
def test_arm64_litert_gives_the_shipped_answers(tmp_path: Path) -> None:
    """Needs PyPI: the candidate's x86_64 wheel goes into a temporary folder, never into .venv."""
    result = compare(MNIST_PATH, IMAGES, tmp_path)
    assert (result["shipped"], result["candidate"]) == (pinned_litert("x86_64"), pinned_litert("aarch64"))
    assert result["same_digit"] == IMAGES
    assert result["identical_rows"] == IMAGES
