"""Feedback stores filled the way POST /feedback fills them: systematic corrections, duplicates, corrupt records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handler.feedback import FeedbackRecord, FeedbackStore
from model.digit_strokes import jitter, render
from tests.utils import encode_image

PREFIX = "feedback/"
# A 1 written with a long, low flag, as many people outside North America do: MNIST-trained models
# read most of these as a 7 (measured on seed 0: the shipped model 40 of 60, the test's small model 43).
LONG_FLAG_ONE = [[(0.1, 0.3), (0.6, 0.0), (0.55, 1.0)]]


@dataclass(frozen=True)
class Sent:
    image: bytes
    label: str
    predicted: str | None


def long_flag_one(rng: np.random.Generator) -> bytes:
    """Black ink on white paper, 40-90 px tall, a 3-7 px pen."""
    skeleton = jitter(LONG_FLAG_ONE, rng, slant=rng.uniform(-0.1, 0.3), rotation=rng.normal(0.0, 0.08),
                      aspect=rng.uniform(0.6, 0.9))
    ink = render(skeleton, int(rng.integers(40, 90)), float(rng.uniform(3.0, 7.0)))
    return encode_image((255 - np.round(ink * 255)).astype(np.uint8))


def confusable_corrections(count: int, seed: int = 0) -> list[Sent]:
    """``count`` long-flagged 1s that the API had answered 7 for, each corrected to 1."""
    rng = np.random.default_rng(seed)
    return [Sent(long_flag_one(rng), label="1", predicted="7") for _ in range(count)]


def store(target: FeedbackStore, sent: list[Sent]) -> list[FeedbackRecord]:
    """Save each as the route does: a new record (id, hash, date key) and the image, through the store."""
    records = []
    for item in sent:
        record = FeedbackRecord.new(image=item.image, label=item.label, predicted=item.predicted,
                                    content_type="image/png", image_format="PNG", prefix=PREFIX)
        target.save(record, item.image)
        records.append(record)
    return records


def write_corrupt(root: Path) -> dict[str, str]:
    """Broken records beside good ones, as a crash, a bad client or a hand edit leave them: {key: kind}."""
    day = root / PREFIX / "2026" / "12" / "01"
    day.mkdir(parents=True, exist_ok=True)
    good = long_flag_one(np.random.default_rng(99))
    blank = encode_image(np.full((40, 40), 255, np.uint8))

    def record(name: str, image: bytes, **changes: object) -> dict:
        return {"id": name, "label": "1", "predicted": "7", "content_type": "image/png", "image_format": "PNG",
                "size_bytes": len(image), "sha256": hashlib.sha256(image).hexdigest(),
                "stored_at": "2026-12-01T10:00:00.000Z", "image_key": f"{PREFIX}2026/12/01/{name}.png", **changes}

    cases = {
        "not-json": ("unreadable", b"{truncated", None),
        "no-image": ("unreadable", json.dumps(record("no-image", good)).encode(), None),
        "wrong-hash": ("inconsistent", json.dumps(record("wrong-hash", good, sha256="0" * 64)).encode(), good),
        "bad-label": ("inconsistent", json.dumps(record("bad-label", good, label="x")).encode(), good),
        "not-an-image": ("unreadable", json.dumps(record("not-an-image", b"GIF89a garbage")).encode(), b"GIF89a garbage"),
        "blank": ("unreadable", json.dumps(record("blank", blank)).encode(), blank),
        "other-id": ("inconsistent", json.dumps(record("other-id", good, id="someone-else")).encode(), good),
    }
    expected = {}
    for name, (kind, record_bytes, image) in cases.items():
        (day / f"{name}.json").write_bytes(record_bytes)
        if image is not None:
            (day / f"{name}.png").write_bytes(image)
        expected[f"{PREFIX}2026/12/01/{name}.json"] = kind
    return expected
