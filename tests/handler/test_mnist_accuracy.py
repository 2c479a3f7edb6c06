"""The quality bars of the API on the 10,000 MNIST test images, read through lambda_handler."""

from __future__ import annotations

import numpy as np
import pytest

from tests.utils import encode_image, invoke

pytestmark = pytest.mark.slow
BATCH = 16  # /predict/batch's default maximum: 625 invocations cover the test set


def digits_through_handler(images: np.ndarray, mode: str) -> list[str | None]:
    """The digit answered for each image (None for a 422: the model took it for no digit)."""
    status, body, _ = invoke("POST", "/predict/batch", query={"mode": mode},
                             files=[("files", f"{i}.png", encode_image(image), "image/png") for i, image in enumerate(images)])
    if status == 200:
        return [p["digit"] for p in body]
    assert status == 422 and "no digit found" in body["detail"], body  # one refused image fails its batch
    return [digit for image in images for digit in digits_through_handler(image[np.newaxis], mode)] if len(images) > 1 else [None]


def accuracy_through_handler(images: np.ndarray, labels: np.ndarray, mode: str) -> float:
    correct = 0
    for start in range(0, len(images), BATCH):
        digits = digits_through_handler(images[start:start + BATCH], mode)
        correct += sum(d == str(label) for d, label in zip(digits, labels[start:start + BATCH], strict=True))
    return correct / len(images)


def test_mnist_test_set_in_mnist_mode_is_at_least_99_6_percent(mnist_test, capsys):
    accuracy = accuracy_through_handler(*mnist_test, mode="mnist")
    with capsys.disabled():
        print(f"\nMNIST test through lambda_handler, mode=mnist: {accuracy:.2%}")
    assert accuracy >= 0.996


def test_mnist_test_set_in_auto_mode_is_at_least_99_6_percent(mnist_test, capsys):
    accuracy = accuracy_through_handler(*mnist_test, mode="auto")
    with capsys.disabled():
        print(f"\nMNIST test through lambda_handler, mode=auto: {accuracy:.2%}")
    assert accuracy >= 0.996
