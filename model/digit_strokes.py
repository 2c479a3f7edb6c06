"""Handwriting-like digits drawn from parametric stroke skeletons, never from MNIST images.

Each digit has a few skeletons (the ways people write it: a 1 with or without a flag, a 4 open or
closed, a 7 with or without a bar). A drawing jitters every control point, slants, rotates and
stretches the skeleton, then draws it with a round pen. The output is ink coverage in [0, 1]: the
capture kinds in ``model/real_pictures.py`` decide colours, paper, lighting and file format.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

Stroke = list[tuple[float, float]]  # points in a unit box: x to the right, y down
Skeleton = list[Stroke]

SUPERSAMPLE = 3  # strokes are drawn 3x larger, then averaged down: anti-aliased edges
POINT_JITTER = 0.025  # per control point, in units of the digit height
ARC_STEPS = 24


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = ARC_STEPS) -> Stroke:
    """Points on an ellipse from angle ``start`` to ``end`` in degrees (0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, end, steps))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def bezier(p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float],
           steps: int = ARC_STEPS) -> Stroke:
    t = np.linspace(0.0, 1.0, steps)[:, np.newaxis]
    points = ((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3)
    return [(float(x), float(y)) for x, y in points]


def _figure_eight() -> Stroke:
    t = np.linspace(0, 2 * math.pi, 2 * ARC_STEPS + 1)
    return [(0.5 + 0.36 * math.sin(2 * a) * (1.1 if a > math.pi else 0.9), 0.5 - 0.5 * math.cos(a)) for a in t]


SKELETONS: dict[int, list[Skeleton]] = {
    0: [[arc(0.5, 0.5, 0.42, 0.5, -100, 265)], [arc(0.5, 0.5, 0.38, 0.5, -80, 290)]],
    1: [[[(0.55, 0.0), (0.45, 1.0)]],
        [[(0.38, 0.18), (0.6, 0.0), (0.55, 1.0)]],  # a short, steep flag: a long flat one is a 7
        [[(0.35, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.25, 1.0), (0.85, 1.0)]],
        # European: a long flag falling at 40-50 degrees to an upright stem (a 7's bar is level, its stem slanted)
        [[(0.1, 0.42), (0.55, 0.0), (0.53, 1.0)]],
        [[(0.0, 0.3), (0.58, 0.0), (0.55, 1.0)]],  # ...and flatter (30 degrees), its stem still upright
        [bezier((0.05, 0.48), (0.2, 0.3), (0.38, 0.12), (0.55, 0.0)) + [(0.53, 1.0)]]],
    2: [[arc(0.5, 0.3, 0.4, 0.3, 190, 370) + [(0.05, 1.0), (0.95, 1.0)]],
        [arc(0.5, 0.28, 0.38, 0.28, 200, 380) + bezier((0.86, 0.37), (0.6, 0.7), (0.2, 0.85), (0.08, 0.98))
         + [(0.95, 0.95)]]],
    3: [[[*arc(0.48, 0.26, 0.38, 0.26, 200, 450)[:-1], *arc(0.5, 0.74, 0.42, 0.26, 270, 520)]],
        [[(0.1, 0.0), (0.9, 0.0), (0.4, 0.42), *arc(0.5, 0.7, 0.42, 0.3, 265, 520)]]],
    4: [[[(0.6, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.72, 0.3), (0.72, 1.0)]],
        [[(0.72, 1.0), (0.72, 0.0), (0.05, 0.68), (0.95, 0.68)]],
        [[(0.15, 0.0), (0.1, 0.58), (0.92, 0.58)], [(0.75, 0.05), (0.72, 1.0)]]],
    5: [[[(0.88, 0.0), (0.2, 0.0)], [(0.2, 0.0), (0.15, 0.45), *arc(0.5, 0.68, 0.4, 0.32, 210, 500)]],
        [[(0.2, 0.0), (0.15, 0.45), *arc(0.5, 0.68, 0.4, 0.32, 210, 500)], [(0.2, 0.0), (0.9, 0.02)]]],
    6: [[bezier((0.78, 0.0), (0.35, 0.12), (0.1, 0.42), (0.13, 0.7)) + arc(0.5, 0.72, 0.37, 0.28, 180, -180)],
        [bezier((0.7, 0.0), (0.4, 0.25), (0.15, 0.45), (0.15, 0.75)) + arc(0.48, 0.75, 0.33, 0.25, 180, -160)]],
    7: [[[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
        [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.35, 0.5), (0.85, 0.5)]],
        [[(0.05, 0.15), (0.08, 0.0), (0.92, 0.02), (0.55, 0.5), (0.45, 1.0)]]],
    8: [[arc(0.5, 0.25, 0.32, 0.25, 90, 450)[:-1], arc(0.5, 0.73, 0.4, 0.27, -90, 270)], [_figure_eight()]],
    9: [[arc(0.5, 0.28, 0.38, 0.28, 0, 360), [(0.88, 0.28), (0.82, 1.0)]],
        [arc(0.48, 0.27, 0.36, 0.27, 10, 370), bezier((0.84, 0.3), (0.85, 0.7), (0.75, 0.95), (0.4, 0.98))]],
}


def random_skeleton(digit: int, rng: np.random.Generator, *, slant: float, rotation: float, aspect: float) -> Skeleton:
    """One way of writing ``digit``: a random style, jittered, slanted and rotated, scaled to height 1."""
    style = SKELETONS[digit][rng.integers(len(SKELETONS[digit]))]
    return jitter(style, rng, slant=slant, rotation=rotation, aspect=aspect)


def jitter(style: Skeleton, rng: np.random.Generator, *, slant: float, rotation: float, aspect: float) -> Skeleton:
    """One drawing of a given style: every control point wobbled, then slanted, rotated and stretched."""
    cos, sin = math.cos(rotation), math.sin(rotation)
    strokes = []
    for stroke in style:
        points = np.asarray(stroke, dtype=np.float64)
        points += _smooth_wobble(len(points), rng)
        x = (points[:, 0] - 0.5) * aspect - slant * (points[:, 1] - 0.5)  # positive slant leans right
        y = points[:, 1] - 0.5
        strokes.append([(float(cos * a - sin * b), float(sin * a + cos * b)) for a, b in zip(x, y, strict=True)])
    return strokes


def _smooth_wobble(count: int, rng: np.random.Generator) -> np.ndarray:
    # A few random offsets interpolated along the stroke: a hand drifts smoothly, it does not shake.
    anchors = max(2, count // 8 + 1)
    offsets = rng.normal(0.0, POINT_JITTER, size=(anchors, 2))
    positions = np.linspace(0, anchors - 1, count)
    return np.stack([np.interp(positions, np.arange(anchors), offsets[:, axis]) for axis in (0, 1)], axis=1)


def render(skeleton: Skeleton, height: int, pen: float) -> np.ndarray:
    """Ink coverage (float32, [0, 1]) of the skeleton drawn ``height`` px tall with a round pen of ``pen`` px."""
    xs = [x for stroke in skeleton for x, _ in stroke]
    ys = [y for stroke in skeleton for _, y in stroke]
    margin = pen / 2 + 2
    scale = height / max(1e-6, max(ys) - min(ys))
    size = (int(math.ceil((max(xs) - min(xs)) * scale + 2 * margin)), int(math.ceil(height + 2 * margin)))
    canvas = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(pen * SUPERSAMPLE))
    for stroke in skeleton:
        points = [((x - min(xs)) * scale + margin, (y - min(ys)) * scale + margin) for x, y in stroke]
        points = [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=255)
    small = canvas.reduce(SUPERSAMPLE)
    return np.asarray(small, dtype=np.float32) / 255.0
