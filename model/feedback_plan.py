"""What a retraining takes from the corrections, and how much each may weigh.

Corrections come from anyone who can reach ``POST /feedback``, so none of them may steer the model
alone: exact duplicates (the same bytes) count once, an image sent with different labels is left out
as contested, no image is repeated more than ``max_copies`` times, and no label's corrections may weigh
more than ``max_label_share`` of the MNIST replay set. A fixed share, chosen by each image's hash (so
the same image is always on the same side, whatever order records are read in), is held out to judge
whether the new model reads corrections better.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from model.feedback_data import Correction, by_hash

HASH_SPACE = 16**8  # the first 8 hex digits of a SHA-256


@dataclass(frozen=True)
class Caps:
    held_out_share: float = 0.2
    max_copies: int = 4  # of one image in the fine-tuning set
    max_label_share: float = 0.05  # one label's corrections (copies counted) against the replay set's size


@dataclass
class LabelUse:
    readable: int = 0  # after duplicates and contested images are dropped
    held_out: int = 0
    fine_tune: int = 0  # distinct images trained on
    copies: int = 0  # of each of them
    left_out_by_cap: int = 0


@dataclass
class TrainingPlan:
    caps: Caps
    replay_size: int
    held_out: list[Correction] = field(default_factory=list)
    fine_tune: list[tuple[Correction, int]] = field(default_factory=list)  # (image, copies)
    duplicates_dropped: int = 0
    contested: list[str] = field(default_factory=list)  # SHA-256 of images sent with different labels
    per_label: dict[int, LabelUse] = field(default_factory=dict)

    @property
    def fine_tune_copies(self) -> int:
        return sum(copies for _, copies in self.fine_tune)

    def fine_tune_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every fine-tuning image repeated by its copies: (N, 28, 28) float32 and (N,) labels."""
        images = [c.model_input for c, copies in self.fine_tune for _ in range(copies)]
        labels = [c.label for c, copies in self.fine_tune for _ in range(copies)]
        return _arrays(images, labels)

    def held_out_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return _arrays([c.model_input for c in self.held_out], [c.label for c in self.held_out])

    def summary(self) -> dict:
        total = self.replay_size + self.fine_tune_copies
        return {
            "caps": vars(self.caps), "replay_images": self.replay_size,
            "held_out": len(self.held_out), "fine_tune_images": len(self.fine_tune),
            "fine_tune_copies": self.fine_tune_copies, "duplicates_dropped": self.duplicates_dropped,
            "contested_images": len(self.contested),
            "per_label": {
                str(label): {**vars(use), "share_of_fine_tuning": round(use.fine_tune * use.copies / max(1, total), 4)}
                for label, use in sorted(self.per_label.items())
            },
        }


def _arrays(images: list[np.ndarray], labels: list[int]) -> tuple[np.ndarray, np.ndarray]:
    if not images:
        return np.zeros((0, 28, 28), np.float32), np.zeros((0,), np.int64)
    return np.stack(images).astype(np.float32), np.asarray(labels, dtype=np.int64)


def is_held_out(sha256: str, share: float) -> bool:
    """The fixed split: an image is held out when its hash falls in the first ``share`` of the hash space."""
    return int(sha256[:8], 16) < share * HASH_SPACE


def distinct(corrections: Iterable[Correction]) -> tuple[list[Correction], int, list[str]]:
    """One correction per image; the number of duplicates dropped; the hashes sent with different labels."""
    kept, dropped, contested = [], 0, []
    for digest, group in by_hash(corrections).items():
        if len({c.label for c in group}) > 1:
            contested.append(digest)
            continue
        kept.append(min(group, key=lambda c: (c.stored_at, c.key)))  # the first one sent
        dropped += len(group) - 1
    return sorted(kept, key=lambda c: c.sha256), dropped, sorted(contested)


def plan_training(corrections: Iterable[Correction], *, replay_size: int, caps: Caps = Caps()) -> TrainingPlan:
    kept, dropped, contested = distinct(corrections)
    plan = TrainingPlan(caps=caps, replay_size=replay_size, duplicates_dropped=dropped, contested=contested)
    budget = int(caps.max_label_share * replay_size)  # copies one label's corrections may add up to
    for label in sorted({c.label for c in kept}):
        mine = [c for c in kept if c.label == label]
        use = plan.per_label.setdefault(label, LabelUse(readable=len(mine)))
        held = [c for c in mine if is_held_out(c.sha256, caps.held_out_share)]
        train = [c for c in mine if not is_held_out(c.sha256, caps.held_out_share)]
        # Over the budget even once each: keep the first in hash order, which no sender chooses.
        use.left_out_by_cap = max(0, len(train) - budget)
        train = train[:budget]
        use.copies = min(caps.max_copies, budget // len(train)) if train else 0
        use.held_out, use.fine_tune = len(held), len(train)
        plan.held_out += held
        plan.fine_tune += [(c, use.copies) for c in train]
    return plan
