"""The figures of the report, from a list of answers: pure functions, no I/O.

Every rate is over all pictures of the group unless it says otherwise, so a 422 (an abstention)
lowers accuracy but is never a confident wrong answer. ECE is over the answered pictures only.
"""

from __future__ import annotations

from dataclasses import dataclass

CONFIDENT = 0.9  # issue 12: "a wrong digit with confidence >= 0.9", "right answers with confidence >= 0.9"
ECE_BINS = 15
LOW = 0.5  # a negative answered with less confidence than this is counted apart (no `uncertain` field yet)


@dataclass(frozen=True)
class Answer:
    condition: str
    index: int
    label: int | None  # None: a negative
    source: str
    status: int
    digit: int | None = None  # None unless status is 200
    confidence: float | None = None
    uncertain: bool | None = None  # None when the service's answer has no `uncertain` field
    detail: str | None = None
    ms: float = 0.0

    @property
    def answered(self) -> bool:
        return self.status == 200 and self.digit is not None

    @property
    def right(self) -> bool:
        return self.answered and self.digit == self.label


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def accuracy(answers: list[Answer]) -> float:
    return _share(sum(a.right for a in answers), len(answers))


def abstention_rate(answers: list[Answer]) -> float:
    return _share(sum(not a.answered for a in answers), len(answers))


def confident_wrong(answers: list[Answer], threshold: float = CONFIDENT) -> float:
    return _share(sum(a.answered and not a.right and a.confidence >= threshold for a in answers), len(answers))


def confident_right(answers: list[Answer], threshold: float = CONFIDENT) -> float:
    return _share(sum(a.right and a.confidence >= threshold for a in answers), len(answers))


def ece(answers: list[Answer], bins: int = ECE_BINS) -> float:
    """Expected calibration error: |accuracy - mean confidence| per equal-width bin, weighted by its count."""
    answered = [a for a in answers if a.answered]
    if not answered:
        return 0.0
    groups: dict[int, list[Answer]] = {}
    for a in answered:
        groups.setdefault(min(int(a.confidence * bins), bins - 1), []).append(a)
    return sum(
        len(group) * abs(sum(a.right for a in group) / len(group) - sum(a.confidence for a in group) / len(group))
        for group in groups.values()
    ) / len(answered)


def uncertain_rate(answers: list[Answer]) -> float | None:
    """Share of the answered pictures marked ``uncertain: true``; None when no answer has the field."""
    marked = [a for a in answers if a.answered and a.uncertain is not None]
    return _share(sum(bool(a.uncertain) for a in marked), len(marked)) if marked else None


def digit_summary(answers: list[Answer]) -> dict:
    return {
        "pictures": len(answers), "accuracy": accuracy(answers), "abstained": abstention_rate(answers),
        "confident_wrong": confident_wrong(answers), "confident_right": confident_right(answers),
        "ece": ece(answers), "uncertain": uncertain_rate(answers),
    }


def rejected(answer: Answer) -> bool:
    """What a negative should get: a 422 (or any refusal) or an answer marked uncertain."""
    return not answer.answered or bool(answer.uncertain)


def negative_summary(answers: list[Answer]) -> dict:
    n = len(answers)
    kept = [a for a in answers if not rejected(a)]
    return {
        "pictures": n, "rejected": _share(n - len(kept), n),
        "refused_422": _share(sum(a.status == 422 for a in answers), n),
        "uncertain": _share(sum(a.answered and bool(a.uncertain) for a in answers), n),
        "low_confidence": _share(sum(a.confidence < LOW for a in kept), n),
        "confident_digit": _share(sum(a.confidence >= CONFIDENT for a in kept), n),
    }
