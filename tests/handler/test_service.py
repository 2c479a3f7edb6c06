"""handler/service.py on arrays: answers from probabilities, refusals, the uncertain threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handler.config import Settings
from handler.errors import UnusableImage
from handler.service import Calibration, calibration_for, check_one_digit, load_calibration, to_prediction


def row(digits: list[float], none: float | None = None) -> np.ndarray:
    return np.array(digits + ([] if none is None else [none]), dtype=np.float32)


def test_to_prediction_confidence_counts_the_chance_of_no_digit():
    probabilities = row([0.0] * 7 + [0.6, 0.1, 0.0], none=0.3)
    prediction = to_prediction(probabilities, "auto", calibration=Calibration(uncertain_below=0.8))
    assert prediction.digit == "7" and prediction.confidence == pytest.approx(0.6)
    assert prediction.probabilities[7] == pytest.approx(6 / 7, abs=1e-5)
    assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-5)


def test_to_prediction_is_uncertain_below_the_threshold_only():
    calibration = Calibration(uncertain_below=0.9)
    sure = to_prediction(row([0.95] + [0.005] * 9, none=0.005), "auto", calibration=calibration)
    unsure = to_prediction(row([0.85] + [0.015] * 9, none=0.015), "auto", calibration=calibration)
    assert sure.uncertain is False and unsure.uncertain is True


def test_check_one_digit_refuses_from_the_calibrated_threshold_on():
    calibration = Calibration(not_a_digit_above=0.9)
    with pytest.raises(UnusableImage, match="no digit found.*/predict/number"):
        check_one_digit(row([0.005] * 10, none=0.95), calibration)
    check_one_digit(row([0.02] * 10, none=0.8), calibration)  # likelier no digit, but under the threshold
    check_one_digit(row([0.1] * 10), calibration)  # a ten-output model never refuses


def test_calibration_comes_from_the_model_metrics(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"calibration": {"uncertain_below": 0.73, "not_a_digit_above": 0.88, "ece": 1}}))
    assert load_calibration(metrics) == Calibration(uncertain_below=0.73, not_a_digit_above=0.88)
    assert load_calibration(tmp_path / "missing.json") == Calibration()


def test_uncertain_setting_overrides_the_metrics(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"calibration": {"uncertain_below": 0.73}}))
    assert calibration_for(Settings(MODEL_METRICS_PATH=metrics)).uncertain_below == pytest.approx(0.73)
    assert calibration_for(Settings(MODEL_METRICS_PATH=metrics, UNCERTAIN_BELOW=0.5)).uncertain_below == 0.5
