"""Pictures that hold no single digit, which must not come back as a confident digit.

Letters, scribbles and drawn shapes from ``glyphs``, and numbers of two or three digits (stroke and
MNIST test digits side by side, plainly apart), each as a clean drawing (a PNG canvas) and as a
phone photo under one of the photo conditions, drawn at random.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from model.independent.conditions import PHOTO, Picture, base_shot, digit_writer, encode, picture, rng_for, shoot
from model.independent.glyphs import LETTERS, SHAPES, scribble
from model.independent.mnist_digits import MnistDigits
from model.independent.pen import Pen, write
from model.independent.screens import Write, paste

KINDS = ("letters", "scribbles", "shapes", "two-digit", "three-digit")
SETTINGS = ("clean", "photo")
NEGATIVES = tuple(f"{kind}-{setting}" for kind in KINDS for setting in SETTINGS)
PHOTO_SETTINGS = ("plain-photo", "shadow-bands", "ruled-paper", "squared-paper", "tinted-paper", "lamp-hotspot",
                  "small-digit", "felt-tip", "exif-rotation")
ASPECT = {"letters": 0.9, "scribbles": 1.3, "shapes": 1.0, "two-digit": 2.0, "three-digit": 3.0}


def number_writer(count: int, index: int, rng: np.random.Generator, mnist: MnistDigits) -> tuple[str, Write]:
    """``count`` digits in a row, a clear gap between them, each by a stroke or an MNIST writer."""
    digits = [int(d) for d in rng.integers(0, 10, size=count)]
    writers = [digit_writer(d, index + 10 * k, rng, mnist) for k, d in enumerate(digits)]
    gaps = rng.uniform(0.18, 0.45, size=count - 1)
    drops = rng.normal(0, 0.04, size=count)

    def write_number(height: int, pen: Pen) -> np.ndarray:
        inks = [writer(height, pen) for _, writer in writers]
        tall = max(ink.shape[0] for ink in inks) + int(height * 0.2)
        width = sum(ink.shape[1] for ink in inks) + int(sum(gaps) * height)
        canvas = np.zeros((tall, width), dtype=np.float32)
        x = 0
        for k, ink in enumerate(inks):
            y = int(np.clip((tall - ink.shape[0]) / 2 + drops[k] * height, 0, tall - ink.shape[0]))
            canvas[y : y + ink.shape[0], x : x + ink.shape[1]] = np.maximum(
                canvas[y : y + ink.shape[0], x : x + ink.shape[1]], ink)
            x += ink.shape[1] + (int(gaps[k] * height) if k < count - 1 else 0)
        return canvas

    return "number:" + "".join(map(str, digits)) + "(" + ",".join(name for name, _ in writers) + ")", write_number


def negative_writer(kind: str, index: int, rng: np.random.Generator, mnist: MnistDigits) -> tuple[str, Write]:
    if kind == "letters":
        letter = list(LETTERS)[index % len(LETTERS)]
        return f"letter:{letter}", lambda height, pen: write(LETTERS[letter], rng, height, pen)
    if kind == "shapes":
        shape = list(SHAPES)[index % len(SHAPES)]
        return f"shape:{shape}", lambda height, pen: write(SHAPES[shape], rng, height, pen, slant=(-0.1, 0.1))
    if kind == "scribbles":
        glyph = scribble(rng)
        return "scribble", lambda height, pen: write(glyph, rng, height, Pen(min(pen.width, 0.06), pen.pressure))
    return number_writer(2 if kind == "two-digit" else 3, index, rng, mnist)


def clean(rng: np.random.Generator, writer: Write, aspect: float) -> Image.Image:
    """A drawing exported from an app: dark ink on a white canvas, nothing else."""
    w = int(rng.integers(300, 801))
    h = int(w * rng.choice([1.0, 0.75]))
    height = int(min(rng.uniform(0.45, 0.75) * h, 0.85 * w / aspect))
    coverage = writer(height, Pen(width=rng.uniform(0.05, 0.12), pressure=rng.uniform(0.0, 0.3)))
    alpha = paste(np.zeros((h, w)), coverage, (w / 2, h / 2))[..., None]
    return Image.fromarray(np.round((1 - alpha) * 255 * np.ones(3)).astype(np.uint8))


def generate(name: str, index: int, *, seed: int, mnist: MnistDigits) -> Picture:
    """Negative ``index`` of ``name`` (e.g. ``letters-photo``): a pure function of (seed, name, index)."""
    kind, setting = name.rsplit("-", 1)
    rng = rng_for(seed, name, index)
    source, writer = negative_writer(kind, index, rng, mnist)
    if setting == "clean":
        return picture(name, index, None, source, encode(clean(rng, writer, ASPECT[kind]), "PNG"))
    condition = PHOTO_SETTINGS[int(rng.integers(len(PHOTO_SETTINGS)))]
    shot = base_shot(rng)
    PHOTO[condition][1](shot, rng)
    data, _ = shoot(shot, writer, rng, aspect=ASPECT[kind])
    return picture(name, index, None, f"{source} +{condition}", data, shot.orientation)
