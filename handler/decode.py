"""Bytes -> pixels, safely: type sniffing, size and pixel-count limits, EXIF rotation, reduced JPEG decode.

The output is always a float32 RGB image in [0, 1], at most ``WORK_SIDE`` pixels on its longest side,
plus an alpha channel when the file has real transparency, so ``preprocess`` never sees colour modes,
bit depths, orientations or file formats.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from handler.errors import InvalidImage, UnsupportedMediaType, UploadTooLarge

ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "MPO", "GIF", "BMP", "WEBP", "TIFF"})
ACCEPTED_MEDIA_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/pjpeg", "image/gif", "image/bmp", "image/x-ms-bmp",
     "image/webp", "image/tiff", "application/octet-stream", ""}
)
# One digit is found and read well at this size; a 12 MP photo is decoded reduced towards it.
WORK_SIDE = 640
# Only JPEG decodes reduced; other formats decode every pixel first (a lossless WebP of 40 MP is 1.6 kB
# and took 835 MB): above this they are refused, keeping the worst uploads under 400 MB in a 512 MB Lambda.
FULL_DECODE_MAX_PIXELS = 12_000_000

# (format name, the magic bytes it starts with) of things people send that are not images we read.
_NOT_IMAGES = (("PDF", b"%PDF"), ("SVG/XML", b"<?xml"), ("SVG", b"<svg"), ("HTML", b"<!DOCTYPE"), ("HTML", b"<html"))


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # float32 (H, W, 3) in [0, 1], 0 = black
    alpha: np.ndarray | None  # float32 (H, W) in [0, 1] when the file is partly transparent
    original_size: tuple[int, int]  # (width, height) as stored in the file
    format: str


def check_media_type(content_type: str | None) -> None:
    """Reject uploads whose declared type is clearly not an image (the bytes are sniffed anyway)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"unsupported content type {media_type!r}: send a PNG, JPEG, GIF, BMP, WebP or TIFF image"
        )


def open_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """Identify the format and check the pixel count from the header alone, before decoding pixels."""
    if not data:
        raise InvalidImage("the uploaded file is empty")
    head = data[:64].lstrip().lower()
    for name, magic in _NOT_IMAGES:
        if head.startswith(magic.lower()):
            raise UnsupportedMediaType(f"the file is {name}, not an image: send a PNG, JPEG, GIF, BMP, WebP or TIFF")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        if isinstance(error, UnidentifiedImageError):
            raise InvalidImage("the file is not an image that can be decoded") from error
        raise UploadTooLarge(f"the image has too many pixels (limit {max_pixels:,})") from error
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidImage(f"the image cannot be decoded: {error}") from error
    if image.format not in ACCEPTED_FORMATS:
        raise UnsupportedMediaType(f"{image.format} images are not accepted: send PNG, JPEG, GIF, BMP, WebP or TIFF")
    width, height = image.size
    if image.format not in {"JPEG", "MPO"}:
        max_pixels = min(max_pixels, FULL_DECODE_MAX_PIXELS)
    if width * height > max_pixels:
        raise UploadTooLarge(f"the image has {width}x{height} = {width * height:,} pixels (limit {max_pixels:,})")
    if width < 1 or height < 1:
        raise InvalidImage("the image has no pixels")
    return image


def decode_image(data: bytes, *, max_pixels: int, work_side: int | None = WORK_SIDE) -> DecodedImage:
    """Decode an upload to RGB + alpha, reduced to ``work_side`` (``None`` keeps every pixel)."""
    image = open_image(data, max_pixels=max_pixels)
    original_size, file_format = image.size, image.format or ""
    try:
        if work_side and file_format in {"JPEG", "MPO"}:
            image.draft("RGB", (work_side, work_side))  # DCT scaling at 1/2..1/8: far less work
        image = _to_8bit_rgba(ImageOps.exif_transpose(image))  # phones store photos sideways + a tag
        if work_side:
            image.thumbnail((work_side, work_side), Image.Resampling.BOX)  # area average keeps thin ink
        rgba = np.asarray(image, dtype=np.float32) / 255.0
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise InvalidImage(f"the image cannot be decoded: {error}") from error
    alpha = rgba[..., 3]
    return DecodedImage(
        rgb=rgba[..., :3], alpha=alpha if alpha.min() < 0.98 else None,
        original_size=original_size, format=file_format,
    )


def _to_8bit_rgba(image: Image.Image) -> Image.Image:
    image.seek(0)  # animated GIF/WebP/TIFF: the first frame
    if image.mode in {"I;16", "I;16B", "I;16L", "I", "F"}:  # 16-bit and float greyscale
        values = np.asarray(image, dtype=np.float32)
        peak = 65535.0 if values.max() > 255 else 255.0
        image = Image.fromarray(np.clip(values / peak * 255.0, 0, 255).astype(np.uint8), mode="L")
    return image.convert("RGBA")
