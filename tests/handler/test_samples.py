"""Every picture in ../shared/data/samples read correctly through lambda_handler, as API Gateway sends it.

Payload 2.0 (HTTP API) and 1.0 (REST API), multipart bodies base64-encoded; the 28x28 MNIST samples
in both modes, the other pictures in auto mode (their names end in the label).
"""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES, sample_label
from tests.utils import invoke

PAYLOADS = ["2.0", "1.0"]
ANY_IMAGE = sorted((SAMPLES / "any-image").iterdir())
MNIST_28 = sorted((SAMPLES / "mnist-28x28").iterdir())
CONTENT_TYPES = {".png": "image/png", ".jpeg": "image/jpeg", ".jpg": "image/jpeg"}


def read_sample(path, payload: str, mode: str) -> tuple[int, dict]:
    files = [("file", path.name, path.read_bytes(), CONTENT_TYPES[path.suffix])]
    status, body, _ = invoke("POST", "/predict", files=files, query={"mode": mode}, payload=payload)
    return status, body


def test_samples_are_all_there():
    assert len(ANY_IMAGE) == 11 and len(MNIST_28) == 4


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("path", ANY_IMAGE, ids=lambda p: p.name)
def test_samples_any_image_read_in_auto_mode(path, payload):
    status, body = read_sample(path, payload, "auto")
    assert status == 200, body
    assert body["digit"] == sample_label(path)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("mode", ["auto", "mnist"])
@pytest.mark.parametrize("path", MNIST_28, ids=lambda p: p.name)
def test_samples_mnist_28x28_read_in_both_modes(path, mode, payload):
    status, body = read_sample(path, payload, mode)
    assert status == 200, body
    assert body["digit"] == sample_label(path) and body["mode"] == mode


@pytest.mark.parametrize("payload", PAYLOADS)
def test_samples_read_as_one_batch_in_order(payload):
    files = [("files", p.name, p.read_bytes(), CONTENT_TYPES[p.suffix]) for p in ANY_IMAGE]
    status, body, _ = invoke("POST", "/predict/batch", files=files, payload=payload)
    assert status == 200, body
    assert [p["digit"] for p in body] == [sample_label(p) for p in ANY_IMAGE]
