"""Negatives: pictures that hold no single digit, reproducible, each set what it says."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from model.independent.glyphs import LETTERS, SHAPES
from model.independent.mnist_digits import MnistDigits
from model.independent.negatives import NEGATIVES, generate
from tests.conftest import MNIST_PATH

pytestmark = pytest.mark.skipif(not MNIST_PATH.is_file(), reason="needs ../shared/data/mnist.npz")
SEED = 3


@pytest.fixture(scope="module")
def mnist() -> MnistDigits:
    return MnistDigits(MNIST_PATH)


@pytest.mark.parametrize("name", NEGATIVES)
def test_negative_decodes_has_no_label_and_is_reproducible(name, mnist):
    picture = generate(name, 2, seed=SEED, mnist=mnist)
    image = Image.open(io.BytesIO(picture.data))
    assert picture.label is None
    assert (image.format, image.size) == (picture.format, picture.size)
    assert generate(name, 2, seed=SEED, mnist=mnist).data == picture.data


def test_letters_include_none_that_read_as_digits():
    assert not set(LETTERS) & set("OoIlSZzBbgqGTD")
    assert {"A", "N", "e", "x", "k", "M", "W", "s"} <= set(LETTERS)


def test_shapes_include_no_circle():
    assert "circle" not in SHAPES and {"star", "triangle", "square", "arrow", "heart"} <= set(SHAPES)


def ink_columns(data: bytes) -> np.ndarray:
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float)
    return (grey < 128).any(axis=0)


def runs(mask: np.ndarray) -> int:
    return int(np.sum(mask[1:] & ~mask[:-1]) + mask[0])


@pytest.mark.parametrize(("name", "count"), [("two-digit-clean", 2), ("three-digit-clean", 3)])
def test_numbers_are_that_many_digits_plainly_apart(name, count, mnist):
    for index in range(6):
        picture = generate(name, index, seed=SEED, mnist=mnist)
        assert len(picture.source.split("(")[0].removeprefix("number:")) == count
        assert runs(ink_columns(picture.data)) == count  # a column gap between neighbouring digits
