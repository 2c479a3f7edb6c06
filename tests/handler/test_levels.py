"""Order statistics from a histogram: exactly numpy's median and linear percentiles, for 8-bit levels."""

from __future__ import annotations

import numpy as np
import pytest

from handler import levels

PERCENTS = (0, 0.5, 10, 33.3, 50, 90, 99.5, 100)


def samples(rng: np.random.Generator):
    """uint8 pixels, int16 differences, whole-valued float32, odd and even counts, flat and spread."""
    for count in (1, 2, 3, 4, 10, 101, 2016):
        yield rng.integers(0, 256, count).astype(np.uint8)
        yield rng.integers(-255, 256, count).astype(np.int16)
        yield np.clip(rng.normal(200, 3, count).round(), 0, 255).astype(np.float32)  # paper: a few levels
        yield rng.integers(0, 511, count).astype(np.int16)  # doubled deviations


def test_median_is_numpys():
    for values in samples(np.random.default_rng(0)):
        assert levels.median(values) == np.median(values), values


def test_percentiles_are_numpys_to_the_last_bit():
    for values in samples(np.random.default_rng(1)):
        assert levels.percentiles(values, PERCENTS) == list(np.percentile(values, PERCENTS)), values


def test_channel_medians_are_numpys_along_the_first_axis():
    rng = np.random.default_rng(2)
    for count in (1, 2, 7, 800):
        values = rng.integers(0, 256, (count, 3)).astype(np.uint8)
        assert np.array_equal(levels.channel_medians(values), np.median(values, axis=0))


def test_an_even_count_gives_the_halfway_value():
    assert levels.median(np.array([10, 11, 200, 3], dtype=np.uint8)) == 10.5


def test_no_values_have_no_median():
    with pytest.raises(ValueError):
        levels.median(np.array([], dtype=np.uint8))
