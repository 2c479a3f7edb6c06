"""The committed model: loads in LiteRT, has the shape the handler expects, and its metrics are true."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handler.classifier import DigitClassifier
from model.calibration import service_answers
from tests.conftest import REPO_ROOT, SHIPPED_MODEL

METRICS = REPO_ROOT / "model" / "metrics.json"


@pytest.fixture(scope="module")
def metrics() -> dict:
    return json.loads(METRICS.read_text())


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    return DigitClassifier(SHIPPED_MODEL)


def test_shipped_model_has_handler_input_shape(classifier, metrics):
    assert classifier.input_shape == (28, 28, 1)
    assert classifier.input_dtype == np.dtype(metrics["shipped"]["variant"])


def test_shipped_model_answers_digits_and_not_a_digit(classifier):
    probabilities = classifier.predict(np.zeros((3, 28, 28), dtype=np.float32))
    assert probabilities.shape == (3, 11) and classifier.knows_non_digits
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_shipped_model_is_the_chosen_variant(metrics):
    chosen = metrics["variants"][metrics["shipped"]["variant"]]["file"]
    assert SHIPPED_MODEL.read_bytes() == (SHIPPED_MODEL.parent / chosen).read_bytes()


@pytest.mark.slow
def test_shipped_model_metrics_match_a_fresh_evaluation(classifier, metrics, mnist_test):
    images, labels = mnist_test
    probabilities = classifier.predict(images.astype(np.float32) / 255.0)
    predicted, _ = service_answers(probabilities, metrics["calibration"]["not_a_digit_above"])  # refusals are wrong
    accuracy = float(np.mean(predicted == labels))
    assert accuracy == pytest.approx(metrics["shipped"]["test_accuracy"], abs=1e-6)
    assert accuracy >= 0.996


def test_shipped_model_has_a_calibrated_uncertain_threshold(metrics):
    calibration = metrics["calibration"]
    assert 0.5 <= calibration["uncertain_below"] <= 0.95
    assert calibration["ece_after"] <= calibration["ece_before"]


def test_model_card_names_the_shipped_accuracy(metrics):
    card = (REPO_ROOT / "model" / "MODEL_CARD.md").read_text()
    assert f"{metrics['shipped']['test_accuracy']:.2%}" in card
