"""handler/service.py on arrays: answers from probabilities, refusals, the uncertain threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handler.config import Settings
from handler.errors import UnusableImage
from handler.service import DEFAULT_UNCERTAIN_BELOW, calibrated_threshold, check_one_digit, to_prediction, uncertain_below


def row(digits: list[float], none: float | None = None) -> np.ndarray:
    return np.array(digits + ([] if none is None else [none]), dtype=np.float32)


def test_to_prediction_confidence_counts_the_chance_of_no_digit():
    probabilities = row([0.0] * 7 + [0.6, 0.1, 0.0], none=0.3)
    prediction = to_prediction(probabilities, "auto", uncertain_below=0.8)
    assert prediction.digit == "7" and prediction.confidence == pytest.approx(0.6)
    assert prediction.probabilities[7] == pytest.approx(6 / 7, abs=1e-5)
    assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-5)


def test_to_prediction_is_uncertain_below_the_threshold_only():
    sure = to_prediction(row([0.95] + [0.005] * 9, none=0.005), "auto", uncertain_below=0.9)
    unsure = to_prediction(row([0.85] + [0.015] * 9, none=0.015), "auto", uncertain_below=0.9)
    assert sure.uncertain is False and unsure.uncertain is True


def test_check_one_digit_refuses_when_not_a_digit_is_likeliest():
    with pytest.raises(UnusableImage, match="no digit found.*/predict/number"):
        check_one_digit(row([0.05] * 10, none=0.5))
    check_one_digit(row([0.5] + [0.02] * 9, none=0.32))  # a digit still likelier: answered
    check_one_digit(row([0.1] * 10))  # a ten-output model never refuses


def test_uncertain_threshold_comes_from_the_model_metrics(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"calibration": {"uncertain_below": 0.73}}))
    assert calibrated_threshold(metrics) == pytest.approx(0.73)
    assert calibrated_threshold(tmp_path / "missing.json") == DEFAULT_UNCERTAIN_BELOW


def test_uncertain_threshold_setting_overrides_the_metrics(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"calibration": {"uncertain_below": 0.73}}))
    assert uncertain_below(Settings(MODEL_METRICS_PATH=metrics)) == pytest.approx(0.73)
    assert uncertain_below(Settings(MODEL_METRICS_PATH=metrics, UNCERTAIN_BELOW=0.5)) == pytest.approx(0.5)
