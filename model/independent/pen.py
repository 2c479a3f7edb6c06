"""Strokes to ink: a hand's distortions (slant, tilt, wobble), then a round nib stamped along each curve.

The nib's radius follows the pen's width and a slowly varying pressure, thinning at the stroke's ends;
the curve is stamped on a supersampled canvas and box-filtered down, so edges are anti-aliased.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from model.independent.glyphs import Glyph, Piece

CANVAS_LIMIT = 1600  # supersampled canvas side, in pixels
WOBBLE = 0.018  # amplitude of the hand's slow warp, in glyph heights


@dataclass(frozen=True)
class Pen:
    width: float  # nib diameter as a fraction of the glyph's height
    pressure: float = 0.2  # how much the width swells and thins along a stroke (0 = a touch screen's constant width)
    taper: bool = True  # thinner at pen-down and pen-up


def catmull_rom(points: Piece, samples: int = 10) -> np.ndarray:
    """A smooth curve through every control point (uniform Catmull-Rom, ends clamped)."""
    if len(points) < 3:
        t = np.linspace(0, 1, samples * max(1, len(points) - 1) + 1)[:, None]
        return points[0] + t * (points[-1] - points[0])
    padded = np.vstack([points[0], points, points[-1]])
    t = np.linspace(0, 1, samples, endpoint=False)[:, None]
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        out.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (3 * p1 - p0 - 3 * p2 + p3) * t**3))
    out.append(points[-1:])
    return np.vstack(out)


def hand(glyph: Glyph, rng: np.random.Generator, *, slant: tuple[float, float] = (-0.1, 0.35)) -> list[np.ndarray]:
    """Each stroke as a dense polyline after the writer's distortions."""
    strokes = [np.vstack([catmull_rom(piece) for piece in stroke]) for stroke in glyph]
    freq = rng.uniform(1.5, 4.0, size=(3, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(3, 2))
    amp = rng.uniform(0.3, 1.0, size=3) * WOBBLE
    shear = np.tan(rng.uniform(*slant))
    angle = np.radians(rng.normal(0, 4))
    stretch = rng.uniform(0.8, 1.2)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    out = []
    for stroke in strokes:
        warped = stroke + rng.normal(0, 0.012, size=2)  # strokes never quite meet where they should
        for k in range(3):
            warped = warped + amp[k] * np.sin(warped[:, ::-1] * freq[k] * 2 * np.pi / 2 + phase[k])
        warped[:, 0] = (warped[:, 0] + (0.5 - warped[:, 1]) * shear) * stretch
        out.append(warped @ rotation.T)
    return out


def _radii(length: np.ndarray, radius: float, pen: Pen, rng: np.random.Generator) -> np.ndarray:
    total = max(float(length[-1]), 1e-6)
    f = rng.uniform(0.5, 2.0, 2)
    phi = rng.uniform(0, 2 * np.pi, 2)
    s = length / total
    waves = 0.6 * np.sin(2 * np.pi * f[0] * s + phi[0]) + 0.4 * np.sin(2 * np.pi * f[1] * s + phi[1])
    swell = 1 + pen.pressure * waves
    if pen.taper:
        ends = np.minimum(length, total - length) / (3 * radius)
        swell = swell * np.clip(0.55 + 0.45 * ends, 0.55, 1.0)
    return radius * swell


def stamp(strokes: list[np.ndarray], height: int, pen: Pen, rng: np.random.Generator,
          *, max_aspect: float = 1.8) -> np.ndarray:
    """Ink coverage in [0, 1], about ``height`` pixels tall (or ``max_aspect`` * height wide), with a margin."""
    points = np.vstack(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    size = np.maximum(high - low, 1e-6)
    scale_1 = min(1.0 / size[1], max_aspect / size[0])  # glyph units -> output pixels / height
    supersample = int(np.clip(CANVAS_LIMIT / (height * max(1.0, size[0] * scale_1)), 1, 4))
    scale = scale_1 * height * supersample
    radius = max(0.6 * supersample, pen.width * height * supersample / 2)
    margin = radius * (1 + pen.pressure) + 2 * supersample
    width_px = int(np.ceil((size[0] * scale + 2 * margin) / supersample)) * supersample
    height_px = int(np.ceil((size[1] * scale + 2 * margin) / supersample)) * supersample
    canvas = Image.new("L", (width_px, height_px), 0)
    draw = ImageDraw.Draw(canvas)
    for stroke in strokes:
        xy = (stroke - low) * scale + margin
        steps = np.linalg.norm(np.diff(xy, axis=0), axis=1)
        length = np.concatenate([[0.0], np.cumsum(steps)])
        at = np.arange(0, length[-1] + 1e-9, max(0.5, radius * 0.25))
        xs, ys = np.interp(at, length, xy[:, 0]), np.interp(at, length, xy[:, 1])
        for x, y, r in zip(xs, ys, _radii(at, radius, pen, rng), strict=True):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    small = canvas.resize((width_px // supersample, height_px // supersample), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def write(glyph: Glyph, rng: np.random.Generator, height: int, pen: Pen, **hand_options) -> np.ndarray:
    """One glyph written by a random hand: its ink coverage."""
    return stamp(hand(glyph, rng, **hand_options), height, pen, rng)
