"""Rank filters, stroke width and round growing/thinning, on tiny arrays."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from PIL import Image, ImageFilter

from handler.morphology import (
    coarse_max_filter, connected_to_edge, enlarged, grow, grown_within, max_filter, max_pool, mean_3x3, min_filter, neighbour_count,
    stroke_width, thin,
)


def reference_filter(values: np.ndarray, size: int, reduce) -> np.ndarray:
    """Brute force: every window of the edge-padded array, reduced."""
    before = (size - 1) // 2
    padded = np.pad(values, [(before, size - 1 - before)] * 2, mode="edge")
    return reduce(sliding_window_view(padded, (size, size)), axis=(2, 3))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8, 13])
def test_max_filter_matches_brute_force(size):
    values = np.random.default_rng(size).integers(0, 256, (17, 23)).astype(np.uint8)
    assert np.array_equal(max_filter(values, size), reference_filter(values, size, np.max))


@pytest.mark.parametrize("size", [2, 3, 7, 16])
def test_min_filter_matches_brute_force(size):
    values = np.random.default_rng(size).random((19, 11)).astype(np.float32)
    assert np.array_equal(min_filter(values, size), reference_filter(values, size, np.min))


def test_max_filter_works_per_channel():
    values = np.random.default_rng(0).integers(0, 256, (9, 12, 3)).astype(np.uint8)
    expected = np.stack([max_filter(values[..., c], 5) for c in range(3)], axis=-1)
    assert np.array_equal(max_filter(values, 5), expected)


def test_stroke_width_of_a_long_bar_is_its_width():
    bar = np.zeros((40, 300), dtype=np.float32)
    bar[10:16, 20:280] = 1.0
    assert stroke_width(bar) == pytest.approx(6.0, rel=0.05)


def test_stroke_width_of_nothing_is_zero():
    assert stroke_width(np.zeros((5, 5))) == 0.0


@pytest.mark.parametrize("pixels", [2, 5, 8])
def test_grow_widens_a_line_by_pixels(pixels):
    line = np.zeros((30, 200), dtype=np.float32)
    line[15, 10:190] = 1.0
    assert stroke_width(grow(line, pixels)) == pytest.approx(1 + pixels, rel=0.1)


def test_grow_pads_so_edge_strokes_are_not_cut():
    line = np.zeros((10, 50), dtype=np.float32)
    line[0, :] = 1.0
    grown = grow(line, 4)
    assert grown.shape == (14, 54)
    assert np.count_nonzero(grown[:, 25]) == 5


def test_grow_is_round_on_diagonals():
    dot = np.zeros((21, 21), dtype=np.float32)
    dot[10, 10] = 1.0
    disc = grow(dot, 8)
    rows, cols = np.nonzero(disc)
    centre = np.array(disc.shape) // 2
    reach = np.hypot(rows - centre[0], cols - centre[1])
    assert reach.max() < 4 * np.sqrt(2) - 0.5  # a square would reach its corners at 4 * sqrt(2)


@pytest.mark.parametrize("pixels", [2, 4])
def test_thin_narrows_a_bar_by_pixels(pixels):
    bar = np.zeros((40, 300), dtype=np.float32)
    bar[10:22, 20:280] = 1.0
    assert stroke_width(thin(bar, pixels)) == pytest.approx(12 - pixels, rel=0.1)


def test_neighbour_count_counts_the_3x3_block():
    mask = np.zeros((5, 5), dtype=bool)
    mask[1, 1] = mask[1, 2] = mask[4, 4] = True
    counts = neighbour_count(mask)
    assert counts[1, 1] == 2 and counts[4, 4] == 1 and counts[2, 2] == 2 and counts[0, 4] == 0


def test_mean_3x3_is_pillows_box_blur_to_within_one_step():
    values = np.random.default_rng(5).integers(0, 256, (37, 53), dtype=np.uint8)
    expected = np.asarray(Image.fromarray(values).filter(ImageFilter.BoxBlur(1)), dtype=np.int16)
    assert np.abs(mean_3x3(values) - expected).max() <= 1


def test_max_pool_takes_each_block_s_maximum_partial_blocks_included():
    values = np.arange(35, dtype=np.int16).reshape(5, 7)
    assert max_pool(values, 3).tolist() == [[16, 19, 20], [30, 33, 34]]


@pytest.mark.parametrize(("size", "factor"), [(9, 2), (45, 4), (21, 3)])
def test_coarse_max_filter_reaches_at_least_the_window_and_little_beyond(size, factor):
    values = np.zeros((90, 120), dtype=np.uint8)
    values[np.random.default_rng(size).integers(0, 90, 12), np.random.default_rng(factor).integers(0, 120, 12)] = 200
    coarse = coarse_max_filter(values, size, factor)
    assert (coarse >= max_filter(values, size)).all()
    assert (coarse <= max_filter(values, size + 4 * factor)).all()


def test_connected_to_edge_keeps_what_touches_the_edge_and_its_diagonal_neighbours():
    mask = np.zeros((8, 8), dtype=bool)
    mask[0:3, 2] = True  # from the top edge down
    mask[3, 3] = True  # joined diagonally
    mask[5:7, 5:7] = True  # an island
    assert connected_to_edge(mask).tolist() == (mask & ~np.pad(np.ones((2, 2), dtype=bool), ((5, 1), (5, 1)))).tolist()
    assert not connected_to_edge(np.pad(np.ones((2, 2), dtype=bool), 3)).any()


def test_grown_within_reconstructs_the_parts_of_the_mask_the_seeds_touch():
    mask = np.zeros((9, 9), dtype=bool)
    mask[1, 1:8] = mask[1:8, 7] = True  # an L
    mask[5:7, 1:3] = True  # apart from it
    seeds = np.zeros_like(mask)
    seeds[1, 1] = True
    assert grown_within(seeds, mask).tolist() == (mask & ~np.pad(np.ones((2, 2), dtype=bool), ((5, 2), (1, 6)))).tolist()
    seeds[0, 0] = True  # a seed outside the mask grows nothing of its own
    assert grown_within(seeds, mask).sum() == 13
    assert not grown_within(np.zeros_like(mask), mask).any()


def test_enlarged_repeats_each_pixel_and_cuts_to_the_shape_max_pool_came_from():
    values = np.arange(35, dtype=np.int16).reshape(5, 7)
    pooled = max_pool(values, 3)
    grown = enlarged(pooled, 3, values.shape)
    assert grown.shape == values.shape and (grown >= values).all()
    assert grown[4, 6] == pooled[1, 2] and grown[0, 3] == pooled[0, 1]
