"""
Title: Accuracy on real-looking pictures, per kind: the API's pipeline beside the original app's
Description: Generates the real-picture set (model/real_pictures.py) and reads every picture two ways.

The API: decode_image -> prepare_auto -> DigitClassifier, read again when unsure (what /predict does in mode=auto).
The original app: the whole picture converted to grey and resized to 28x28, no inversion.
Writes model/real_pictures.json, model/REAL_PICTURES.md and model/real_pictures.png (examples and failures).

    python -m model.evaluate_real --seed 0 --per-kind 50 --out model
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from handler.classifier import NOT_A_DIGIT, NUM_DIGITS, DigitClassifier
from handler.config import Settings
from handler.decode import decode_image
from handler.errors import DigitApiError
from handler.preprocess import DigitPicture, prepare_auto
from handler.service import read_pictures
from model.contact_sheet import write_contact_sheet
from model.data import ARTIFACTS
from model.real_pictures import DEFAULT_PER_KIND, DEFAULT_SEED, RealPicture, generate_set

BAR = 0.97  # issue 4: at least 97% on every kind
MAX_PIXELS = Settings.model_fields["MAX_IMAGE_PIXELS"].default
SHEET_EXAMPLES = 3  # per kind on the contact sheet, then up to SHEET_FAILURES of its failures
SHEET_FAILURES = 9


@dataclass
class Reading:
    kind: str
    index: int
    label: int
    api: int  # -1 when the API answered an error instead of a digit
    api_confidence: float
    naive: int
    api_ms: float  # decode + preprocess, the part this pipeline adds
    error: str | None = None


def api_input(data: bytes) -> DigitPicture:
    """What /predict?mode=auto feeds the model (then read as the service reads it: ``service.read_pictures``)."""
    image = decode_image(data, max_pixels=MAX_PIXELS)
    return prepare_auto(image.rgb, image.alpha)


def naive_input(data: bytes) -> np.ndarray:
    """What the original app fed its model: grey, squashed to 28x28, scaled to [0, 1]."""
    image = Image.open(io.BytesIO(data)).convert("L").resize((28, 28))
    return np.asarray(image, dtype=np.float32) / 255.0


def read(picture: RealPicture, classifier: DigitClassifier) -> tuple[Reading, np.ndarray | None]:
    started = time.perf_counter()
    try:
        prepared, error = api_input(picture.data), None
    except DigitApiError as failure:
        prepared, error = None, f"{failure.status_code}: {failure}"
    elapsed_ms = (time.perf_counter() - started) * 1000
    model_input, api_probabilities = None, np.zeros(NUM_DIGITS)
    if prepared is not None:
        [prepared], [api_probabilities] = read_pictures(classifier, [prepared])
        model_input = prepared.model_input
    naive = int(np.argmax(classifier.predict(naive_input(picture.data))[0][:NUM_DIGITS]))
    api = int(np.argmax(api_probabilities)) if model_input is not None else -1
    if api == NOT_A_DIGIT:  # the API refuses it: 422 "no digit found"
        api, error = -1, "422: not a digit"
    reading = Reading(
        kind=picture.kind, index=picture.index, label=picture.label, api=api,
        api_confidence=round(float(api_probabilities.max()), 4), naive=naive, api_ms=round(elapsed_ms, 2), error=error,
    )
    return reading, model_input


def per_kind(readings: list[Reading]) -> dict[str, dict]:
    table = {}
    for kind in dict.fromkeys(r.kind for r in readings):
        rows = [r for r in readings if r.kind == kind]
        table[kind] = {
            "pictures": len(rows),
            "api_accuracy": round(sum(r.api == r.label for r in rows) / len(rows), 4),
            "naive_accuracy": round(sum(r.naive == r.label for r in rows) / len(rows), 4),
            "api_errors": sum(r.error is not None for r in rows),
            "median_api_ms": round(float(np.median([r.api_ms for r in rows])), 2),
        }
    return table


def evaluate(pictures: Iterable[RealPicture], classifier: DigitClassifier) -> tuple[list[Reading], list]:
    """Read every picture both ways; keep (picture, model input, reading) of examples and failures for the sheet."""
    readings, kept = [], []
    for picture in pictures:
        reading, model_input = read(picture, classifier)
        readings.append(reading)
        failures = sum(1 for p, _, r in kept if p.kind == picture.kind and r.api != r.label)
        if picture.index < SHEET_EXAMPLES or (reading.api != reading.label and failures < SHEET_FAILURES):
            kept.append((picture, model_input, reading))
    return readings, kept


def write_report(out: Path, seed: int, model: Path, readings: list[Reading], table: dict[str, dict]) -> None:
    total = len(readings)
    summary = {
        "seed": seed, "model": model.name, "pictures": total, "bar_per_kind": BAR,
        "api_accuracy": round(sum(r.api == r.label for r in readings) / total, 4),
        "naive_accuracy": round(sum(r.naive == r.label for r in readings) / total, 4),
        "per_kind": table,
        "failures": [asdict(r) for r in readings if r.api != r.label],
    }
    (out / "real_pictures.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "REAL_PICTURES.md").write_text(markdown(summary))


def markdown(summary: dict) -> str:
    lines = [
        "# Real pictures: accuracy per kind",
        "",
        f"{summary['pictures']} generated pictures (`python -m model.real_pictures --seed {summary['seed']}`), "
        f"digits drawn as strokes, never MNIST images and never used for training; model `{summary['model']}`.",
        "API = `decode_image` -> `prepare_auto` -> `DigitClassifier`, read again when unsure (what `/predict` does in `mode=auto`); "
        "original = the whole picture converted to grey and resized to 28x28, no inversion (the original app).",
        "",
        "| kind | pictures | API | original app | API errors (4xx) | median decode + preprocess |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, row in summary["per_kind"].items():
        mark = "" if row["api_accuracy"] >= summary["bar_per_kind"] else " (below the bar)"
        lines.append(f"| {kind} | {row['pictures']} | {row['api_accuracy']:.1%}{mark} | {row['naive_accuracy']:.1%} "
                     f"| {row['api_errors']} | {row['median_api_ms']:.1f} ms |")
    lines += [
        f"| **all** | {summary['pictures']} | **{summary['api_accuracy']:.1%}** | {summary['naive_accuracy']:.1%} | | |",
        "",
        f"The bar (issue 4) is {summary['bar_per_kind']:.0%} on every kind. Preprocessing was developed on seeds 1 "
        "and 2; seed 0 is kept for this report. Timings are from the machine that ran the report, shared with "
        "other work; see the benchmark for figures to quote.",
        "",
        "![examples and failures](real_pictures.png)",
        "",
        "Each tile: the picture as sent, the 28x28 image the model saw, the label and the API's answer.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-kind", type=int, default=DEFAULT_PER_KIND)
    parser.add_argument("--model", type=Path, default=ARTIFACTS / "mnist_cnn.tflite")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    classifier = DigitClassifier(args.model)
    readings, kept = evaluate(generate_set(args.seed, args.per_kind), classifier)
    table = per_kind(readings)
    args.out.mkdir(parents=True, exist_ok=True)
    write_report(args.out, args.seed, args.model, readings, table)
    write_contact_sheet(args.out / "real_pictures.png", kept)
    for kind, row in table.items():
        print(f"{kind:20s} API {row['api_accuracy']:7.1%}   original app {row['naive_accuracy']:7.1%}")
    print(f"all {len(readings)} pictures: API {sum(r.api == r.label for r in readings) / len(readings):.2%}")


if __name__ == "__main__":
    main()
