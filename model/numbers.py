"""
Title: A generated test set of handwritten numbers for /predict/number
Description: 2-8 digits on one line (MNIST training digits and stroke-drawn digits), captured every way.

A number is written the way people write one: digits of somewhat different sizes, gaps of any width
(sometimes a wide one), a slant, a wavy or sloping baseline, and in a share of the numbers one pair of
digits pushed together until their ink touches. It is then captured like the single-digit pictures
(``model/capture.py``): clean scans, white on black, coloured paper, phone photos (also stored sideways
with an EXIF tag), screenshots, transparent canvases, a small number in a large frame. Digits come
from MNIST ``x_train`` (never ``x_test``) and from ``model/digit_strokes.py``.

Every picture is a pure function of (seed, condition, index). Writes ``<out>/<condition>/<index>-<number>.<ext>``:

    python -m model.numbers --seed 0 --per-condition 60 --out /tmp/numbers
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from model import capture
from model.data import DEFAULT_DATA
from model.digit_strokes import random_skeleton, render
from model.real_pictures import encode

DEFAULT_SEED = 0  # the reported set; the segmenter was tuned on seeds 1 and 2
DEFAULT_PER_CONDITION = 60
DIGITS = (2, 8)  # fewest and most digits of a number
MNIST_SHARE = 0.6  # of digits drawn from MNIST training images, the rest from strokes
TOUCHING_SHARE = 0.25  # of numbers (outside the "touching" condition) with one touching pair
WIDE_GAP_SHARE = 0.1  # of gaps that are wide (up to 1.6 digit heights)
PHOTO_WIDTH = 1.6  # a photographed number is at most this many drawing heights wide (a third to most of the frame)
TOUCH_DEPTH = (0.0, 0.08)  # of the digit height: how far past first contact a touching pair is pushed


@dataclass(frozen=True)
class NumberPicture:
    condition: str
    index: int
    number: str
    touching: bool
    data: bytes
    extension: str

    @property
    def name(self) -> str:
        return f"{self.index:04d}-{self.number}.{self.extension}"


@dataclass(frozen=True)
class Writing:
    """How one number is written: its digits and the hand's habits."""

    digits: list[int]
    touching: int | None  # index of the left digit of the pair pushed into contact
    slant: float
    wave: float  # baseline wave amplitude, of the digit height
    slope: float  # baseline rise per unit of width
    wide_gaps: bool


@lru_cache(maxsize=1)
def train_digits(path: Path = DEFAULT_DATA) -> tuple[np.ndarray, list[np.ndarray]]:
    """MNIST's training images and, per label, their indices (the test images are never read)."""
    with np.load(path) as data:
        images, labels = data["x_train"], data["y_train"]
    return images, [np.flatnonzero(labels == d) for d in range(10)]


def digit_coverage(digit: int, rng: np.random.Generator, *, height: float, pen: float) -> np.ndarray:
    """Ink coverage in [0, 1] of one handwritten ``digit`` about ``height`` px tall, tightly cropped."""
    if rng.random() < MNIST_SHARE:
        images, by_label = train_digits()
        image = images[rng.choice(by_label[digit])].astype(np.float32) / 255.0
        rows, cols = np.flatnonzero(image.max(axis=1) > 0.1), np.flatnonzero(image.max(axis=0) > 0.1)
        crop = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        scale = height / crop.shape[0]
        size = (max(1, round(crop.shape[1] * scale)), max(2, round(height)))
        return np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.BICUBIC)).clip(0, 1)
    skeleton = random_skeleton(digit, rng, slant=0.0, rotation=rng.normal(0.0, 0.05), aspect=rng.uniform(0.55, 0.9))
    coverage = render(skeleton, max(8, round(height)), max(0.8, pen))
    rows, cols = np.flatnonzero(coverage.max(axis=1) > 0.1), np.flatnonzero(coverage.max(axis=0) > 0.1)
    return coverage[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def random_writing(rng: np.random.Generator, *, touching: bool | None = None, strong: bool = False) -> Writing:
    count = int(rng.integers(DIGITS[0], DIGITS[1] + 1))
    touching = rng.random() < TOUCHING_SHARE if touching is None else touching
    return Writing(
        digits=[int(d) for d in rng.integers(0, 10, count)],
        touching=int(rng.integers(count - 1)) if touching else None,
        slant=rng.uniform(-0.15, 0.45) if strong else rng.uniform(-0.1, 0.3),
        wave=rng.uniform(0.05, 0.15) if strong else rng.uniform(0.0, 0.06),
        slope=rng.uniform(-0.12, 0.12) if strong else rng.uniform(-0.04, 0.04),
        wide_gaps=bool(rng.random() < 0.5),
    )


def write_number(writing: Writing, rng: np.random.Generator, *, height: float, pen: float) -> np.ndarray:
    """Ink coverage of the whole number, digits about ``height`` px tall, on one (wavy) line."""
    glyphs = [digit_coverage(d, rng, height=height * rng.uniform(0.85, 1.15), pen=pen) for d in writing.digits]
    lefts, x = [], 0.0
    for index, glyph in enumerate(glyphs):
        lefts.append(x)
        gap = rng.uniform(0.12, 0.5) * height
        if writing.wide_gaps and rng.random() < WIDE_GAP_SHARE * 3:
            gap = rng.uniform(0.6, 1.6) * height
        x += glyph.shape[1] + gap
    if writing.touching is not None:
        lefts = _touch(glyphs, lefts, writing.touching, height, rng)
    phase, period = rng.uniform(0, 2 * np.pi), rng.uniform(2.5, 6.0) * height
    width = int(max(left + g.shape[1] for left, g in zip(lefts, glyphs, strict=True))) + 2
    rise = [writing.wave * height * np.sin(2 * np.pi * left / period + phase) + writing.slope * left for left in lefts]
    base = max(r + g.shape[0] for r, g in zip(rise, glyphs, strict=True))
    tops = [int(round(base - r - g.shape[0] + (height - g.shape[0]) * 0.3 * rng.random()))
            for r, g in zip(rise, glyphs, strict=True)]
    offset = min(tops)
    canvas = np.zeros((max(t - offset + g.shape[0] for t, g in zip(tops, glyphs, strict=True)) + 2, width), np.float32)
    for left, top, glyph in zip(lefts, tops, glyphs, strict=True):
        region = canvas[top - offset : top - offset + glyph.shape[0], int(left) : int(left) + glyph.shape[1]]
        np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)
    return shear(canvas, writing.slant)


def _touch(glyphs: list[np.ndarray], lefts: list[float], pair: int, height: float,
           rng: np.random.Generator) -> list[float]:
    """Move the digits after ``pair`` left until the pair's ink touches, then a little further."""
    left, right = glyphs[pair], glyphs[pair + 1]
    rows = min(left.shape[0], right.shape[0])
    start = lefts[pair + 1] - lefts[pair]  # right glyph's offset from the left glyph
    shift = 0
    while shift < 0.5 * height:
        offset = int(start - shift)
        a = left[-rows:, max(0, offset) :] if left.shape[0] >= right.shape[0] else left[:rows, max(0, offset) :]
        b = right[-rows:, : a.shape[1]] if right.shape[0] >= left.shape[0] else right[:rows, : a.shape[1]]
        if a.shape[1] > 0 and np.any((a[:, : b.shape[1]] > 0.3) & (b > 0.3)):
            break
        shift += 1
    shift += rng.uniform(*TOUCH_DEPTH) * height
    return [x if i <= pair else x - shift for i, x in enumerate(lefts)]


def shear(coverage: np.ndarray, slant: float) -> np.ndarray:
    """Lean the writing: each row moves right by ``slant`` px per row above the bottom (left when negative)."""
    height, width = coverage.shape
    extra = int(np.ceil(abs(slant) * height))
    # The output pixel (x, y) samples the input at (x + slant * y + offset, y).
    offset = -slant * height - (extra if slant < 0 else 0)
    image = Image.fromarray(coverage, mode="F").transform(
        (width + extra, height), Image.Transform.AFFINE, (1, slant, offset, 0, 1, 0), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32).clip(0, 1)


# ---- capture conditions ---------------------------------------------------------------------------
def _flat(writing: Writing, rng: np.random.Generator, paper: np.ndarray, ink: np.ndarray, *,
          height: tuple[float, float] = (30, 110), light: bool = False) -> tuple[bytes, str]:
    """The number on a plain background with a margin, as PNG or JPEG; ``light``: uneven light and noise."""
    digit_height = rng.uniform(*height)
    coverage = write_number(writing, rng, height=digit_height, pen=digit_height * rng.uniform(0.06, 0.12))
    size = (round(coverage.shape[1] * rng.uniform(1.1, 1.6)), round(coverage.shape[0] * rng.uniform(1.3, 3.0)))
    image = Image.fromarray(capture.place(coverage, size, paper, ink, rng, where="centre"))
    if light:
        image = capture.finish(image, rng, field=capture.light_field(image.size, rng, depth=rng.uniform(0, 0.25),
                                                                      shadow=False), sigma=2.0)
    extension = "png" if rng.random() < 0.5 else "jpeg"
    return encode(image, extension, **({"quality": int(rng.integers(75, 95))} if extension == "jpeg" else {})), extension


def clean(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    return _flat(writing, rng, rng.integers(225, 256, 3), rng.integers(0, 45, 3))


def white_on_black(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    return _flat(writing, rng, rng.integers(0, 35, 3), rng.integers(215, 256, 3))


def coloured(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    paper, ink = capture.colour_pair(rng)
    return _flat(writing, rng, paper, ink, light=True)


def _photograph(writing: Writing, rng: np.random.Generator) -> Image.Image:
    """A phone photo of the number on paper: ``capture.photograph`` with the number as its "digit"."""
    count = len(writing.digits)

    def draw(label: int, rng: np.random.Generator, *, height: float, pen: float) -> np.ndarray:
        # ``height`` is 0.25 to 0.55 of the frame's height: people frame the number they photograph.
        width = PHOTO_WIDTH * height
        digit_height = min(0.8 * height, width / (0.75 * count))
        coverage = write_number(writing, rng, height=digit_height, pen=pen * digit_height / height)
        if coverage.shape[1] > width:  # wide gaps: shrink the whole number into the frame
            scale = width / coverage.shape[1]
            size = (round(width), max(2, round(coverage.shape[0] * scale)))
            coverage = np.asarray(Image.fromarray(coverage, mode="F").resize(size, Image.Resampling.BOX)).clip(0, 1)
        return coverage

    return capture.photograph(0, rng, draw)


def phone_photo(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    return encode(_photograph(writing, rng), "jpeg", quality=int(rng.integers(55, 93))), "jpeg"


def photo_exif_rotated(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    """Stored sideways or upside down, with the EXIF Orientation tag that turns it upright."""
    return capture.exif_rotated(_photograph(writing, rng), rng), "jpeg"


def screenshot(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    """A finger on a touch screen: thin light strokes on a dark app (sometimes a light one)."""
    dark = rng.random() < 0.7
    paper = rng.integers(0, 35, 3) if dark else rng.integers(225, 256, 3)
    ink = rng.integers(220, 256, 3) if dark else rng.integers(0, 50, 3)
    height = rng.uniform(40, 120)
    coverage = write_number(writing, rng, height=height, pen=rng.uniform(2.0, 6.0))
    size = (round(coverage.shape[1] * rng.uniform(1.1, 1.5)), round(coverage.shape[0] * rng.uniform(1.5, 3.0)))
    rgb = capture.place(coverage, size, paper, ink, rng, where="centre")
    return encode(Image.fromarray(rgb).convert("RGBA" if rng.random() < 0.6 else "RGB"), "png"), "png"


def canvas_transparent(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    """An HTML canvas export: ink of any colour on a fully transparent background."""
    height = rng.uniform(40, 140)
    coverage = write_number(writing, rng, height=height, pen=height * rng.uniform(0.06, 0.14))
    size = (round(coverage.shape[1] * rng.uniform(1.1, 1.5)), round(coverage.shape[0] * rng.uniform(1.3, 2.5)))
    alpha = capture.place(coverage[..., np.newaxis], size, [0], [255], rng, where="centre")
    rgba = np.zeros((*alpha.shape[:2], 4), dtype=np.uint8)
    rgba[..., :3] = np.where(alpha > 0, capture.random_ink(rng).reshape(1, 1, 3), 0)
    rgba[..., 3] = alpha[..., 0]
    return encode(Image.fromarray(rgba, mode="RGBA"), "png"), "png"


def small_in_frame(writing: Writing, rng: np.random.Generator) -> tuple[bytes, str]:
    """A short number written small somewhere on a large page."""
    size = (int(rng.integers(1000, 1800)), int(rng.integers(750, 1350)))
    height = rng.uniform(0.08, 0.14) * size[1]
    coverage = write_number(writing, rng, height=height, pen=height * rng.uniform(0.06, 0.12))
    paper, ink = rng.integers(215, 256, 3), capture.random_ink(rng, dark=True)
    rgb = capture.place(coverage, size, paper, ink, rng, where="anywhere")
    return encode(Image.fromarray(rgb), "jpeg", quality=85), "jpeg"


Condition = Callable[[Writing, np.random.Generator], tuple[bytes, str]]
# condition -> (capture, how the number is written)
CONDITIONS: dict[str, tuple[Condition, dict[str, bool]]] = {
    "clean": (clean, {}),
    "white_on_black": (white_on_black, {}),
    "coloured": (coloured, {}),
    "phone_photo": (phone_photo, {}),
    "photo_exif_rotated": (photo_exif_rotated, {}),
    "screenshot": (screenshot, {}),
    "canvas_transparent": (canvas_transparent, {}),
    "small_in_frame": (small_in_frame, {}),
    "touching_pair": (clean, {"touching": True}),
    "touching_photo": (phone_photo, {"touching": True}),
    "slant_and_wave": (clean, {"strong": True}),
}


def generate(condition: str, index: int, seed: int = DEFAULT_SEED) -> NumberPicture:
    """Picture ``index`` of ``condition``: the same bytes for the same (seed, condition, index), everywhere."""
    rng = np.random.default_rng([seed, list(CONDITIONS).index(condition), index])
    capture_number, how = CONDITIONS[condition]
    writing = random_writing(rng, **how)
    data, extension = capture_number(writing, rng)
    number = "".join(str(d) for d in writing.digits)
    return NumberPicture(condition, index, number, writing.touching is not None, data, extension)


def generate_set(seed: int = DEFAULT_SEED, per_condition: int = DEFAULT_PER_CONDITION,
                 conditions: list[str] | None = None) -> Iterator[NumberPicture]:
    for condition in conditions or list(CONDITIONS):
        for index in range(per_condition):
            yield generate(condition, index, seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-condition", type=int, default=DEFAULT_PER_CONDITION)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    count = 0
    for picture in generate_set(args.seed, args.per_condition):
        (args.out / picture.condition).mkdir(parents=True, exist_ok=True)
        (args.out / picture.condition / picture.name).write_bytes(picture.data)
        count += 1
    print(f"wrote {count} pictures of {len(CONDITIONS)} conditions to {args.out}")


if __name__ == "__main__":
    main()
