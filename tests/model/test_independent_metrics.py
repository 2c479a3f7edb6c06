"""The report's figures on hand-made answers with known values."""

from __future__ import annotations

import pytest

from model.independent.metrics import (
    Answer, abstention_rate, accuracy, confident_right, confident_wrong, ece, negative_summary, uncertain_rate,
)


def answer(label, digit=None, confidence=None, status=200, uncertain=None) -> Answer:
    return Answer("c", 0, label, "strokes:x", 422 if digit is None else status, digit, confidence, uncertain)


ANSWERS = [answer(1, 1, 0.95), answer(2, 2, 0.99), answer(3, 5, 0.92), answer(4, 4, 0.6), answer(5)]


def test_accuracy_counts_a_refusal_as_not_right():
    assert accuracy(ANSWERS) == pytest.approx(3 / 5)


def test_abstention_rate_is_the_share_refused():
    assert abstention_rate(ANSWERS) == pytest.approx(1 / 5)


def test_confident_wrong_is_over_all_answers():
    assert confident_wrong(ANSWERS) == pytest.approx(1 / 5)


def test_confident_right_is_over_all_answers():
    assert confident_right(ANSWERS) == pytest.approx(2 / 5)


def test_ece_by_hand():
    # bins of 1/15: 0.95 and 0.99 share bin 14 (both right), 0.92 (wrong) is bin 13, 0.6 (right) bin 9;
    # the refusal is left out, so 4 answered pictures
    expected = (2 * abs(1 - 0.97) + abs(0 - 0.92) + abs(1 - 0.6)) / 4
    assert ece(ANSWERS) == pytest.approx(expected)


def test_ece_is_zero_when_confidence_matches_accuracy():
    assert ece([answer(1, 1, 1.0)] * 3) == 0.0
    assert ece([answer(1, 1, 0.5), answer(1, 2, 0.5)]) == pytest.approx(0.0)


def test_uncertain_rate_is_none_without_the_field_and_a_share_with_it():
    assert uncertain_rate(ANSWERS) is None
    marked = [answer(1, 1, 0.9, uncertain=False), answer(1, 7, 0.5, uncertain=True), answer(1)]
    assert uncertain_rate(marked) == pytest.approx(1 / 2)


def test_negative_summary_counts_refusals_and_uncertain_answers_as_rejected():
    negatives = [answer(None), answer(None, 4, 0.99), answer(None, 0, 0.4), answer(None, 8, 0.95, uncertain=True)]
    summary = negative_summary(negatives)
    assert summary["rejected"] == pytest.approx(2 / 4)
    assert summary["refused_422"] == pytest.approx(1 / 4)
    assert summary["low_confidence"] == pytest.approx(1 / 4)
    assert summary["confident_digit"] == pytest.approx(1 / 4)
