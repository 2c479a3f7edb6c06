"""Connected components of a mask, in plain numpy: no scipy in the Lambda package.

Pixels are grouped into horizontal runs; runs in neighbouring rows that touch (8-connectivity) are
joined by a vectorised union (minimum label propagation with pointer jumping), so the cost grows
with the number of runs, not with the pixels or the length of a stroke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Runs:
    """The mask's runs, sorted by (row, start): run k covers ``row[k], start[k]:end[k]``; ``label[k]`` 0..n-1."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    count: int  # number of components

    @property
    def length(self) -> np.ndarray:
        return self.end - self.start


def find_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, start, end) of every horizontal run of True pixels, sorted by row then start."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    rows, cols = np.nonzero(np.diff(padded, axis=1))  # +1 where a run starts, -1 one past its end
    return rows[::2], cols[::2], cols[1::2]


def label_runs(mask: np.ndarray) -> Runs:
    """Label the 8-connected components of a boolean (H, W) mask."""
    row, start, end = find_runs(mask)
    if row.size == 0:
        return Runs(row, start, end, np.zeros(0, dtype=np.int64), 0)
    stride = mask.shape[1] + 2  # one key space for all rows: runs stay sorted by key
    start_key, end_key = row * stride + start, row * stride + end
    # Runs of the row above that touch run j: their end >= start_j and their start <= end_j (diagonals count).
    above = (row - 1) * stride
    low = np.searchsorted(end_key, above + start, side="left")
    high = np.searchsorted(start_key, above + end, side="right")
    counts = np.maximum(high - low, 0)
    later = np.repeat(np.arange(row.size), counts)
    earlier = np.repeat(low, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    return Runs(row, start, end, *_components(row.size, earlier, later))


def _components(size: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """Component labels 0..n-1 of ``size`` nodes joined by edges (a, b)."""
    parent = np.arange(size)
    while True:
        low = np.minimum(parent[a], parent[b])
        changed = parent.copy()
        np.minimum.at(changed, parent[a], low)
        np.minimum.at(changed, parent[b], low)
        changed = changed[changed]  # pointer jumping: each node looks at its root's root
        while not np.array_equal(changed, jumped := changed[changed]):
            changed = jumped
        if np.array_equal(changed, parent):
            break
        parent = changed
    roots, label = np.unique(parent, return_inverse=True)
    return label, len(roots)


def paint(runs: Runs, shape: tuple[int, int]) -> np.ndarray:
    """int32 (H, W) image: each pixel's component label, -1 where the mask is empty."""
    image = np.full(shape, -1, dtype=np.int32)
    lengths = runs.length
    rows = np.repeat(runs.row, lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    image[rows, np.repeat(runs.start, lengths) + offsets] = np.repeat(runs.label, lengths)
    return image


def component_stats(runs: Runs) -> dict[str, np.ndarray]:
    """Per component: its box (``top``, ``bottom``, ``left``, ``right``, ends exclusive), ``area`` in pixels and
    ``centre_row`` (of its mass)."""
    def reduce(ufunc: np.ufunc, values: np.ndarray, initial: int) -> np.ndarray:
        out = np.full(runs.count, initial, dtype=np.int64)
        ufunc.at(out, runs.label, values)
        return out

    top, bottom = reduce(np.minimum, runs.row, 1 << 30), reduce(np.maximum, runs.row + 1, -1)
    left, right = reduce(np.minimum, runs.start, 1 << 30), reduce(np.maximum, runs.end, -1)
    area = np.bincount(runs.label, weights=runs.length, minlength=runs.count)
    row_mass = np.bincount(runs.label, weights=runs.length * runs.row, minlength=runs.count)
    return {"top": top, "bottom": bottom, "left": left, "right": right, "area": area,
            "centre_row": row_mass / np.maximum(area, 1)}
