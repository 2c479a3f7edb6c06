"""What a retraining takes from the corrections: one copy per image, capped weights, a fixed held-out split."""

from __future__ import annotations

import hashlib

import numpy as np

from model.feedback_data import Correction
from model.feedback_plan import Caps, is_held_out, plan_training


def correction(n: int, label: int = 1, *, image: bytes | None = None, stored_at: str = "2026-12-01") -> Correction:
    data = image if image is not None else f"image {n}".encode()
    return Correction(key=f"k{n}.json", label=label, predicted=7, sha256=hashlib.sha256(data).hexdigest(),
                      stored_at=stored_at, image=data, model_input=np.full((28, 28), n, np.float32))


def test_plan_holds_out_by_hash_whatever_the_order() -> None:
    items = [correction(n) for n in range(200)]
    forward = plan_training(items, replay_size=10_000)
    backward = plan_training(items[::-1], replay_size=10_000)
    assert {c.sha256 for c in forward.held_out} == {c.sha256 for c in backward.held_out}
    assert all(is_held_out(c.sha256, 0.2) for c in forward.held_out)
    assert 20 <= len(forward.held_out) <= 60  # about a fifth of 200


def test_plan_counts_an_image_sent_twice_once() -> None:
    same = [correction(0, image=b"same", stored_at="2026-12-02"), correction(1, image=b"same", stored_at="2026-12-01")]
    plan = plan_training([*same, correction(2), correction(3)], replay_size=10_000, caps=Caps(held_out_share=0.0))
    assert plan.duplicates_dropped == 1
    assert len(plan.fine_tune) == 3
    assert "k1.json" in {c.key for c, _ in plan.fine_tune}  # the first one sent is kept


def test_plan_leaves_out_an_image_sent_with_different_labels() -> None:
    contested = [correction(0, label=1, image=b"same"), correction(1, label=7, image=b"same")]
    plan = plan_training([*contested, correction(2)], replay_size=10_000, caps=Caps(held_out_share=0.0))
    assert plan.contested == [hashlib.sha256(b"same").hexdigest()]
    assert [c.key for c, _ in plan.fine_tune] == ["k2.json"]


def test_plan_caps_the_copies_of_one_image() -> None:
    plan = plan_training([correction(0)], replay_size=10_000, caps=Caps(held_out_share=0.0, max_copies=4))
    assert plan.fine_tune_copies == 4
    assert plan.fine_tune_arrays()[0].shape == (4, 28, 28)


def test_plan_caps_one_label_against_the_replay_set() -> None:
    flood = [correction(n, label=1) for n in range(500)]
    plan = plan_training([*flood, correction(999, label=3)], replay_size=1000,
                         caps=Caps(held_out_share=0.0, max_copies=4, max_label_share=0.05))
    ones = plan.per_label[1]
    assert (ones.fine_tune, ones.copies, ones.left_out_by_cap) == (50, 1, 450)
    assert plan.per_label[3].copies == 4  # a rare label is not crowded out
    assert plan.summary()["per_label"]["1"]["share_of_fine_tuning"] <= 0.05


def test_plan_arrays_pair_each_image_with_its_label() -> None:
    plan = plan_training([correction(0, label=1), correction(1, label=5)], replay_size=40,
                         caps=Caps(held_out_share=0.0, max_copies=1, max_label_share=1.0))
    images, labels = plan.fine_tune_arrays()
    assert sorted(zip(labels.tolist(), images[:, 0, 0].tolist(), strict=True)) == [(1, 0.0), (5, 1.0)]
