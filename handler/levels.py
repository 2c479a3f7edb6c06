"""Order statistics of small integers (8-bit levels, their differences) from a histogram.

The same values as ``np.median`` and ``np.percentile`` (linear), without their sort and per-call overhead: a
photo's ink work takes a dozen of them per request, on arrays of a few thousand to 60,000 pixels.
"""

from collections.abc import Sequence

import numpy as np

# uint8 pixels have this many levels; other values may go down to -(LEVELS - 1) (differences of two pixels).
LEVELS = 256


def percentiles(values: np.ndarray, percents: Sequence[float]) -> list[float]:
    """``np.percentile(values, percents)`` (linear interpolation) of integers from -255 up, as floats."""
    cumulative, offset = _cumulative(values)
    last = int(cumulative[-1]) - 1
    result = []
    for percent in percents:
        position = percent / 100 * last
        below = int(position)
        low, high = _kth(cumulative, offset, below), _kth(cumulative, offset, min(below + 1, last))
        fraction = position - below
        # numpy's own lerp: from the upper value when nearer it (the same float, to the last bit)
        result.append(high - (high - low) * (1 - fraction) if fraction >= 0.5 else low + (high - low) * fraction)
    return result


def median(values: np.ndarray) -> float:
    """``np.median(values)`` of integers from -255 up (a half when their count is even and the middle two differ)."""
    cumulative, offset = _cumulative(values)
    count = int(cumulative[-1])
    if count == 0:
        raise ValueError("the median of no values")
    middle = count // 2
    upper = _kth(cumulative, offset, middle)
    return upper if count % 2 else (_kth(cumulative, offset, middle - 1) + upper) / 2


def channel_medians(values: np.ndarray) -> np.ndarray:
    """``np.median(values, axis=0)`` of (N, C) integers from -255 up: each channel's median, float64 (C,)."""
    return np.array([median(values[:, channel]) for channel in range(values.shape[1])])


def _cumulative(values: np.ndarray) -> tuple[np.ndarray, int]:
    """The cumulative histogram of ``values``, and the value its first level stands for."""
    if values.dtype == np.uint8:
        return np.cumsum(np.bincount(values.ravel(), minlength=LEVELS)), 0
    shifted = values.ravel().astype(np.int16) + (LEVELS - 1)  # -255.. -> 0..: bincount counts from 0
    return np.cumsum(np.bincount(shifted, minlength=2 * LEVELS - 1)), -(LEVELS - 1)


def _kth(cumulative: np.ndarray, offset: int, k: int) -> float:
    """The k-th smallest value (0-based): the first level whose cumulative count exceeds k."""
    return float(int(np.searchsorted(cumulative, k, side="right")) + offset)
