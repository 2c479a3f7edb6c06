"""The training side's synthesised pictures: hard photos and the pipeline set (model/photos.py, pipeline_data.py)."""

from __future__ import annotations

import numpy as np
import pytest

from model import photos, pipeline_data
from model.data import load_mnist
from tests.conftest import MNIST_PATH


@pytest.fixture(scope="module")
def train_digits() -> tuple[np.ndarray, np.ndarray]:
    (x_train, y_train), _ = load_mnist(MNIST_PATH)
    return x_train[:200], y_train[:200]


@pytest.mark.parametrize("condition", photos.CONDITIONS)
def test_photo_is_a_pure_function_of_its_generator(condition, train_digits):
    x, _ = train_digits

    def shot(seed: int) -> bytes:
        rng = np.random.default_rng([seed, photos.CONDITIONS.index(condition)])
        image = photos.photo(lambda h: photos.mnist_coverage(x[0], h, rng), rng, condition, sides=(300, 400))
        return photos.jpeg(image, rng)

    assert shot(1) == shot(1) and shot(1) != shot(2)


def test_big_frame_photos_are_3000_px_class(train_digits):
    rng = np.random.default_rng(0)
    image = photos.photo(lambda h: photos.mnist_coverage(train_digits[0][0], h, rng), rng, "big_frame")
    assert max(image.size) >= 2400


def test_number_negative_holds_every_digit_side_by_side(train_digits):
    rng = np.random.default_rng(3)
    coverage = pipeline_data.number_coverage([train_digits[0][0], train_digits[0][1]], 60, rng)
    assert coverage.shape[0] == 60 and coverage.shape[1] > 60  # wider than one digit
    assert coverage.max() > 0.9


def test_pipeline_samples_are_model_inputs_with_eleven_labels(train_digits):
    fonts = pipeline_data._fonts()
    samples = [pipeline_data.sample(i, 5, *train_digits, fonts) for i in range(30)]
    kept = [s for s in samples if s is not None]
    assert len(kept) >= 25  # the pipeline refuses few
    assert all(image.shape == (28, 28) and 0.0 <= image.min() and image.max() <= 1.0 for image, _ in kept)
    assert {label for _, label in kept} <= set(range(11)) and any(label == 10 for _, label in kept)
    assert pipeline_data.sample(7, 5, *train_digits, fonts)[1] == samples[7][1]  # the same for the same index
