"""The figures README.md quotes equal the reports they come from (to the digits the README gives)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.conftest import REPO_ROOT
from tests.doc_figures import README, same_to_stated_digits, stated


def report(path: str) -> dict:
    return json.loads((REPO_ROOT / path).read_text())


BENCH = report("bench/report.json")
METRICS = report("model/metrics.json")
REAL = report("model/real_pictures.json")
WARM = BENCH["warm"]
FIGURES = {
    "MNIST accuracy (shipped int8)": (r"\| (\d+\.\d+)% \(int8 TFLite\)", [100 * METRICS["shipped"]["test_accuracy"]]),
    "MNIST accuracy in the model section": (
        r"int8, (\d+\.\d+)% \(float32 (\d+\.\d+)%",
        [100 * METRICS["variants"][v]["test_accuracy"] for v in ("int8", "float32")]),
    "real pictures": (r"real pictures: (\d+) generated .* \| (\d+)% of every kind \| (\d+)% \(plain resize\)",
                      [REAL["pictures"], 100 * min(k["api_accuracy"] for k in REAL["per_kind"].values()),
                       100 * REAL["naive_accuracy"]]),
    "warm p50": (r"\| (\d+\.\d+) ms / (\d+\.\d+) ms p50 \| (\d+\.\d+) ms / (\d+\.\d+) ms \|",
                 [WARM[kind][side]["p50_ms"] for side in ("ours", "baseline")
                  for kind in ("png28_mnist", "jpeg_1mp_auto")]),
    "cold start": (r"cold start: import \+ model load \+ first answer \| (\d+\.\d+) s \| (\d+\.\d+) s \|",
                   [BENCH["cold_start"]["ours"]["in_process_s"], BENCH["cold_start"]["baseline"]["in_process_s"]]),
}


def test_readme_names_the_shipped_variant() -> None:
    assert f"chosen by accuracy, then latency, then size: {METRICS['shipped']['variant']}," in README


@pytest.mark.parametrize("name", list(FIGURES))
def test_readme_figure_matches_its_report(name: str) -> None:
    pattern, measured = FIGURES[name]
    values = stated(pattern, README)
    assert [same_to_stated_digits(v, m) for v, m in zip(values, measured, strict=True)] == [True] * len(values), (
        f"README says {values}, the reports {measured}")


def test_readme_and_bench_report_recommend_the_same_memory() -> None:
    [memory] = stated(r"It recommends (\d+) MB", README)
    assert memory == BENCH["cost"]["recommendation"]["memory_mb"]


def test_same_to_stated_digits_allows_rounding_only() -> None:
    assert same_to_stated_digits(Decimal("0.75"), 0.7508)
    assert same_to_stated_digits(Decimal("2.2"), 2.1831)
    assert not same_to_stated_digits(Decimal("2.2"), 2.26)
    assert not same_to_stated_digits(Decimal("99.60"), 99.62)
