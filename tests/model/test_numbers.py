"""The generated number set (model/numbers.py) and /predict/number's accuracy on a small part of it."""

from __future__ import annotations

import pytest

from handler.config import Settings
from handler.errors import DigitApiError
from handler.number import read_number
from handler.service import load_classifier
from model.numbers import CONDITIONS, DIGITS, generate, generate_set
from tests.conftest import SHIPPED_MODEL

SEED = 4  # neither the report's seed (0) nor the seeds the segmenter was tuned on (1, 2) and checked on (3)
PER_CONDITION = 4
# A regression guard, below what this set reads today (41 of 44); the aim is 97% (model/NUMBERS.md).
MIN_EXACTLY_RIGHT = 0.88


def test_generate_is_a_pure_function_of_seed_condition_and_index() -> None:
    assert generate("touching_pair", 3, seed=7).data == generate("touching_pair", 3, seed=7).data
    assert generate("touching_pair", 3, seed=7).data != generate("touching_pair", 4, seed=7).data


@pytest.mark.parametrize("condition", list(CONDITIONS))
def test_generate_writes_numbers_of_two_to_eight_digits(condition: str) -> None:
    for index in range(5):
        picture = generate(condition, index, seed=SEED)
        assert DIGITS[0] <= len(picture.number) <= DIGITS[1] and picture.number.isdigit()
        assert picture.name.endswith(f"-{picture.number}.{picture.extension}")


def test_touching_conditions_always_push_a_pair_together() -> None:
    assert all(p.touching for p in generate_set(SEED, 5, ["touching_pair", "touching_photo"]))


@pytest.mark.slow
def test_predict_number_reads_most_generated_numbers_exactly() -> None:
    settings, classifier = Settings(), load_classifier(SHIPPED_MODEL)
    right = []
    for picture in generate_set(SEED, PER_CONDITION):
        try:
            right.append(read_number(picture.data, None, settings, classifier).number == picture.number)
        except DigitApiError:
            right.append(False)
    assert len(right) == PER_CONDITION * len(CONDITIONS)
    assert sum(right) / len(right) >= MIN_EXACTLY_RIGHT


def test_a_six_is_not_read_as_a_stroke_cut_off_it_and_a_one() -> None:
    # Development seed 1: the 6 of 369654 was cut into a short left stroke and the rest, both read as 1s.
    picture = generate("photo_exif_rotated", 0, seed=1)
    assert picture.number == "369654"
    assert read_number(picture.data, None, Settings(), load_classifier(SHIPPED_MODEL)).number == "369654"
