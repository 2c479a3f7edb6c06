"""The model history kept in ``model/metrics.json`` and the model card.

A model's version is the first 12 hex digits of the SHA-256 of the shipped ``.tflite`` (what ``GET
/model`` answers). Each promotion appends one entry: the date, the version before and after, the data
counts, and the figures the promotion rule compared.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def version_of(model: Path) -> str:
    return hashlib.sha256(model.read_bytes()).hexdigest()[:12] if model.is_file() else "none"


def carried_history(metrics_path: Path) -> list[dict]:
    """The history already in ``metrics.json``, for a rewrite of it (``make train``) to keep."""
    if not metrics_path.is_file():
        return []
    return json.loads(metrics_path.read_text()).get("history", [])


def history_markdown(history: list[dict]) -> str:
    """The model card's section: one row per promotion, newest last."""
    if not history:
        return ""
    rows = []
    for entry in history:
        before, after, data = entry["before"], entry["after"], entry["data"]
        worst = min((after["conditions"].get(name, 0.0) - value for name, value in before["conditions"].items()),
                    default=0.0)
        rows.append(
            f"| {entry['date'][:10]} | `{entry['previous_version']}` -> `{entry['version']}` | {data['records']} records, "
            f"{data['fine_tune_images']} trained on (+{data['replay_images']} MNIST), {data['held_out']} held out, "
            f"{data['skipped']} skipped, {data['duplicates_dropped']} duplicates | {before['mnist']:.2%} -> "
            f"{after['mnist']:.2%} | {before['held_out']:.1%} -> {after['held_out']:.1%} | {worst:+.1%} |")
    return "\n".join([
        "", "## Model history", "",
        "Promotions by `model/retrain.py` (`make retrain`): MNIST test, held-out corrections, and the largest change "
        "on any real-picture condition, before -> after.", "",
        "| date | version | data | MNIST test | held-out corrections | worst condition |",
        "| --- | --- | --- | ---: | ---: | ---: |", *rows, "",
    ])


def history_entry(*, location: str, records: int, skipped: int, plan_summary: dict, mnist_images: int,
                  before: dict, after: dict) -> dict:
    return {
        "data": {"location": location, "records": records, "skipped": skipped,
                 "fine_tune_images": plan_summary["fine_tune_images"],
                 "fine_tune_copies": plan_summary["fine_tune_copies"], "held_out": plan_summary["held_out"],
                 "replay_images": plan_summary["replay_images"], "duplicates_dropped": plan_summary["duplicates_dropped"],
                 "contested_images": plan_summary["contested_images"], "caps": plan_summary["caps"],
                 "mnist_test_images": mnist_images},
        "before": before, "after": after,
    }
