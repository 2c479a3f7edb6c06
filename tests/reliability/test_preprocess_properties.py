"""Property tests: any image, of any shape, dtype, colour mode, size and format, gives either the model's
(28, 28) float32 input in [0, 1] or a documented ``handler.errors`` exception with a 4xx status."""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handler.decode import WORK_SIDE, DecodedImage, decode_image
from handler.errors import DigitApiError, UnusableImage
from handler.preprocess import preprocess_auto, preprocess_mnist
from tests.reliability.strategies import damaged_images, encoded_images, float_images

MAX_PIXELS = 40_000_000
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))  # `make fuzz`-style deeper runs raise it
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_outcomes(figures):
    yield
    figures["property tests (decode, preprocess)"] = dict(sorted(OUTCOMES.items()))


def assert_model_input(x: np.ndarray) -> None:
    OUTCOMES["model input"] += 1
    assert x.shape == (28, 28)
    assert x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0


def assert_pixels(values: np.ndarray) -> None:
    """8-bit, or floats in [0, 1]: the two forms ``DecodedImage`` has documented."""
    assert values.dtype in (np.uint8, np.float32), values.dtype
    if values.dtype == np.float32:
        assert values.min() >= 0.0 and values.max() <= 1.0


def assert_decoded(image: DecodedImage) -> None:
    height, width, channels = image.rgb.shape
    assert channels == 3 and 1 <= max(height, width) <= WORK_SIDE
    assert_pixels(image.rgb)
    if image.alpha is not None:
        assert image.alpha.shape == (height, width)
        assert_pixels(image.alpha)


def decode_or_domain_error(data: bytes, **options: object) -> DecodedImage | None:
    """The decoded image, or None when decoding raised a documented 4xx error (anything else propagates)."""
    try:
        decoded = decode_image(data, max_pixels=MAX_PIXELS, **options)
    except DigitApiError as error:
        assert 400 <= error.status_code < 500 and str(error)
        OUTCOMES[f"decode {error.status_code}"] += 1
        return None
    OUTCOMES["decoded"] += 1
    return decoded


@PROPERTY
@given(data=encoded_images())
def test_decode_image_any_encoded_image_gives_rgb_in_range(data):
    OUTCOMES["examples"] += 1
    decoded = decode_or_domain_error(data)
    if decoded is not None:
        assert_decoded(decoded)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the damage it skips
@PROPERTY
@given(data=damaged_images())
def test_decode_image_damaged_file_gives_image_or_domain_error(data):
    OUTCOMES["examples"] += 1
    decoded = decode_or_domain_error(data)
    if decoded is not None:
        assert_decoded(decoded)


@pytest.mark.filterwarnings("ignore::UserWarning")
@PROPERTY
@given(data=st.binary(max_size=512))
def test_decode_image_arbitrary_bytes_give_image_or_domain_error(data):
    OUTCOMES["examples"] += 1
    decoded = decode_or_domain_error(data)
    if decoded is not None:
        assert_decoded(decoded)


@PROPERTY
@given(data=encoded_images())
def test_preprocess_auto_any_decoded_image_gives_model_input_or_unusable(data):
    OUTCOMES["examples"] += 1
    decoded = decode_or_domain_error(data)
    if decoded is None:
        return
    try:
        assert_model_input(preprocess_auto(decoded.rgb, decoded.alpha))
    except UnusableImage as error:
        OUTCOMES["preprocess 422"] += 1
        assert "digit" in str(error)


@PROPERTY
@given(data=encoded_images())
def test_preprocess_mnist_any_decoded_image_gives_model_input_or_unusable(data):
    OUTCOMES["examples"] += 1
    decoded = decode_or_domain_error(data, work_side=None)
    if decoded is None:
        return
    try:
        assert_model_input(preprocess_mnist(decoded.rgb))
    except UnusableImage as error:
        OUTCOMES["preprocess 422"] += 1
        assert "28x28" in str(error)


@PROPERTY
@given(rgb=float_images(), with_alpha=st.booleans())
def test_preprocess_auto_any_float_array_gives_model_input_or_unusable(rgb, with_alpha):
    OUTCOMES["examples"] += 1
    alpha = rgb if rgb.ndim == 2 else rgb[..., 0]
    try:
        assert_model_input(preprocess_auto(rgb, alpha if with_alpha else None))
    except UnusableImage as error:
        OUTCOMES["preprocess 422"] += 1
        assert str(error)


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 3)])
def test_preprocess_mnist_28x28_float_array_is_kept_as_grey(shape):
    rgb = np.random.default_rng(0).random(shape, dtype=np.float32)
    x = preprocess_mnist(rgb)
    assert_model_input(x)
    assert x[0, 0] == pytest.approx(rgb[0, 0] if rgb.ndim == 2 else rgb[0, 0] @ [0.299, 0.587, 0.114], abs=1e-6)
