"""
Title: Hard photos for training and development
Description: MNIST training digits (or stroke digits) written on paper the way people photograph it.

The training side's picture synthesiser: soft shadow bands and vignettes, small digits anywhere,
perspective, ruled and squared notebook paper, the desk past the paper's edge, a finger entering the
frame, a lamp's hotspot with a colour cast, grain, noise, blur and JPEG at quality 40-90. The model is
trained on what ``handler.preprocess.preprocess_auto`` makes of these, so it learns the pipeline's own
artifacts. Every picture is a pure function of its generator. Never fed MNIST test digits: the
independent evaluation (``model/independent``) is separate code.

    python -m model.photos --out /tmp/photos --per-condition 8 --seed 1
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from model import capture

Coverage = np.ndarray  # float32 (H, W) ink coverage in [0, 1]

CONDITIONS = ("plain", "shadow_band", "vignette", "small", "ruled", "squared", "desk", "finger", "hotspot",
              "dim", "bold", "fine", "big_frame")
PAPERS = ((236, 228, 205), (245, 240, 225), (200, 200, 198), (225, 232, 240), (240, 225, 230), (250, 250, 248),
          (215, 225, 205))
INKS = ((20, 20, 25), (25, 40, 120), (15, 30, 80), (60, 60, 70), (20, 70, 40), (120, 30, 30), (40, 40, 110))


def mnist_coverage(image: np.ndarray, height: int, rng: np.random.Generator) -> Coverage:
    """An MNIST digit (uint8 28x28, white on black) as ink coverage ``height`` px tall, pen width varied."""
    ys, xs = np.nonzero(image > 30)
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    scale = height / crop.shape[0]
    size = (max(2, round(crop.shape[1] * scale)), max(2, round(height)))
    big = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    pen = rng.choice(["normal", "bold", "thin"], p=[0.6, 0.2, 0.2])
    radius = max(1, round(scale * rng.uniform(0.3, 0.9)))
    if pen == "bold":
        big = np.asarray(Image.fromarray(big, mode="F").filter(ImageFilter.MaxFilter(2 * radius + 1)))
    level = {"normal": 0.45, "bold": 0.35, "thin": 0.7}[pen]
    return np.clip((big - level) / 0.25 + 0.5, 0.0, 1.0).astype(np.float32)


def _canvas(size: tuple[int, int], paper: np.ndarray) -> np.ndarray:
    canvas = np.empty((size[1], size[0], 3), dtype=np.float32)
    canvas[...] = paper
    return canvas


def _lines(canvas: np.ndarray, rng: np.random.Generator, *, squared: bool) -> None:
    """Ruled (horizontal, sometimes a red margin) or squared paper lines, thin and light (in place)."""
    height, width = canvas.shape[:2]
    spacing = rng.uniform(0.035, 0.08) * max(height, width)
    colour = np.array(rng.choice([[150, 170, 210], [170, 180, 190], [140, 160, 200], [190, 190, 190]]), np.float32)
    strength = rng.uniform(0.35, 0.8)
    thickness = max(1, round(rng.uniform(0.8, 2.5) * max(height, width) / 1000))
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    tilt = rng.uniform(-0.03, 0.03) * width
    offset = rng.uniform(0, spacing)
    for y in np.arange(offset, height + abs(tilt), spacing):
        draw.line([(0, y), (width, y + tilt)], fill=255, width=thickness)
    if squared:
        for x in np.arange(rng.uniform(0, spacing), width, spacing):
            draw.line([(x, 0), (x - tilt, height)], fill=255, width=thickness)
    elif rng.random() < 0.4:
        x = rng.uniform(0.08, 0.2) * width
        draw.line([(x, 0), (x, height)], fill=255, width=thickness + 1)
    mask = np.asarray(image, dtype=np.float32)[..., np.newaxis] / 255.0 * strength
    canvas[...] = canvas * (1 - mask) + colour * mask


def _ink(canvas: np.ndarray, coverage: Coverage, ink: np.ndarray, x: int, y: int) -> None:
    height, width = coverage.shape
    region = canvas[y : y + height, x : x + width]
    cover = coverage[: region.shape[0], : region.shape[1], np.newaxis]
    region[...] = region * (1 - cover) + ink * cover


def shadow_field(size: tuple[int, int], rng: np.random.Generator, *, bands: int) -> np.ndarray:
    """Soft, wide shadow bands across the page (a phone's or hand's shadow), multiplier in (0, 1]."""
    width, height = size
    ys, xs = np.mgrid[0:height:4, 0:width:4].astype(np.float32)
    field = np.ones_like(xs)
    for _ in range(bands):
        angle = rng.uniform(0, np.pi)
        across = (np.cos(angle) * xs + np.sin(angle) * ys) / max(width, height)
        centre, half = rng.uniform(-0.2, 1.2), rng.uniform(0.06, 0.35)
        softness = rng.uniform(0.01, 0.1)
        inside = 1 / (1 + np.exp(-(half - np.abs(across - centre)) / softness))
        field *= 1 - rng.uniform(0.2, 0.55) * inside
    return _upsample(field, size)


def vignette_field(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    width, height = size
    ys, xs = np.mgrid[0:height:4, 0:width:4].astype(np.float32)
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    distance = np.hypot((xs - cx) / width, (ys - cy) / height) / 0.7
    return _upsample(1 - rng.uniform(0.3, 0.65) * np.clip(distance, 0, 1) ** rng.uniform(1.5, 3.0), size)


def hotspot_field(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A lamp's bright spot (values above 1 saturate the paper) with a fall-off around it."""
    width, height = size
    ys, xs = np.mgrid[0:height:4, 0:width:4].astype(np.float32)
    cx, cy = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
    distance = np.hypot((xs - cx) / width, (ys - cy) / height)
    return _upsample(0.7 + rng.uniform(0.3, 0.6) * np.exp(-((distance / rng.uniform(0.1, 0.3)) ** 2)), size)


def _upsample(field: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(field.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR))


def _finger(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A finger or pen cap entering from one edge: a dark-to-skin rounded blob (in place)."""
    height, width = canvas.shape[:2]
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    thick = rng.uniform(0.08, 0.18) * min(width, height)
    reach = rng.uniform(0.1, 0.3)
    edge = int(rng.integers(4))
    along = rng.uniform(0.15, 0.85)
    if edge in (0, 1):  # left / right
        y = along * height
        x0, x1 = (-thick, reach * width) if edge == 0 else (width - reach * width, width + thick)
        draw.rounded_rectangle([x0, y - thick / 2, x1, y + thick / 2], radius=thick / 2, fill=255)
    else:
        x = along * width
        y0, y1 = (-thick, reach * height) if edge == 2 else (height - reach * height, height + thick)
        draw.rounded_rectangle([x - thick / 2, y0, x + thick / 2, y1], radius=thick / 2, fill=255)
    mask = np.asarray(image.filter(ImageFilter.GaussianBlur(thick * 0.08)), dtype=np.float32)[..., None] / 255.0
    colour = np.array(rng.choice([[200, 150, 120], [160, 110, 80], [90, 60, 45], [30, 30, 35], [40, 60, 150]]),
                      dtype=np.float32)
    shade = _upsample(np.linspace(0.75, 1.1, 16, dtype=np.float32)[None, :].repeat(16, 0), (width, height))
    canvas[...] = canvas * (1 - mask) + (colour * shade[..., None]) * mask


def _desk(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """The table beyond the paper's edge, along one side, the edge slightly tilted (in place)."""
    height, width = canvas.shape[:2]
    depth = rng.uniform(0.05, 0.2)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    tilt = rng.uniform(-0.08, 0.08)
    edge = int(rng.integers(4))
    coordinate = {0: xs / width + tilt * ys / height, 1: 1 - xs / width + tilt * ys / height,
                  2: ys / height + tilt * xs / width, 3: 1 - ys / height + tilt * xs / width}[edge]
    desk = (coordinate < depth)[..., None]
    colour = np.array(rng.choice([[90, 60, 40], [60, 60, 65], [140, 110, 80], [30, 30, 30], [170, 160, 150]]),
                      dtype=np.float32)
    canvas[...] = np.where(desk, colour * rng.uniform(0.7, 1.1), canvas)


def photo(coverage_for: Callable[[int], Coverage], rng: np.random.Generator, condition: str, *,
          sides: tuple[int, int] = (640, 1400)) -> Image.Image:
    """One phone photo of the digit that ``coverage_for(height)`` draws, in ``condition``, its long side in
    ``sides`` (3000 px frames for "big_frame")."""
    big = condition == "big_frame"
    long_side = int(rng.integers(2400, 3200)) if big else int(rng.integers(*sides))
    aspect = rng.choice([0.75, 1.0 / 0.75, 1.0, 0.5625])
    size = (long_side, int(long_side * aspect)) if aspect < 1 else (int(long_side / aspect), long_side)
    short = min(size)
    small = condition in ("small", "big_frame") or rng.random() < 0.25
    height = int(short * (rng.uniform(0.1, 0.3) if small else rng.uniform(0.3, 0.7)))
    coverage = coverage_for(max(16, height))
    if condition == "bold":
        radius = max(1, round(height * rng.uniform(0.015, 0.04)))
        coverage = np.asarray(Image.fromarray(np.pad(coverage, radius), mode="F").filter(
            ImageFilter.MaxFilter(2 * radius + 1)), dtype=np.float32)
    tile = Image.fromarray(np.round(np.pad(coverage, round(0.2 * max(coverage.shape))) * 255).astype(np.uint8))
    tile = capture.perspective(tile, rng, inset=rng.uniform(0.0, 0.12))
    coverage = np.asarray(tile, dtype=np.float32) / 255.0
    if condition == "fine":
        coverage = coverage * rng.uniform(0.6, 0.9)
    paper = np.array(PAPERS[rng.integers(len(PAPERS))], dtype=np.float32) + rng.uniform(-12, 6)
    ink = np.array(INKS[rng.integers(len(INKS))], dtype=np.float32) + rng.uniform(-10, 10, 3)
    if condition == "dim":  # a pencil or a faded pen: about a third of the paper's brightness darker
        ink = paper * rng.uniform(0.45, 0.7)
    canvas = _canvas(size, paper)
    if condition in ("ruled", "squared") or rng.random() < 0.1:
        _lines(canvas, rng, squared=condition == "squared" or (condition not in ("ruled",) and rng.random() < 0.4))
    free_x, free_y = max(0, size[0] - coverage.shape[1]), max(0, size[1] - coverage.shape[0])
    spread = 0.85 if small else 0.4
    x = int(free_x * np.clip(0.5 + rng.uniform(-spread, spread) / 2, 0, 1))
    y = int(free_y * np.clip(0.5 + rng.uniform(-spread, spread) / 2, 0, 1))
    _ink(canvas, coverage, ink, x, y)
    if condition == "desk" or rng.random() < 0.1:
        _desk(canvas, rng)
    if condition == "finger" or rng.random() < 0.05:
        _finger(canvas, rng)
    field = capture.texture_field(size, rng)
    if condition == "shadow_band" or rng.random() < 0.3:
        field = field * shadow_field(size, rng, bands=int(rng.integers(1, 3)))
    if condition == "vignette" or rng.random() < 0.2:
        field = field * vignette_field(size, rng)
    if condition == "hotspot" or rng.random() < 0.1:
        field = field * hotspot_field(size, rng)
    cast = np.array([1.0, 1.0, 1.0]) + (rng.uniform(-0.12, 0.12) * np.array([1.0, 0.2, -1.0]))
    canvas = canvas * field[..., None] * cast.astype(np.float32)
    image = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 2.0) * short / 1000))
    return capture.finish(image, rng, field=None, sigma=rng.uniform(1.0, 7.0))


def jpeg(image: Image.Image, rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(40, 91)))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="path to mnist.npz (training digits only)")
    parser.add_argument("--per-condition", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from model.data import load_mnist

    (x_train, y_train), _ = load_mnist(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    for c, condition in enumerate(CONDITIONS):
        for index in range(args.per_condition):
            rng = np.random.default_rng([args.seed, c, index])
            pick = int(rng.integers(len(x_train)))
            image = photo(lambda h, pick=pick, rng=rng: mnist_coverage(x_train[pick], h, rng), rng, condition)
            (args.out / f"{condition}-{index:03d}-{y_train[pick]}.jpg").write_bytes(jpeg(image, rng))
    print(f"wrote {args.per_condition * len(CONDITIONS)} photos to {args.out}")


if __name__ == "__main__":
    main()
