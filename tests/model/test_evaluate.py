"""The selection rule and metrics of model/evaluate.py, on hand-made numbers."""

from __future__ import annotations

import numpy as np

from model.evaluate import choose, classification_metrics


def result(accuracy: float, latency: float, size: int) -> dict:
    return {"test_accuracy": accuracy, "mean_latency_us": latency, "size_bytes": size}


def test_choose_prefers_accuracy_over_speed():
    chosen, _ = choose({"float32": result(0.996, 90.0, 1_800_000), "int8": result(0.994, 40.0, 480_000)})
    assert chosen == "float32"


def test_choose_breaks_accuracy_ties_by_latency():
    chosen, reason = choose({"float32": result(0.9960, 90.0, 1_800_000), "int8": result(0.9958, 40.0, 480_000)})
    assert chosen == "int8"
    assert reason.startswith("int8 ships")


def test_choose_breaks_latency_ties_by_size():
    chosen, _ = choose({"float32": result(0.996, 40.0, 1_800_000), "int8": result(0.996, 40.0, 480_000)})
    assert chosen == "int8"


def test_classification_metrics_counts_confusions():
    labels = np.array([0, 0, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 2])
    metrics = classification_metrics(labels, predicted)
    assert metrics["test_accuracy"] == 0.8
    assert metrics["errors"] == 1
    assert metrics["confusion_matrix"][0][:3] == [1, 1, 0]
    assert metrics["per_class"]["1"] == {"precision": 0.666667, "recall": 1.0, "support": 2}
    assert metrics["per_class"]["0"]["recall"] == 0.5
