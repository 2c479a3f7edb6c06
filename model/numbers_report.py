"""
Title: Handwritten numbers read by /predict/number, per capture condition
Description: Generates the number set (model/numbers.py) and reads every picture as the route does.

Reading = ``handler.number.read_number`` (check, decode, ink, segment, one interpreter call): what
``POST /predict/number`` answers. A number counts as right only when every digit is right and none is
missing or extra. Writes model/numbers.json, model/NUMBERS.md and model/numbers.png (failures):

    python -m model.numbers_report --seed 0 --per-condition 60 --out model
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from handler.classifier import DigitClassifier
from handler.config import Settings
from handler.errors import DigitApiError
from handler.number import read_number
from model.contact_sheet import picture_thumbnail
from model.data import ARTIFACTS
from model.numbers import CONDITIONS, DEFAULT_PER_CONDITION, DEFAULT_SEED, NumberPicture, generate_set

BAR = 0.97  # issue 16: at least 97% of numbers exactly right on this set
SHEET_FAILURES = 36
THUMB = (360, 120)


@dataclass
class Reading:
    condition: str
    index: int
    number: str
    touching: bool
    answer: str  # "" when the service answered an error
    confidence: float
    boxes: list[list[int]]
    ms: float
    error: str | None = None

    @property
    def right(self) -> bool:
        return self.answer == self.number


def read(picture: NumberPicture, settings: Settings, classifier: DigitClassifier) -> tuple[Reading, list[str]]:
    """The route's answer for one picture, and the 28x28 inputs it read (PNG data URLs)."""
    started = time.perf_counter()
    try:
        answer = read_number(picture.data, None, settings, classifier, explain=True)
    except DigitApiError as failure:
        reading = Reading(picture.condition, picture.index, picture.number, picture.touching, "", 0.0, [],
                          0.0, f"{failure.status_code}: {failure}")
        inputs: list[str] = []
    else:
        reading = Reading(picture.condition, picture.index, picture.number, picture.touching, answer.number,
                          round(answer.confidence, 4), [d.box for d in answer.digits], 0.0)
        inputs = [d.model_input or "" for d in answer.digits]
    reading.ms = round((time.perf_counter() - started) * 1000, 1)
    return reading, inputs


def summarize(readings: list[Reading]) -> dict:
    def share(rows: list[Reading]) -> float:
        return round(sum(r.right for r in rows) / len(rows), 4) if rows else float("nan")

    conditions = {}
    for condition in dict.fromkeys(r.condition for r in readings):
        rows = [r for r in readings if r.condition == condition]
        conditions[condition] = {"numbers": len(rows), "exactly_right": share(rows),
                                 "errors": sum(r.error is not None for r in rows),
                                 "median_ms": round(float(np.median([r.ms for r in rows])), 1)}
    lengths = {str(n): share([r for r in readings if len(r.number) == n])
               for n in sorted({len(r.number) for r in readings})}
    return {
        "numbers": len(readings), "bar": BAR, "exactly_right": share(readings),
        "touching": {"with_a_touching_pair": share([r for r in readings if r.touching]),
                     "without": share([r for r in readings if not r.touching])},
        "by_length": lengths, "per_condition": conditions,
    }


def markdown(summary: dict, seed: int, model: str) -> str:
    mark = "" if summary["exactly_right"] >= summary["bar"] else f" (below the bar of {summary['bar']:.0%})"
    lines = [
        "# Handwritten numbers: exactly right, per capture condition",
        "",
        f"{summary['numbers']} generated numbers of 2-8 digits (`python -m model.numbers --seed {seed}`): MNIST "
        "*training* digits and stroke-drawn digits written on one line (sizes, gaps, slant, wavy baselines, "
        "a quarter with one pair pushed into contact), captured as listed. Read by `handler.number.read_number`, "
        f"what `POST /predict/number` answers; model `{model}`.",
        "",
        f"**Exactly right: {summary['exactly_right']:.1%}**{mark}. With a touching pair: "
        f"{summary['touching']['with_a_touching_pair']:.1%}; without: {summary['touching']['without']:.1%}.",
        "",
        "| condition | numbers | exactly right | errors (4xx) | median time |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for condition, row in summary["per_condition"].items():
        lines.append(f"| {condition} | {row['numbers']} | {row['exactly_right']:.1%} | {row['errors']} "
                     f"| {row['median_ms']:.0f} ms |")
    lines += [
        "",
        "| digits | " + " | ".join(summary["by_length"]) + " |",
        "| --- |" + " ---: |" * len(summary["by_length"]),
        "| exactly right | " + " | ".join(f"{v:.0%}" for v in summary["by_length"].values()) + " |",
        "",
        "The segmenter counts the model's \"not a digit\" output against every candidate (a fragment, two digits "
        "in one input), tries straight slanted cuts beside the cheapest paths (digits that overlap) and charges a "
        "cut through a closed loop that a candidate holding it reads as a 0, 4, 6, 8 or 9 (not the paper between two "
        "touching digits), shears writing that leans more than MNIST's digits (an italic font) back before it is "
        "read; an unsure reading of an opaque picture is read again with its colours inverted "
        "(light ink on mid-tone paper). Most failures left are touching pairs cut where one digit's stroke runs "
        "into the other's (the part left over reads, confidently, as another digit: a 6 without its top as a 5), "
        "a 1 pressed against its neighbour and read with it as one digit, and digits that read as another on "
        "their own (a 9 whose tail curls as an 8); in photos, clutter beside the paper is sometimes read as a digit.",
        "",
        "The segmenter's priors were tuned on seeds 1 and 2 (seed 3 checked each change); seed 0 is kept for "
        "this report. Times include "
        "decoding on the machine that ran the report, shared with other work (see `make bench`).",
        "",
        "![failures](numbers.png)",
        "",
        "Each failure: the picture with the boxes the service answered, the 28x28 inputs it read, the number "
        "written and the answer.",
        "",
    ]
    return "\n".join(lines)


def failure_tile(picture: NumberPicture, reading: Reading, inputs: list[str]) -> Image.Image:
    thumbnail = picture_thumbnail(picture.data, THUMB)
    scale = thumbnail.size[0] / ImageOps.exif_transpose(Image.open(io.BytesIO(picture.data))).size[0]
    draw = ImageDraw.Draw(thumbnail)
    for x, y, w, h in reading.boxes:
        draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], outline=(220, 0, 0))
    tile = Image.new("RGB", (THUMB[0] + 8, THUMB[1] + 58), "white")
    tile.paste(thumbnail, (0, 0))
    for index, url in enumerate(inputs[:12]):
        seen = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
        tile.paste(seen, (index * 30, THUMB[1] + 4))
    text = f"{reading.condition} #{reading.index}: {reading.number} -> {reading.answer or reading.error}"
    ImageDraw.Draw(tile).text((2, THUMB[1] + 36), text[:64], fill=(190, 0, 0))
    return tile


def write_sheet(path: Path, failures: list[tuple[NumberPicture, Reading, list[str]]]) -> None:
    columns = 3
    tiles = [failure_tile(*item) for item in failures[:SHEET_FAILURES]] or [Image.new("RGB", (200, 40), "white")]
    rows = -(-len(tiles) // columns)
    width, height = tiles[0].size
    sheet = Image.new("RGB", (columns * (width + 8) + 8, rows * (height + 8) + 8), "white")
    for index, tile in enumerate(tiles):
        sheet.paste(tile, (8 + (index % columns) * (width + 8), 8 + (index // columns) * (height + 8)))
    sheet.quantize(colors=128).save(path, optimize=True)  # a sheet of photos: 128 colours keep it small


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-condition", type=int, default=DEFAULT_PER_CONDITION)
    parser.add_argument("--model", type=Path, default=ARTIFACTS / "mnist_cnn.tflite")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    settings, classifier = Settings(), DigitClassifier(args.model)
    readings, failures = [], []
    for picture in generate_set(args.seed, args.per_condition):
        reading, inputs = read(picture, settings, classifier)
        readings.append(reading)
        if not reading.right:
            failures.append((picture, reading, inputs))
    summary = summarize(readings)
    summary.update(seed=args.seed, model=args.model.name,
                   failures=[asdict(r) for r in readings if not r.right])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "numbers.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "NUMBERS.md").write_text(markdown(summary, args.seed, args.model.name))
    write_sheet(args.out / "numbers.png", failures)
    for condition, row in summary["per_condition"].items():
        print(f"{condition:20s} {row['exactly_right']:7.1%} of {row['numbers']}")
    print(f"all {len(readings)} numbers: {summary['exactly_right']:.2%} exactly right (conditions: {len(CONDITIONS)})")


if __name__ == "__main__":
    main()
