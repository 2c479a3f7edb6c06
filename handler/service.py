"""The work behind the routes, as plain functions: bytes in, a ``Prediction`` out. No web framework here."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from handler.classifier import DigitClassifier
from handler.config import Settings
from handler.decode import check_media_type, decode_image, open_image
from handler.errors import ModelUnavailable, UploadTooLarge
from handler.preprocess import check_mnist_size, preprocess_auto, preprocess_mnist
from handler.schemas import Mode, ModelInfo, Prediction

# Under this confidence an answer of /predict/number is marked uncertain (to be replaced by the
# threshold chosen on calibrated validation data, issue 12).
UNCERTAIN_BELOW = 0.7


@lru_cache(maxsize=4)
def load_classifier(model_path: Path) -> DigitClassifier:
    """One interpreter per model file and process: loaded at import, reused by every request."""
    if not model_path.is_file():
        raise ModelUnavailable(f"model file not found: {model_path.name}")
    return DigitClassifier(model_path)


def check_upload(data: bytes, content_type: str | None, settings: Settings) -> None:
    """What every uploaded image must pass before any decoding: an accepted type and the byte limit."""
    check_media_type(content_type)
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"the file has {len(data):,} bytes (limit {settings.MAX_UPLOAD_BYTES:,})")


def model_input_for(data: bytes, content_type: str | None, mode: Mode, settings: Settings) -> np.ndarray:
    """Check and decode one upload and turn it into the (28, 28) array the model reads."""
    check_upload(data, content_type, settings)
    if mode == "mnist":  # strict: every pixel as given, no reduction
        # From the header first: a 40 MP image sent in mnist mode is never decoded (it took 1.5 GB).
        check_mnist_size(*open_image(data, max_pixels=settings.MAX_IMAGE_PIXELS).size)
        return preprocess_mnist(decode_image(data, max_pixels=settings.MAX_IMAGE_PIXELS, work_side=None).rgb)
    image = decode_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    return preprocess_auto(image.rgb, image.alpha)


def to_prediction(probabilities: np.ndarray, mode: Mode, model_input: np.ndarray | None = None) -> Prediction:
    digit = int(np.argmax(probabilities))
    return Prediction(
        digit=str(digit),
        confidence=float(probabilities[digit]),
        probabilities=[round(float(p), 6) for p in probabilities],
        mode=mode,
        model_input=png_data_url(model_input) if model_input is not None else None,
    )


def read_digits(
    classifier: DigitClassifier, inputs: list[np.ndarray], mode: Mode, *, explain: bool = False
) -> list[Prediction]:
    """Classify prepared inputs in one interpreter call and format the answers, in order."""
    probabilities = classifier.predict(np.stack(inputs))
    return [to_prediction(p, mode, x if explain else None) for p, x in zip(probabilities, inputs, strict=True)]


def png_data_url(image: np.ndarray) -> str:
    """A [0, 1] float image as a ``data:image/png;base64,...`` URL a browser can show."""
    buffer = io.BytesIO()
    Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), mode="L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@lru_cache(maxsize=4)
def model_info(model_path: Path, metrics_path: Path) -> ModelInfo:
    """What /model answers: read once from the model file and its metrics."""
    classifier = load_classifier(model_path)
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    shipped = metrics.get("shipped", {})
    return ModelInfo(
        name=model_path.stem,
        version=hashlib.sha256(model_path.read_bytes()).hexdigest()[:12],
        variant=shipped.get("variant", classifier.input_dtype.name),
        input_shape=list(classifier.input_shape),
        input_dtype=classifier.input_dtype.name,
        size_bytes=model_path.stat().st_size,
        test_accuracy=shipped.get("test_accuracy"),
    )
