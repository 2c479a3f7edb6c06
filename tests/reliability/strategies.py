"""Hypothesis strategies for images: any shape, dtype, colour mode, size and file format, as arrays or bytes."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

MAX_SIDE = 160  # big enough for every code path (background estimation starts at 64 px), small enough to be fast
# Pillow modes each file format writes (checked against Pillow 13); others would be converted or refused.
FORMAT_MODES = {
    "PNG": ("1", "L", "LA", "RGB", "RGBA", "I;16", "P"),
    "JPEG": ("L", "RGB", "CMYK"),
    "GIF": ("L", "P", "RGB"),
    "BMP": ("1", "L", "P", "RGB", "RGBA"),
    "WEBP": ("RGB", "RGBA"),
    "TIFF": ("1", "L", "LA", "RGB", "RGBA", "I;16", "I", "F", "P", "CMYK"),
}
# The array each mode is built from: (numpy dtype, channels); the rest are converted from RGBA.
NATIVE_MODES = {
    "1": (np.bool_, 1), "L": (np.uint8, 1), "RGB": (np.uint8, 3), "RGBA": (np.uint8, 4),
    "I;16": (np.uint16, 1), "I": (np.int32, 1), "F": (np.float32, 1),
}
CONVERTED_MODES = ("LA", "P", "CMYK")


def sides(max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple[int, int]]:
    """(height, width), with thin and tiny shapes drawn often."""
    side = st.one_of(st.integers(1, 4), st.integers(1, max_side))
    return st.tuples(side, side)


@st.composite
def pixel_arrays(draw: st.DrawFn, dtype: type, channels: int, max_side: int = MAX_SIDE) -> np.ndarray:
    """Noise, a flat field, or a flat field with a stroke of another colour (a "digit"), in ``dtype``."""
    height, width = draw(sides(max_side))
    shape = (height, width) if channels == 1 else (height, width, channels)
    values = st.booleans() if dtype is np.bool_ else hnp.from_dtype(
        np.dtype(dtype), allow_nan=False, allow_infinity=False, min_value=0.0 if dtype is np.float32 else None,
        max_value=1.0 if dtype is np.float32 else None,
    )
    kind = draw(st.sampled_from(["noise", "flat", "stroke"]))
    if kind == "noise":
        return draw(hnp.arrays(dtype, shape, elements=values))
    pixels = np.full(shape, draw(values), dtype=dtype)
    if kind == "stroke":
        top, left = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        bottom, right = draw(st.integers(top + 1, height)), draw(st.integers(left + 1, width))
        pixels[top:bottom, left:right] = draw(values)
    return pixels


@st.composite
def pillow_images(draw: st.DrawFn, max_side: int = MAX_SIDE) -> Image.Image:
    """An image in any Pillow mode this project may receive, built from an array of the matching dtype."""
    mode = draw(st.sampled_from([*NATIVE_MODES, *CONVERTED_MODES]))
    dtype, channels = NATIVE_MODES.get(mode, (np.uint8, 4))
    image = Image.fromarray(draw(pixel_arrays(dtype, channels, max_side)))
    return image if mode in NATIVE_MODES else image.convert(mode)


@st.composite
def encoded_images(draw: st.DrawFn, max_side: int = MAX_SIDE) -> bytes:
    """Any image above, saved as any format that can hold its mode (JPEG at a random quality)."""
    image = draw(pillow_images(max_side))
    formats = [name for name, modes in FORMAT_MODES.items() if image.mode in modes]
    file_format = draw(st.sampled_from(formats))
    buffer = io.BytesIO()
    options = {"quality": draw(st.integers(1, 95))} if file_format == "JPEG" else {}
    image.save(buffer, format=file_format, **options)
    return buffer.getvalue()


@st.composite
def damaged_images(draw: st.DrawFn) -> bytes:
    """A valid file cut short, or with a few bytes overwritten: what a flaky upload or an attacker sends."""
    data = bytearray(draw(encoded_images(max_side=48)))
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def float_images(max_side: int = MAX_SIDE) -> st.SearchStrategy[np.ndarray]:
    """Float32 arrays in [0, 1] of shape (H, W) or (H, W, 3): what ``preprocess`` is documented to take."""
    return st.one_of(pixel_arrays(np.float32, 1, max_side), pixel_arrays(np.float32, 3, max_side))
