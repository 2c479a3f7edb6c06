"""Hand-designed glyphs: digits in several writing styles, letters and shapes, as pen strokes.

A glyph is a tuple of strokes (pen down .. pen up); a stroke is a tuple of pieces, each an array of
control points that ``pen`` smooths into a curve. Pieces meet at sharp corners (the corner of a 7),
points inside a piece are passed through smoothly. Coordinates: x right, y down, the glyph's height
is about 1. Styles marked in ``UNUSUAL`` are ones MNIST's writers rarely used.
"""

from __future__ import annotations

import numpy as np

Piece = np.ndarray  # (k, 2) control points
Stroke = tuple[Piece, ...]
Glyph = tuple[Stroke, ...]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Piece:
    """Points on an ellipse from ``start`` to ``end`` degrees (0 = right, 90 = down: y points down)."""
    angles = np.radians(np.linspace(start, end, max(4, int(abs(end - start) / 12) + 1)))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def p(*xy: float) -> Piece:
    return np.asarray(xy, dtype=np.float64).reshape(-1, 2)


def join(*pieces: Piece) -> Stroke:
    return tuple(pieces)


DIGITS: dict[int, dict[str, Glyph]] = {
    0: {
        "0-oval": (join(arc(0.33, 0.5, 0.3, 0.48, -80, -445)),),
        "0-narrow-overshoot": (join(arc(0.3, 0.5, 0.22, 0.49, -60, -440), p(0.4, 0.03, 0.5, 0.0)),),
    },
    1: {
        "1-stroke": (join(p(0.34, 0.0, 0.33, 1.0)),),
        "1-flag": (join(p(0.14, 0.2, 0.36, 0.0), p(0.36, 0.0, 0.35, 1.0)),),
        "1-long-flag": (join(p(0.0, 0.36, 0.4, 0.0), p(0.4, 0.0, 0.4, 1.0)),),
        "1-flag-base": (join(p(0.1, 0.24, 0.38, 0.0), p(0.38, 0.0, 0.38, 1.0)), join(p(0.1, 1.0, 0.66, 1.0))),
        "1-european": (join(p(0.02, 0.46, 0.22, 0.2, 0.42, 0.0), p(0.42, 0.0, 0.4, 1.0)),),
    },
    2: {
        "2-plain": (join(arc(0.34, 0.27, 0.28, 0.26, 195, 395), p(0.6, 0.45, 0.02, 0.98), p(0.02, 0.98, 0.7, 0.97)),),
        "2-loop": (join(arc(0.34, 0.27, 0.28, 0.26, 195, 395),
                        p(0.6, 0.45, 0.32, 0.72, 0.16, 0.86, 0.08, 0.98, 0.0, 0.9, 0.06, 0.76, 0.2, 0.8,
                          0.3, 0.94, 0.42, 0.99, 0.7, 0.96)),),
        "2-curvy": (join(p(0.05, 0.22, 0.2, 0.03, 0.45, 0.02, 0.6, 0.2, 0.5, 0.45, 0.2, 0.75, 0.04, 0.97),
                         p(0.04, 0.97, 0.3, 0.9, 0.5, 1.0, 0.72, 0.92)),),
    },
    3: {
        "3-round": (join(arc(0.33, 0.25, 0.27, 0.23, 200, 460)), join(arc(0.33, 0.72, 0.32, 0.27, -115, 165))),
        "3-one-stroke": (join(arc(0.33, 0.25, 0.27, 0.23, 200, 460), arc(0.33, 0.72, 0.32, 0.27, -115, 165)),),
        "3-flat-top": (join(p(0.04, 0.02, 0.64, 0.02), p(0.64, 0.02, 0.24, 0.42),
                            arc(0.32, 0.7, 0.32, 0.28, -110, 160)),),
    },
    4: {
        "4-closed": (join(p(0.5, 0.0, 0.02, 0.66), p(0.02, 0.66, 0.72, 0.66)), join(p(0.52, 0.04, 0.52, 1.0))),
        "4-open": (join(p(0.1, 0.0, 0.05, 0.6), p(0.05, 0.6, 0.72, 0.6)), join(p(0.52, 0.08, 0.54, 1.0))),
        "4-open-one-stroke": (join(p(0.08, 0.0, 0.04, 0.58), p(0.04, 0.58, 0.56, 0.58),
                                   p(0.56, 0.58, 0.56, 0.05), p(0.56, 0.05, 0.56, 1.0)),),
    },
    5: {
        "5-plain": (join(p(0.16, 0.03, 0.1, 0.45), arc(0.32, 0.69, 0.3, 0.29, -140, 150)),
                    join(p(0.16, 0.03, 0.64, 0.02))),
        "5-one-stroke": (join(p(0.66, 0.02, 0.14, 0.03), p(0.14, 0.03, 0.1, 0.45),
                              arc(0.32, 0.69, 0.3, 0.29, -140, 150)),),
    },
    6: {
        "6-round": (join(p(0.58, 0.04, 0.32, 0.12, 0.12, 0.38, 0.05, 0.7), arc(0.33, 0.72, 0.28, 0.26, 180, -175)),),
        "6-straight-back": (join(p(0.5, 0.0, 0.1, 0.66), arc(0.34, 0.73, 0.26, 0.25, 200, -165)),),
    },
    7: {
        "7-plain": (join(p(0.02, 0.04, 0.7, 0.02), p(0.7, 0.02, 0.28, 1.0)),),
        "7-crossbar": (join(p(0.02, 0.04, 0.7, 0.02), p(0.7, 0.02, 0.28, 1.0)), join(p(0.2, 0.52, 0.66, 0.5))),
        "7-hook": (join(p(0.02, 0.2, 0.04, 0.03), p(0.04, 0.03, 0.7, 0.03), p(0.7, 0.03, 0.3, 1.0)),),
    },
    8: {
        "8-one-stroke": (join(p(0.6, 0.12, 0.36, 0.01, 0.1, 0.14, 0.16, 0.36, 0.52, 0.58, 0.62, 0.82, 0.36, 0.99,
                                0.08, 0.83, 0.16, 0.6, 0.52, 0.36, 0.6, 0.12)),),
        "8-two-loops": (join(arc(0.35, 0.25, 0.21, 0.23, -90, 270)), join(arc(0.35, 0.73, 0.28, 0.26, -90, 270))),
    },
    9: {
        "9-straight": (join(arc(0.33, 0.27, 0.27, 0.25, 5, -350), p(0.6, 0.26, 0.58, 1.0)),),
        "9-hooked": (join(arc(0.33, 0.27, 0.27, 0.25, 5, -350), p(0.6, 0.26, 0.6, 0.72, 0.52, 0.93, 0.32, 1.0,
                                                                   0.14, 0.9)),),
        "9-slanted-stem": (join(arc(0.36, 0.26, 0.26, 0.24, 5, -350), p(0.62, 0.25, 0.32, 1.0)),),
    },
}

UNUSUAL = frozenset({
    "0-narrow-overshoot", "1-long-flag", "1-flag-base", "1-european", "2-loop", "3-flat-top", "4-open",
    "4-open-one-stroke", "5-one-stroke", "6-straight-back", "7-crossbar", "7-hook", "8-two-loops", "9-hooked",
})

# Letters a person would never read as a digit (no O, l, I, S, Z, B, g, q, b, G, T).
LETTERS: dict[str, Glyph] = {
    "A": (join(p(0.02, 1.0, 0.36, 0.0), p(0.36, 0.0, 0.72, 1.0)), join(p(0.16, 0.6, 0.58, 0.6))),
    "N": (join(p(0.05, 1.0, 0.05, 0.0), p(0.05, 0.0, 0.65, 1.0), p(0.65, 1.0, 0.65, 0.0)),),
    "M": (join(p(0.02, 1.0, 0.08, 0.0), p(0.08, 0.0, 0.45, 0.7), p(0.45, 0.7, 0.82, 0.0), p(0.82, 0.0, 0.9, 1.0)),),
    "W": (join(p(0.0, 0.0, 0.2, 1.0), p(0.2, 1.0, 0.45, 0.35), p(0.45, 0.35, 0.7, 1.0), p(0.7, 1.0, 0.92, 0.0)),),
    "H": (join(p(0.05, 0.0, 0.05, 1.0)), join(p(0.65, 0.0, 0.65, 1.0)), join(p(0.05, 0.5, 0.65, 0.5))),
    "K": (join(p(0.08, 0.0, 0.08, 1.0)), join(p(0.66, 0.0, 0.1, 0.55), p(0.1, 0.55, 0.7, 1.0))),
    "R": (join(p(0.08, 1.0, 0.08, 0.0), p(0.08, 0.0, 0.45, 0.02, 0.62, 0.22, 0.45, 0.45, 0.1, 0.48),
               p(0.1, 0.48, 0.66, 1.0)),),
    "E": (join(p(0.65, 0.0, 0.06, 0.0), p(0.06, 0.0, 0.06, 1.0), p(0.06, 1.0, 0.68, 1.0)),
          join(p(0.06, 0.5, 0.52, 0.5))),
    "Y": (join(p(0.0, 0.0, 0.36, 0.48)), join(p(0.74, 0.0, 0.36, 0.48), p(0.36, 0.48, 0.36, 1.0))),
    "e": (join(p(0.08, 0.55, 0.66, 0.5, 0.58, 0.22, 0.34, 0.12, 0.1, 0.3, 0.06, 0.65, 0.26, 0.9, 0.5, 0.94,
                 0.7, 0.82)),),
    "x": (join(p(0.05, 0.1, 0.7, 1.0)), join(p(0.68, 0.08, 0.04, 0.98))),
    "k": (join(p(0.08, 0.0, 0.08, 1.0)), join(p(0.6, 0.35, 0.1, 0.7), p(0.1, 0.7, 0.66, 1.0))),
    "s": (join(p(0.62, 0.12, 0.3, 0.02, 0.08, 0.2, 0.3, 0.48, 0.58, 0.62, 0.56, 0.9, 0.3, 1.0, 0.04, 0.88)),),
    "h": (join(p(0.08, 0.0, 0.08, 1.0)), join(p(0.09, 0.6, 0.3, 0.38, 0.56, 0.45, 0.6, 0.7, 0.6, 1.0))),
    "m": (join(p(0.04, 0.2, 0.04, 1.0)), join(p(0.05, 0.4, 0.2, 0.2, 0.4, 0.3, 0.42, 1.0)),
          join(p(0.43, 0.4, 0.6, 0.2, 0.8, 0.3, 0.82, 1.0))),
    "w": (join(p(0.0, 0.2, 0.18, 1.0, 0.4, 0.45, 0.62, 1.0, 0.8, 0.2)),),
}


def _star() -> Glyph:
    angles = np.radians(-90 + 144 * np.arange(6))  # a pentagram in one stroke
    return (join(np.stack([0.5 + 0.5 * np.cos(angles), 0.5 + 0.5 * np.sin(angles)], axis=1)),)


SHAPES: dict[str, Glyph] = {
    "star": _star(),
    "triangle": (join(p(0.5, 0.0, 1.0, 0.9), p(1.0, 0.9, 0.0, 0.92), p(0.0, 0.92, 0.5, 0.0)),),
    "square": (join(p(0.02, 0.02, 0.98, 0.0), p(0.98, 0.0, 1.0, 0.98), p(1.0, 0.98, 0.0, 1.0),
                    p(0.0, 1.0, 0.02, 0.0)),),
    "arrow": (join(p(0.0, 0.5, 1.0, 0.5)), join(p(0.62, 0.14, 1.0, 0.5), p(1.0, 0.5, 0.62, 0.86))),
    "heart": (join(p(0.5, 0.28, 0.35, 0.04, 0.08, 0.06, 0.02, 0.32, 0.22, 0.64, 0.5, 1.0),
                   p(0.5, 1.0, 0.78, 0.64, 0.98, 0.32, 0.92, 0.06, 0.65, 0.04, 0.5, 0.28)),),
    "plus": (join(p(0.5, 0.0, 0.5, 1.0)), join(p(0.0, 0.5, 1.0, 0.5))),
    "cross-box": (join(p(0.0, 0.0, 1.0, 0.0), p(1.0, 0.0, 1.0, 1.0), p(1.0, 1.0, 0.0, 1.0), p(0.0, 1.0, 0.0, 0.0)),
                  join(p(0.0, 0.0, 1.0, 1.0)), join(p(1.0, 0.0, 0.0, 1.0))),
}


def scribble(rng: np.random.Generator) -> Glyph:
    """A tangle: one stroke through many random points, or back-and-forth hatching over an area."""
    if rng.random() < 0.5:
        points = rng.uniform(0, 1, size=(int(rng.integers(10, 18)), 2))
        return (join(points),)
    rows = int(rng.integers(6, 11))
    ys = np.linspace(0, 1, rows) + rng.normal(0, 0.03, rows)
    xs = np.where(np.arange(rows) % 2 == 0, rng.uniform(0.0, 0.15, rows), rng.uniform(0.85, 1.0, rows))
    return (join(np.stack([xs, ys], axis=1)),)
