"""model/calibration.py: temperature scaling, ECE and the uncertain threshold, on hand-made numbers."""

from __future__ import annotations

import numpy as np
import pytest

from model.calibration import (
    calibrate,
    choose_refusal,
    choose_threshold,
    expected_calibration_error,
    fit_temperature,
    service_answers,
    softmax,
)


def test_softmax_rows_sum_to_one_and_temperature_flattens():
    logits = np.array([[4.0, 0.0, 0.0], [0.0, 2.0, 1.0]])
    sharp, flat = softmax(logits), softmax(logits, temperature=4.0)
    np.testing.assert_allclose(sharp.sum(axis=1), 1.0)
    assert flat[0, 0] < sharp[0, 0]


def test_ece_is_zero_when_confidence_matches_accuracy():
    confidence = np.array([0.75] * 4)
    correct = np.array([True, True, True, False])
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.0)


def test_ece_of_overconfident_answers_is_the_gap():
    confidence = np.array([1.0, 1.0, 1.0, 1.0])
    correct = np.array([True, True, False, False])
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.5)


def test_fit_temperature_cools_an_overconfident_model():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 2000)
    noisy = np.where(rng.random(2000) < 0.7, labels, rng.integers(0, 3, 2000))  # right 80% of the time
    logits = np.eye(3)[noisy] * 12.0  # but always almost certain
    temperature = fit_temperature(logits, labels)
    assert temperature > 3.0
    confidence = softmax(logits, temperature).max(axis=1)
    assert confidence.mean() == pytest.approx(np.mean(noisy == labels), abs=0.05)


def test_choose_threshold_is_the_lowest_with_the_target_precision():
    confidence = np.array([0.55, 0.6, 0.7, 0.8, 0.9, 0.95] * 100)
    correct = np.tile([False, False, True, True, True, True], 100)
    assert choose_threshold(confidence, correct) == pytest.approx(0.61)


def test_choose_refusal_refuses_almost_no_digit():
    not_a_digit = np.concatenate([np.zeros(9990), np.full(10, 0.7)])  # 0.1% of digits look like no digit
    assert choose_refusal(not_a_digit) == pytest.approx(0.71)


def test_service_answers_refuse_from_the_threshold_on():
    probabilities = np.array([[0.6] + [0.0] * 9 + [0.4], [0.3] + [0.0] * 9 + [0.7]])
    answer, confidence = service_answers(probabilities, not_a_digit_above=0.5)
    assert answer.tolist() == [0, 10] and confidence.tolist() == pytest.approx([0.6, 0.7])


def test_calibrate_reports_ece_before_and_after():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 11, 3000)
    noisy = np.where(rng.random(3000) < 0.85, labels, rng.integers(0, 11, 3000))
    result = calibrate(np.eye(11)[noisy] * 15.0, labels, mnist_count=1000)
    assert result["ece_after"] < result["ece_before"]
    assert 0.5 <= result["uncertain_below"] <= 0.95 and result["validation_rows"] == 3000
    assert 0.5 <= result["not_a_digit_above"] <= 0.99
