"""
Title: Training inputs as the service sees them
Description: Pictures synthesised from MNIST training digits, stroke digits and non-digits, then passed
through the service's own decode + ``preprocess_auto``, so the network learns the pipeline's artifacts.

Class 10 is "not a digit": letters, scribbles (a crossing-out, loops), drawn shapes and numbers of two or three
digits, some touching. Every sample is a pure function of (seed, index). The digits come from the images given
(the training split only: ``model/train.py`` never passes the validation or test images here).

    python -m model.pipeline_data --count 2000 --out /tmp/pipeline.npz
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from handler.decode import decode_image
from handler.errors import DigitApiError
from handler.preprocess import preprocess_auto
from model import capture, photos, real_pictures

NOT_A_DIGIT = 10
NEGATIVE_SHARE = 0.3  # of the samples are not a digit
STROKE_DIGIT_SHARE = 0.25  # of the digit samples are stroke-drawn (writing styles MNIST lacks), not MNIST's
# Letters that do not pass for a digit (no O, o, I, l, S, s, Z, z, B, b, g, q, G, D, T: too close to 0 1 5 2 8 9 6 7).
LETTERS = "ACEFHKMNRVWXYacefhkmnrtuvwxy"
FLAT_KINDS = ("screenshot", "canvas_transparent", "black_on_white", "white_on_black", "coloured", "thin_strokes",
              "bold_strokes", "small_off_centre", "palette", "greyscale")


def _fonts() -> list[str]:
    import matplotlib  # training-side dependency: its bundled DejaVu, STIX and Computer Modern fonts

    folder = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
    return sorted(str(p) for p in folder.glob("*.ttf") if not p.name.startswith(("STIXSiz", "cmex", "cmsy", "Last")))


def letter_coverage(text: str, height: int, rng: np.random.Generator, fonts: list[str]) -> np.ndarray:
    """``text`` in a random font, slanted and rotated a little, as ink coverage about ``height`` px tall."""
    font = ImageFont.truetype(fonts[rng.integers(len(fonts))], size=max(12, height))
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(image).text((4 - left, 4 - top), text, fill=255, font=font)
    shear = rng.uniform(-0.3, 0.3)
    image = image.transform(image.size, Image.Transform.AFFINE, (1, shear, -shear * image.height / 2, 0, 1, 0),
                            resample=Image.Resampling.BILINEAR)
    image = image.rotate(rng.normal(0, 8), expand=True, resample=Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 255.0


def scribble_coverage(height: int, rng: np.random.Generator) -> np.ndarray:
    """A random scribble, or a drawn shape (star, triangle, square, arrow, heart, cross, zigzag, spiral)."""
    size = max(16, height)
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    pen = max(1, round(size * rng.uniform(0.04, 0.1)))
    kind = rng.choice(["scribble", "scribble", "hatch", "hatch", "loops", "star", "triangle", "square", "arrow",
                       "heart", "cross", "zigzag", "spiral"])
    c, r = size / 2, size * 0.42
    if kind == "scribble":
        points = np.cumsum(rng.normal(0, size * 0.18, (int(rng.integers(6, 14)), 2)), axis=0)
        points = (points - points.min(0)) / max(1e-6, np.ptp(points, 0).max()) * size * 0.84 + size * 0.08
    elif kind == "hatch":  # crossing something out: strokes back and forth, stacked, at any angle
        turns = int(rng.integers(3, 9))
        ys = np.linspace(0.1, 0.9, turns) + rng.normal(0, 0.02, turns)
        xs = np.where(np.arange(turns) % 2, rng.uniform(0.75, 0.95, turns), rng.uniform(0.05, 0.25, turns))
        angle = rng.normal(0, 0.35) + (np.pi / 2 if rng.random() < 0.25 else 0.0)
        u, v = (xs - 0.5) * size, (ys - 0.5) * size
        points = np.stack([c + u * np.cos(angle) - v * np.sin(angle), c + u * np.sin(angle) + v * np.cos(angle)], 1)
    elif kind == "loops":  # a row of cursive loops (a pen tried out, "eeee", "llll")
        t = np.linspace(0, 2 * np.pi * rng.uniform(2.5, 6), 120)
        x = t / t[-1] * size * 0.84 + size * 0.08 - np.sin(t) * size * rng.uniform(0.06, 0.16)
        y = c + np.cos(t) * size * rng.uniform(0.15, 0.4)
        points = np.stack([x, y], 1)
    elif kind == "star":
        angles = np.linspace(-np.pi / 2, -np.pi / 2 + 4 * np.pi, 6)
        points = np.stack([c + r * np.cos(angles), c + r * np.sin(angles)], 1)
    elif kind in ("triangle", "square"):
        n = 3 if kind == "triangle" else 4
        angles = np.linspace(0, 2 * np.pi, n + 1) + rng.uniform(0, np.pi)
        points = np.stack([c + r * np.cos(angles), c + r * np.sin(angles)], 1)
    elif kind == "arrow":
        points = np.array([[0.1, 0.5], [0.9, 0.5], [0.65, 0.25], [0.9, 0.5], [0.65, 0.75]]) * size
    elif kind == "heart":
        t = np.linspace(0, 2 * np.pi, 40)
        x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        points = np.stack([c + x / 17 * r, c + y / 17 * r], 1)
    elif kind == "cross":
        draw.line([(size * 0.15, size * 0.15), (size * 0.85, size * 0.85)], fill=255, width=pen)
        points = np.array([[0.85, 0.15], [0.15, 0.85]]) * size
    elif kind == "zigzag":
        xs = np.linspace(0.1, 0.9, int(rng.integers(4, 8))) * size
        points = np.stack([xs, np.where(np.arange(len(xs)) % 2, 0.25, 0.75) * size], 1)
    else:
        t = np.linspace(0, 5 * np.pi, 80)
        points = np.stack([c + r * t / t[-1] * np.cos(t), c + r * t / t[-1] * np.sin(t)], 1)
    points = points + rng.normal(0, size * 0.02, points.shape)
    draw.line([tuple(p) for p in points], fill=255, width=pen, joint="curve")
    return np.asarray(image, dtype=np.float32) / 255.0


def number_coverage(digits: list[np.ndarray | int], height: int, rng: np.random.Generator) -> np.ndarray:
    """Two or three digits side by side, as one picture of a number (not one digit): MNIST images, or labels
    drawn as stroke digits (``real_pictures.draw_digit``)."""
    parts = [photos.mnist_coverage(d, height, rng) if isinstance(d, np.ndarray)
             else real_pictures.draw_digit(int(d), rng, height=height * 0.8, pen=height * rng.uniform(0.05, 0.12))
             for d in digits]
    # Close enough for the pipeline to crop them together (wider gaps are refused by preprocessing itself,
    # handler.preprocess.second_digits), so the label is true to what the network sees. A third touch or
    # overlap: digits pressed together read as one digit is what /predict/number's segmenter must not believe.
    gap = int(height * (rng.uniform(-0.12, 0.0) if rng.random() < 0.35 else rng.uniform(-0.04, 0.12)))
    total = sum(p.shape[1] for p in parts) + max(gap, 0) * (len(parts) - 1)
    canvas = np.zeros((height, total), dtype=np.float32)
    x = 0
    for part in parts:
        canvas[: part.shape[0], x : x + part.shape[1]] = np.maximum(canvas[: part.shape[0], x : x + part.shape[1]],
                                                                     part[:height])
        x += max(0, part.shape[1] + gap)
    return canvas[:, : max(x - gap, 1)] if gap < 0 else canvas


def coverage_picture(coverage_for: Callable[[int], np.ndarray], rng: np.random.Generator) -> bytes:
    """A photo (most of the time) or a clean digital picture of what ``coverage_for(height)`` draws."""
    if rng.random() < 0.65:
        condition = photos.CONDITIONS[rng.integers(len(photos.CONDITIONS) - 1)]  # big frames: too slow to train
        # The service works on at most 512 px: photos a little larger show it the same, and synthesise faster.
        return photos.jpeg(photos.photo(coverage_for, rng, condition, sides=(560, 900)), rng)
    side = rng.integers(120, 500, size=2)
    coverage = coverage_for(int(rng.uniform(0.4, 0.85) * side[1]))
    dark = rng.random() < 0.5
    paper, ink = (rng.integers(0, 40, 3), rng.integers(200, 256, 3)) if dark else capture.colour_pair(rng)
    rgb = capture.place(coverage, (int(side[0]), int(side[1])), paper, ink, rng, where="anywhere")
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def sample(index: int, seed: int, x: np.ndarray, y: np.ndarray, fonts: list[str],
           stroke_share: float = STROKE_DIGIT_SHARE) -> tuple[np.ndarray, int] | None:
    """One (28x28 model input, label) pair, or None when the pipeline rejects the picture (422).

    ``stroke_share``: of the digits, how many are stroke-drawn in the writing styles MNIST lacks."""
    rng = np.random.default_rng([seed, index])
    if rng.random() < NEGATIVE_SHARE:
        label, kind = NOT_A_DIGIT, rng.choice(["letters", "scribble", "number"], p=[0.4, 0.3, 0.3])
        if kind == "letters":
            text = "".join(rng.choice(list(LETTERS), size=int(rng.choice([1, 1, 2]))))
            draw = lambda h: letter_coverage(text, h, rng, fonts)  # noqa: E731
        elif kind == "scribble":
            draw = lambda h: scribble_coverage(h, rng)  # noqa: E731
        else:
            count = int(rng.choice([2, 2, 3]))
            if rng.random() < 0.3:  # stroke digits, a 1 among them as often as not (the narrowest to hide)
                labels = [int(v) for v in rng.integers(10, size=count)]
                if rng.random() < 0.5:
                    labels[int(rng.integers(count))] = 1
                draw = lambda h: number_coverage(labels, h, rng)  # noqa: E731
            else:
                picks = rng.integers(len(x), size=count)
                draw = lambda h: number_coverage([x[i] for i in picks], h, rng)  # noqa: E731
        data = coverage_picture(draw, rng)
    elif rng.random() < stroke_share:
        label = int(rng.integers(10))
        if rng.random() < 0.5:
            data, _ = real_pictures.KINDS[FLAT_KINDS[rng.integers(len(FLAT_KINDS))]](label, rng)
        else:
            data = coverage_picture(lambda h: real_pictures.draw_digit(label, rng, height=h, pen=h * rng.uniform(0.05, 0.12)), rng)
    else:
        pick = int(rng.integers(len(x)))
        label = int(y[pick])
        data = coverage_picture(lambda h: photos.mnist_coverage(x[pick], h, rng), rng)
    try:
        image = decode_image(data, max_pixels=40_000_000)
        return preprocess_auto(image.rgb, image.alpha), label
    except DigitApiError:
        return None


_WORKER: dict[str, object] = {}


def _init(seed: int, x: np.ndarray, y: np.ndarray, stroke_share: float) -> None:
    _WORKER.update(seed=seed, x=x, y=y, fonts=_fonts(), stroke_share=stroke_share)


def _one(index: int) -> tuple[np.ndarray, int] | None:
    return sample(index, _WORKER["seed"], _WORKER["x"], _WORKER["y"], _WORKER["fonts"],  # type: ignore[arg-type]
                  _WORKER["stroke_share"])  # type: ignore[arg-type]


def build(x: np.ndarray, y: np.ndarray, count: int, seed: int, workers: int | None = None,
          stroke_share: float = STROKE_DIGIT_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """``count`` samples (fewer: the pipeline's rejections are dropped) as uint8 (N, 28, 28) and labels."""
    images, labels = [], []
    with Pool(workers or os.cpu_count(), initializer=_init, initargs=(seed, x, y, stroke_share)) as pool:
        for done, result in enumerate(pool.imap(_one, range(count), chunksize=16), start=1):
            if result is not None:
                images.append(np.round(result[0] * 255).astype(np.uint8))
                labels.append(result[1])
            if done % 500 == 0 or done == count:
                print(f"\rpipeline samples {done}/{count}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return np.stack(images), np.array(labels, dtype=np.uint8)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="path to mnist.npz (its training images only)")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stroke-share", type=float, default=STROKE_DIGIT_SHARE,
                        help="of the digits, stroke-drawn in the writing styles MNIST lacks")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from model.data import load_mnist

    (x_train, y_train), _ = load_mnist(args.data)
    images, labels = build(x_train, y_train, args.count, args.seed, stroke_share=args.stroke_share)
    np.savez_compressed(args.out, x=images, y=labels)
    print(f"{len(labels)} samples -> {args.out}; per class {np.bincount(labels, minlength=11).tolist()}")


if __name__ == "__main__":
    main()
