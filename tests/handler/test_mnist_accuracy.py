"""The quality bars of the API on the 10,000 MNIST test images, read through lambda_handler."""

from __future__ import annotations

import numpy as np
import pytest

from tests.utils import encode_image, invoke

pytestmark = pytest.mark.slow
BATCH = 16  # /predict/batch's default maximum: 625 invocations cover the test set


def accuracy_through_handler(images: np.ndarray, labels: np.ndarray, mode: str) -> float:
    correct = 0
    for start in range(0, len(images), BATCH):
        files = [("files", f"{i}.png", encode_image(image), "image/png")
                 for i, image in enumerate(images[start:start + BATCH])]
        status, body, _ = invoke("POST", "/predict/batch", files=files, query={"mode": mode})
        assert status == 200, body
        correct += sum(int(p["digit"]) == label for p, label in zip(body, labels[start:start + BATCH], strict=True))
    return correct / len(images)


def test_mnist_test_set_in_mnist_mode_is_at_least_99_5_percent(mnist_test, capsys):
    accuracy = accuracy_through_handler(*mnist_test, mode="mnist")
    with capsys.disabled():
        print(f"\nMNIST test through lambda_handler, mode=mnist: {accuracy:.2%}")
    assert accuracy >= 0.995


def test_mnist_test_set_in_auto_mode_is_at_least_99_3_percent(mnist_test, capsys):
    accuracy = accuracy_through_handler(*mnist_test, mode="auto")
    with capsys.disabled():
        print(f"\nMNIST test through lambda_handler, mode=auto: {accuracy:.2%}")
    assert accuracy >= 0.993
