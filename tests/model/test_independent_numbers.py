"""The independent number set: reproducible, 2-6 digits, touching pairs in contact, graded through lambda_handler."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.independent import numbers
from model.independent.mnist_digits import MnistDigits
from model.independent.pen import Pen
from tests.conftest import MNIST_PATH

pytestmark = pytest.mark.skipif(not MNIST_PATH.is_file(), reason="needs ../shared/data/mnist.npz")
SEED = 5  # neither the reported seed nor one /predict/number was developed on


@pytest.fixture(scope="module")
def mnist() -> MnistDigits:
    return MnistDigits(MNIST_PATH)


@pytest.mark.parametrize("condition", numbers.available_conditions())
def test_a_number_decodes_has_two_to_six_digits_and_is_reproducible(condition, mnist):
    picture = numbers.generate(condition, 1, seed=SEED, mnist=mnist)
    Image.open(io.BytesIO(picture.data)).verify()
    assert numbers.DIGITS[0] <= len(picture.number) <= numbers.DIGITS[1] and picture.number.isdigit()
    assert numbers.generate(condition, 1, seed=SEED, mnist=mnist).data == picture.data


def test_a_touching_pair_is_pushed_into_contact(mnist):
    rng = np.random.default_rng(0)
    _, write = numbers.handwritten([0, 0], 0, rng, mnist, touching=0)
    ink = write(120, Pen(width=0.1)) > 0.4
    columns = np.flatnonzero(ink.any(axis=0))
    assert np.all(np.diff(columns) == 1)  # no column of paper between the two digits


def test_the_font_conditions_are_left_out_without_handwriting_fonts(monkeypatch):
    monkeypatch.setattr(numbers, "handwriting_fonts", lambda: ())
    assert not [c for c in numbers.available_conditions() if c.startswith("font")]


def test_a_number_is_graded_through_the_lambda_entry_point(mnist):
    from handler.lambda_function import lambda_handler

    picture = numbers.generate("clean", 0, seed=SEED, mnist=mnist)
    status, body = numbers.ask(lambda_handler, picture)
    assert status == 200 and body["number"].isdigit()


def test_nothing_is_taken_from_the_development_set_or_the_handler():
    source = Path(numbers.__file__).read_text()
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert "model.numbers" not in imported
    assert {m for m in imported if m and m.startswith("handler")} == {"handler.lambda_function"}
