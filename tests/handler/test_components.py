"""Connected components of a mask, checked against a plain flood fill."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from handler.components import label_runs, paint


def flood_fill(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected labels by breadth-first search: slow and obviously right."""
    labels, count = np.full(mask.shape, -1), 0
    for start in zip(*np.nonzero(mask), strict=True):
        if labels[start] >= 0:
            continue
        labels[start], queue = count, deque([start])
        while queue:
            row, col = queue.popleft()
            for r in range(max(0, row - 1), min(mask.shape[0], row + 2)):
                for c in range(max(0, col - 1), min(mask.shape[1], col + 2)):
                    if mask[r, c] and labels[r, c] < 0:
                        labels[r, c] = count
                        queue.append((r, c))
        count += 1
    return labels, count


@pytest.mark.parametrize("seed", range(20))
def test_label_runs_matches_flood_fill(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = rng.random((int(rng.integers(1, 40)), int(rng.integers(1, 40)))) < rng.uniform(0.05, 0.7)
    runs = label_runs(mask)
    expected, count = flood_fill(mask)
    labels = paint(runs, mask.shape)
    assert runs.count == count
    assert ((labels >= 0) == mask).all()
    assert len(set(zip(expected[mask].tolist(), labels[mask].tolist(), strict=True))) == count  # same partition


def test_label_runs_joins_diagonal_neighbours() -> None:
    assert label_runs(np.eye(5, dtype=bool)).count == 1


def test_label_runs_of_an_empty_mask_is_no_component() -> None:
    runs = label_runs(np.zeros((4, 6), dtype=bool))
    assert runs.count == 0 and (paint(runs, (4, 6)) == -1).all()
