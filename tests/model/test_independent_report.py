"""A tiny end-to-end run of the independent report through lambda_handler."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from model.independent.report import main
from tests.conftest import MNIST_PATH, SHIPPED_MODEL

pytestmark = pytest.mark.skipif(not (MNIST_PATH.is_file() and SHIPPED_MODEL.is_file()),
                                reason="needs ../shared/data/mnist.npz and the shipped model")
NAMES = ["plain-photo", "canvas-transparent", "letters-clean"]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("independent")
    with pytest.MonkeyPatch.context() as patch:  # the report quiets the service's log; the tests after it read it
        patch.setenv("LOG_LEVEL", "WARNING")
        patch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        main(["--seed", "1", "--per-condition", "2", "--out", str(out), "--data", str(MNIST_PATH),
              "--conditions", ",".join(NAMES)])
    return out


def test_report_writes_markdown_json_and_sheets(report_dir):
    for name in ["INDEPENDENT_PICTURES.md", "independent_pictures.json", "independent_failures.png",
                 "independent_negative_failures.png", "independent_examples.png"]:
        assert (report_dir / name).is_file(), name


def test_report_json_has_every_picture_answered_through_the_handler(report_dir):
    report = json.loads((report_dir / "independent_pictures.json").read_text())
    assert report["pictures"] == 2 * len(NAMES)
    assert set(report["conditions"]) == {"plain-photo", "canvas-transparent"}
    assert report["per_negative_set"]["letters-clean"]["pictures"] == 2
    assert report["model"]["name"] == "mnist_cnn"


def test_report_markdown_has_a_row_per_condition_and_the_totals(report_dir):
    text = (report_dir / "INDEPENDENT_PICTURES.md").read_text()
    for name in NAMES:
        assert f"| `{name}` |" in text
    assert "**all digit pictures**" in text and "**all negatives**" in text


def test_example_grid_has_a_row_per_condition(report_dir):
    assert Image.open(report_dir / "independent_examples.png").height >= len(NAMES) * 112
