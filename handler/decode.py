"""Bytes -> pixels, safely: type sniffing, size and pixel-count limits, EXIF rotation, reduced JPEG decode.

The output is always an 8-bit RGB image, at most ``WORK_SIDE`` pixels on its longest side, plus an
alpha channel when the file has real transparency, so ``preprocess`` never sees colour modes (palette,
CMYK, greyscale), bit depths (16-bit is scaled by its own peak), orientations or file formats.
"""

from __future__ import annotations

import io
import math
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
WORK_SIDE = 512
# A JPEG may decode as small as this fraction of the work side: a 4000 px photo at 1/8 (500 px) instead of
# 1/4 (1000 px, then shrunk), which saves a third of its decode; thin ink still spans a pixel there.
MIN_DRAFT_FRACTION = 0.75
OPAQUE = 250  # an alpha channel whose every pixel is at least this is ignored (screenshots save one)
# Only JPEG decodes reduced; other formats decode every pixel first (a lossless WebP of 40 MP is 1.6 kB
# and took 835 MB): above this they are refused, keeping the worst uploads under 400 MB in a 512 MB Lambda.
FULL_DECODE_MAX_PIXELS = 12_000_000

# (format name, the magic bytes it starts with) of things people send that are not images we read.
_NOT_IMAGES = (("PDF", b"%PDF"), ("SVG/XML", b"<?xml"), ("SVG", b"<svg"), ("HTML", b"<!DOCTYPE"), ("HTML", b"<html"))


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # uint8 (H, W, 3), 0 = black
    alpha: np.ndarray | None  # uint8 (H, W), 0 = transparent; None when the file is opaque
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
    """Decode an upload to 8-bit RGB + alpha, reduced to ``work_side`` (``None`` keeps every pixel)."""
    image = open_image(data, max_pixels=max_pixels)
    original_size, file_format = image.size, image.format or ""
    try:
        if work_side and file_format in {"JPEG", "MPO"}:  # DCT scaling at 1/2..1/8: far less work
            image.draft(image.mode, draft_size(image.size, work_side))
        ImageOps.exif_transpose(image, in_place=True)  # phones store photos sideways + a tag
        image = _to_8bit(image)
        if work_side:
            image.thumbnail((work_side, work_side), Image.Resampling.BOX)  # area average keeps thin ink
        pixels = np.asarray(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise InvalidImage(f"the image cannot be decoded: {error}") from error
    alpha = pixels[..., 3] if pixels.shape[2] == 4 else None
    return DecodedImage(
        rgb=pixels[..., :3], alpha=alpha if alpha is not None and alpha.min() < OPAQUE else None,
        original_size=original_size, format=file_format,
    )


def draft_size(size: tuple[int, int], work_side: int) -> tuple[int, int]:
    """The size to ask ``Image.draft`` for: the largest JPEG reduction that keeps the longest side at least
    ``MIN_DRAFT_FRACTION`` of ``work_side`` (draft picks the smallest scale that is at least this size)."""
    scale = min(1.0, work_side * MIN_DRAFT_FRACTION / max(size))
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _to_8bit(image: Image.Image) -> Image.Image:
    """Any mode -> "RGB", or "RGBA" when the file can be transparent (alpha, palette or colour key)."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}:  # 16-bit and float greyscale
        values = np.asarray(image, dtype=np.float32)
        peak = float(values.max())  # 12-bit data in a 16-bit file is common: scale by what is there
        scale = 255.0 / peak if peak > 255 else 1.0
        image = Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8), mode="L")
    transparent = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")
