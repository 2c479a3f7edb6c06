"""DigitClassifier on arrays: both shipped variants, batches, bad shapes, missing files."""

from __future__ import annotations

import numpy as np
import pytest

from handler.classifier import DigitClassifier
from handler.errors import ModelUnavailable
from tests.conftest import SHIPPED_MODEL

VARIANTS = ["float32", "int8"]


@pytest.fixture(scope="module", params=VARIANTS)
def classifier(request) -> DigitClassifier:
    return DigitClassifier(SHIPPED_MODEL.parent / f"mnist_cnn_{request.param}.tflite")


def test_classifier_reads_mnist_test_digits(classifier, mnist_test):
    images, labels = mnist_test
    predicted = classifier.predict(images[:200].astype(np.float32) / 255.0).argmax(axis=1)
    assert np.mean(predicted == labels[:200]) >= 0.98


def test_classifier_rows_sum_to_one(classifier, mnist_test):
    probabilities = classifier.predict(mnist_test[0][:5].astype(np.float32) / 255.0)
    assert probabilities.shape == (5, classifier.classes) and classifier.classes in (10, 11)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert probabilities.min() >= 0.0


def test_classifier_single_image_equals_batch_row(classifier, mnist_test):
    images = mnist_test[0][:4].astype(np.float32) / 255.0
    np.testing.assert_allclose(classifier.predict(images[2])[0], classifier.predict(images)[2], atol=1e-5)


def test_classifier_rejects_wrong_shape(classifier):
    with pytest.raises(ValueError, match="28, 28"):
        classifier.predict(np.zeros((2, 32, 32), dtype=np.float32))


def test_classifier_missing_file_is_model_unavailable(tmp_path):
    with pytest.raises(ModelUnavailable):
        DigitClassifier(tmp_path / "missing.tflite")


def test_classifier_corrupt_file_is_model_unavailable(tmp_path):
    corrupt = tmp_path / "corrupt.tflite"
    corrupt.write_bytes(b"not a flatbuffer" * 10)
    with pytest.raises(ModelUnavailable):
        DigitClassifier(corrupt)
