"""Grey-level morphology in plain numpy: rank filters, stroke width, round growing and thinning.

Pillow's MinFilter/MaxFilter cost O(size^2) per pixel and take 8-bit images only; these filters are
separable and build a window of any size from log2(size) doublings, so a 61 px window costs about
what a 3 px one does in Pillow.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Reduce = Callable[[np.ndarray, np.ndarray], np.ndarray]


def max_filter(values: np.ndarray, size: int) -> np.ndarray:
    """Maximum over a ``size`` x ``size`` window centred on each pixel (edges repeated); same shape."""
    return _square(values, size, np.maximum)


def min_filter(values: np.ndarray, size: int) -> np.ndarray:
    """Minimum over a ``size`` x ``size`` window centred on each pixel (edges repeated); same shape."""
    return _square(values, size, np.minimum)


def running(values: np.ndarray, size: int, axis: int, reduce: Reduce) -> np.ndarray:
    """``reduce`` (np.maximum or np.minimum) over a window of ``size`` along one ``axis`` only."""
    return values.copy() if size <= 1 else _running(values, size, axis, reduce)


def _square(values: np.ndarray, size: int, reduce: Reduce) -> np.ndarray:
    if size <= 1:
        return values.copy()
    return _running(_running(values, size, 0, reduce), size, 1, reduce)


def _running(values: np.ndarray, size: int, axis: int, reduce: Reduce) -> np.ndarray:
    """Sliding ``reduce`` of width ``size`` along ``axis``: windows doubled up to size, then two overlap."""
    moved = np.moveaxis(values, axis, 0)
    length = moved.shape[0]
    before = (size - 1) // 2
    # Edges repeated, as np.pad(mode="edge") would, without its per-call overhead (this runs many times a request).
    first, last = moved[:1], moved[-1:]
    window = np.concatenate([np.repeat(first, before, axis=0), moved, np.repeat(last, size - 1 - before, axis=0)])
    span = 1
    while span * 2 <= size:  # window[i] = reduce(padded[i : i + span])
        window = reduce(window[:-span], window[span:])
        span *= 2
    result = reduce(window[:length], window[size - span : size - span + length])
    return np.moveaxis(result, 0, axis)


def grow(values: np.ndarray, pixels: int) -> np.ndarray:
    """Widen strokes by ``pixels`` (in total, both sides), with a nearly round pen; the frame grows too."""
    return _round_steps(np.pad(values, (pixels + 1) // 2), pixels, np.maximum)


def thin(values: np.ndarray, pixels: int) -> np.ndarray:
    """Narrow strokes by ``pixels`` (in total, both sides), with a nearly round pen."""
    return _round_steps(values, pixels, np.minimum)


def _round_steps(values: np.ndarray, pixels: int, reduce: Reduce) -> np.ndarray:
    # A 3x3 square and a 3x3 cross, alternated, make an octagon: diagonal strokes grow like straight ones.
    result = values
    for step in range(pixels // 2):
        result = _square(result, 3, reduce) if step % 2 else _cross(result, reduce)
    if pixels % 2:
        result = _square(result, 2, reduce)
    return result


def _cross(values: np.ndarray, reduce: Reduce) -> np.ndarray:
    padded = np.pad(values, 1, mode="edge")
    centre = padded[1:-1, 1:-1]
    return reduce(reduce(reduce(centre, padded[:-2, 1:-1]), reduce(padded[2:, 1:-1], padded[1:-1, :-2])),
                  padded[1:-1, 2:])


def neighbour_count(mask: np.ndarray) -> np.ndarray:
    """How many of the 3x3 pixels around (and including) each pixel are set (uint8)."""
    values = mask.view(np.uint8) if mask.dtype == bool else mask.astype(np.uint8)
    rows = values.copy()  # shifted in-place sums: no padded copy, contiguous rows
    rows[1:] += values[:-1]
    rows[:-1] += values[1:]
    counts = rows.copy()
    counts[:, 1:] += rows[:, :-1]
    counts[:, :-1] += rows[:, 1:]
    return counts


def stroke_width(ink: np.ndarray, *, level: float = 0.5) -> float:
    """Mean stroke width in pixels: 2 x area / perimeter of the ink mask (a long thin shape's width)."""
    mask = ink > level
    padded = np.pad(mask, 1)
    perimeter = np.count_nonzero(padded[1:] != padded[:-1]) + np.count_nonzero(padded[:, 1:] != padded[:, :-1])
    return float(2 * np.count_nonzero(mask) / perimeter) if perimeter else 0.0
