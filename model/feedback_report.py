"""
Title: What users corrected: a report on the feedback store
Description: Counts per label, confusion pairs, duplicates, skipped records, and a contact sheet.

Reads every record of a local feedback folder or an S3 prefix (``model/feedback_data.py``) and writes
``FEEDBACK_REPORT.md``, ``feedback_report.json`` and ``corrections.png`` (each corrected picture beside
the 28x28 image the model saw) to ``--out``. It also shows what ``model/retrain.py`` would train on
with the same caps: the held-out share, the images and copies per label, the duplicates dropped.

    python -m model.feedback_report --feedback s3://bucket/feedback/ --out build/feedback-report
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from handler.classifier import DigitClassifier
from model.contact_sheet import draw_tile, in_rows, write_sheet
from model.data import ARTIFACTS
from model.feedback_data import DEFAULT_CONCURRENCY, DEFAULT_LOCATION, Correction, FeedbackSet, duplicates, load_feedback
from model.feedback_plan import Caps, TrainingPlan, plan_training

DEFAULT_REPLAY = 10_000  # model/retrain.py's default, so the plan shown is the one it would use
SHEET_MAX = 120  # corrected pictures on the contact sheet (the report lists them all)
WRONG, RIGHT = (190, 0, 0), (0, 110, 0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The feedback location, the reading pool and the caps: shared with model/retrain.py."""
    parser.add_argument("--feedback", default=DEFAULT_LOCATION, help="s3://bucket/prefix or a local folder")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="S3 reads in flight")
    parser.add_argument("--held-out-share", type=float, default=Caps.held_out_share)
    parser.add_argument("--max-copies", type=int, default=Caps.max_copies, help="of one image in fine-tuning")
    parser.add_argument("--max-label-share", type=float, default=Caps.max_label_share,
                        help="one label's corrections, copies counted, against the replay set's size")


def caps_from(args: argparse.Namespace) -> Caps:
    return Caps(held_out_share=args.held_out_share, max_copies=args.max_copies, max_label_share=args.max_label_share)


def summarize(feedback: FeedbackSet, plan: TrainingPlan, readings: dict[str, int]) -> dict:
    """Everything the report says, as JSON; ``readings`` is what the current model reads now, by key."""
    corrected = [c for c in feedback.corrections if c.corrected]
    pairs = Counter((c.predicted, c.label) for c in corrected)
    return {
        "location": feedback.location,
        "records": feedback.records,
        "readable": len(feedback.corrections),
        "corrected": len(corrected),
        "confirmed": sum(c.predicted == c.label for c in feedback.corrections),
        "per_label": {
            str(label): {"records": sum(c.label == label for c in feedback.corrections),
                         "corrected": sum(c.label == label for c in corrected)}
            for label in range(10)
        },
        "confusion_pairs": [{"predicted": p, "right": r, "count": n} for (p, r), n in pairs.most_common()],
        "current_model_still_wrong": sum(readings.get(c.key) != c.label for c in corrected),
        "duplicates": [
            {"sha256": digest, "copies": len(group), "labels": sorted({c.label for c in group}),
             "keys": [c.key for c in group]}
            for digest, group in duplicates(feedback.corrections).items()
        ],
        "skipped": [vars(problem) for problem in feedback.problems],
        "retraining_plan": plan.summary(),
    }


def current_readings(corrections: list[Correction], model: Path) -> dict[str, int]:
    """What the model in ``model`` reads in each correction's 28x28 image now."""
    if not corrections or not model.is_file():
        return {}
    predicted = DigitClassifier(model).predict(np.stack([c.model_input for c in corrections])).argmax(axis=1)
    return {c.key: int(p) for c, p in zip(corrections, predicted, strict=True)}


def write_corrections_sheet(path: Path, corrections: list[Correction], readings: dict[str, int]) -> int:
    """Corrected pictures grouped by their right digit; each caption: answered -> right (reads now)."""
    shown = [c for c in sorted(corrections, key=lambda c: (c.label, c.stored_at)) if c.corrected][:SHEET_MAX]
    rows = []
    for label in sorted({c.label for c in shown}):
        tiles = [draw_tile(c.image, c.model_input, f"{c.predicted} -> {c.label} (now {readings.get(c.key, '?')})",
                           RIGHT if readings.get(c.key) == c.label else WRONG)
                 for c in shown if c.label == label]
        rows += in_rows(f"right digit {label}", tiles)
    write_sheet(path, rows)
    return len(shown)


def plan_table(plan: dict) -> list[str]:
    """Markdown rows: what a retraining takes per label (``TrainingPlan.summary()``)."""
    return [
        "| digit | readable | held out | fine-tuning | copies each | left out by the cap | share of fine-tuning |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[f"| {d} | {u['readable']} | {u['held_out']} | {u['fine_tune']} | {u['copies']} | {u['left_out_by_cap']} "
          f"| {u['share_of_fine_tuning']:.2%} |" for d, u in plan["per_label"].items()],
    ]


def markdown(summary: dict, model: str, sheet_count: int) -> str:
    plan = summary["retraining_plan"]
    lines = [
        "# Feedback report",
        "",
        f"`{summary['location']}`: {summary['records']} records, {summary['readable']} readable and consistent "
        f"({summary['corrected']} corrections, {summary['confirmed']} confirmations), {len(summary['skipped'])} skipped. "
        f"The current model (`{model}`) still misreads {summary['current_model_still_wrong']} of the corrections.",
        "",
        "## Per label (the right digit)",
        "",
        "| digit | records | corrections |",
        "| --- | ---: | ---: |",
        *[f"| {d} | {row['records']} | {row['corrected']} |" for d, row in summary["per_label"].items()],
        "",
        "## Confusion pairs (answered -> right)",
        "",
        *([f"- {p['predicted']} -> {p['right']}: {p['count']}" for p in summary["confusion_pairs"]] or ["none"]),
        "",
        f"![corrections](corrections.png) ({sheet_count} corrected pictures: as sent, the 28x28 the model saw, "
        "answered -> right, and what the current model reads now)",
        "",
        "## Duplicates (the same image bytes, by SHA-256)",
        "",
        *([f"- `{d['sha256'][:12]}`: {d['copies']} copies, labels {d['labels']}" for d in summary["duplicates"]]
          or ["none"]),
        "",
        "## Skipped records",
        "",
        *([f"- `{p['key']}` ({p['kind']}): {p['reason']}" for p in summary["skipped"]] or ["none"]),
        "",
        "## What a retraining would use",
        "",
        f"Caps: {plan['caps']}. Held out: {plan['held_out']} images. Fine-tuning: {plan['fine_tune_images']} images "
        f"({plan['fine_tune_copies']} with copies) mixed with {plan['replay_images']} MNIST training images. "
        f"Duplicates dropped: {plan['duplicates_dropped']}; images with conflicting labels left out: "
        f"{plan['contested_images']}.",
        "",
        *plan_table(plan),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--model", type=Path, default=ARTIFACTS / "mnist_cnn.tflite", help="the current model")
    parser.add_argument("--replay", type=int, default=DEFAULT_REPLAY, help="MNIST images a retraining mixes in")
    parser.add_argument("--out", type=Path, default=Path("build/feedback-report"))
    args = parser.parse_args(argv)

    feedback = load_feedback(args.feedback, concurrency=args.concurrency)
    plan = plan_training(feedback.corrections, replay_size=args.replay, caps=caps_from(args))
    readings = current_readings(feedback.corrections, args.model)
    summary = summarize(feedback, plan, readings)
    args.out.mkdir(parents=True, exist_ok=True)
    sheet_count = write_corrections_sheet(args.out / "corrections.png", feedback.corrections, readings)
    (args.out / "feedback_report.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "FEEDBACK_REPORT.md").write_text(markdown(summary, args.model.name, sheet_count))
    for problem in feedback.problems:
        print(f"skipped {problem.key} ({problem.kind}): {problem.reason}")
    pairs = ", ".join(f"{p['predicted']}->{p['right']} x{p['count']}" for p in summary["confusion_pairs"][:5])
    print(f"{summary['records']} records, {summary['corrected']} corrections ({pairs or 'no pairs'}), "
          f"{len(summary['duplicates'])} duplicated images, {len(summary['skipped'])} skipped: {args.out}/FEEDBACK_REPORT.md")
    return summary


if __name__ == "__main__":
    main()
