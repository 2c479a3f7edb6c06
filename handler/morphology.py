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


def connected_to_edge(mask: np.ndarray) -> np.ndarray:
    """The part of ``mask`` connected (8-neighbours) to the picture's edge: grown from the edge within it."""
    seeds = np.zeros_like(mask)
    for edge in (np.s_[0], np.s_[-1], np.s_[:, 0], np.s_[:, -1]):
        seeds[edge] = mask[edge]
    return grown_within(seeds, mask)


def grown_within(seeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The part of ``mask`` connected (8-neighbours) to ``seeds`` (themselves within it): a reconstruction."""
    reached = seeds & mask
    if not reached.any():
        return reached
    while not np.array_equal(grown := max_filter(reached, 3) & mask, reached):
        reached = grown
    return reached


def mean_3x3(values: np.ndarray) -> np.ndarray:
    """uint8 -> int16 mean over the 3 x 3 pixels around each (edges repeated), rounded: Pillow's BoxBlur(1)
    to within 1, in a fifth of its time on small pictures."""
    wide = values.astype(np.uint16)
    rows = wide.copy()  # shifted in-place sums, the edge row counted again where its neighbour is missing
    rows[1:] += wide[:-1]
    rows[:-1] += wide[1:]
    rows[0] += wide[0]
    rows[-1] += wide[-1]
    sums = rows.copy()
    sums[:, 1:] += rows[:, :-1]
    sums[:, :-1] += rows[:, 1:]
    sums[:, 0] += rows[:, 0]
    sums[:, -1] += rows[:, -1]
    return ((sums + 4) // 9).astype(np.int16)


def coarse_max_filter(values: np.ndarray, size: int, factor: int) -> np.ndarray:
    """``max_filter`` for wide windows, on a copy ``factor`` times smaller: at least the maximum over the
    ``size`` window, at most that over one ``2 * factor`` wider (where a few pixels of reach do not matter)."""
    radius = -(-(size // 2) // factor)
    grown = max_filter(max_pool(values, factor), 2 * radius + 1)
    return enlarged(grown, factor, values.shape)


def enlarged(values: np.ndarray, factor: int, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` with each pixel repeated ``factor`` x ``factor``, cut to ``shape`` (undoes ``max_pool``'s size)."""
    return np.repeat(np.repeat(values, factor, axis=0), factor, axis=1)[: shape[0], : shape[1]]


def max_pool(values: np.ndarray, factor: int) -> np.ndarray:
    """Maximum over ``factor`` x ``factor`` blocks (the last ones may be partial)."""
    if factor == 1:
        return values
    # Maxima of strided slices: numpy's max over two inner axes of a reshape is ten times slower.
    rows = np.zeros((-(-values.shape[0] // factor), values.shape[1]), dtype=values.dtype)
    for offset in range(min(factor, values.shape[0])):
        part = values[offset::factor]
        np.maximum(rows[: len(part)], part, out=rows[: len(part)])
    pooled = np.zeros((rows.shape[0], -(-values.shape[1] // factor)), dtype=values.dtype)
    for offset in range(min(factor, values.shape[1])):
        part = rows[:, offset::factor]
        np.maximum(pooled[:, : part.shape[1]], part, out=pooled[:, : part.shape[1]])
    return pooled


def running(values: np.ndarray, size: int, axis: int, reduce: Reduce) -> np.ndarray:
    """``reduce`` (np.maximum or np.minimum) over a window of ``size`` along one ``axis`` only."""
    return values.copy() if size <= 1 else _running(values, size, axis, reduce)


def _square(values: np.ndarray, size: int, reduce: Reduce) -> np.ndarray:
    if size <= 1:
        return values.copy()
    return _running(_running(values, size, 0, reduce), size, 1, reduce)


def _running(values: np.ndarray, size: int, axis: int, reduce: Reduce) -> np.ndarray:
    """Sliding ``reduce`` of width ``size`` along ``axis``: windows doubled up to size, then two overlap."""
    moved = values.swapaxes(0, axis)  # a view; np.moveaxis costs more than the filter on small pictures
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
    return result.swapaxes(0, axis)


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
