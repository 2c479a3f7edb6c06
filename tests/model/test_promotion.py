"""The promotion rule: MNIST may drop 0.05 points at most, no real-picture condition more than one point,
and the held-out corrections must improve."""

from __future__ import annotations

from pathlib import Path

from model.promotion import Evaluation, RealPictureConditions, Rule, decide, judge
from tests.conftest import SHIPPED_MODEL

CURRENT = Evaluation(mnist=0.9960, conditions={"phone_photo": 0.98, "screenshot": 1.0}, held_out=0.30,
                     held_out_images=20)


def candidate(**changes: object) -> Evaluation:
    return Evaluation(**{**vars(CURRENT), "held_out": 0.80, **changes})


def test_decide_promotes_a_candidate_that_passes_every_check() -> None:
    decision = decide(CURRENT, candidate(mnist=0.9956, conditions={"phone_photo": 0.97, "screenshot": 1.0}))
    assert decision.promote and decision.reasons == []
    assert [c.name for c in decision.checks] == ["MNIST test", "real pictures: phone_photo",
                                                 "real pictures: screenshot", "held-out corrections"]


def test_decide_refuses_an_mnist_drop_over_five_hundredths_of_a_point() -> None:
    decision = decide(CURRENT, candidate(mnist=0.9954))
    assert not decision.promote
    assert decision.reasons == ["MNIST test accuracy drops 0.06% (99.60% -> 99.54%), more than the 0.05% allowed"]


def test_decide_refuses_a_condition_that_drops_over_a_point() -> None:
    decision = decide(CURRENT, candidate(conditions={"phone_photo": 0.965, "screenshot": 1.0}))
    assert not decision.promote
    assert decision.reasons == ["real pictures 'phone_photo' drop 1.5% (98.0% -> 96.5%), more than the 1% allowed"]


def test_decide_refuses_a_candidate_that_lacks_a_condition() -> None:
    assert not decide(CURRENT, candidate(conditions={"phone_photo": 0.98})).promote


def test_decide_refuses_when_held_out_corrections_do_not_improve() -> None:
    decision = decide(CURRENT, candidate(held_out=0.30))
    assert decision.reasons == ["the held-out corrections do not improve (30.0% -> 30.0% of 20)"]


def test_decide_refuses_without_held_out_corrections() -> None:
    empty = Evaluation(mnist=0.996, conditions={}, held_out=0.0, held_out_images=0)
    assert decide(empty, empty).reasons == ["no held-out corrections to judge by"]


def test_decide_follows_a_stricter_rule() -> None:
    assert not decide(CURRENT, candidate(mnist=0.9959), Rule(max_mnist_drop=0.0)).promote


def test_real_picture_conditions_score_every_kind() -> None:
    scores = RealPictureConditions(seed=0, per_kind=2)(SHIPPED_MODEL)
    assert len(scores) >= 10 and {"phone_photo", "screenshot"} <= scores.keys()
    assert all(0.0 <= value <= 1.0 for value in scores.values())


def test_judge_refuses_a_candidate_that_cannot_run(tmp_path: Path, mnist_test) -> None:
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"TFL3 but not a model")
    images, labels = mnist_test[0][:50] / 255.0, mnist_test[1][:50]
    before, after, decision = judge(SHIPPED_MODEL, broken, mnist=(images, labels), held_out=(images, labels),
                                    conditions=lambda model: {})
    assert before.mnist > 0.9 and after is None
    assert not decision.promote and decision.reasons[0].startswith("the candidate cannot be run: ")
