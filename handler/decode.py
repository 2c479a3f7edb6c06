"""Bytes -> pixels, safely: the format sniffed from the bytes, every decode bounded before it runs,
EXIF rotation when the EXIF is readable, reduced JPEG decode.

The output is always an 8-bit RGB image, at most ``WORK_SIDE`` pixels on its longest side, plus an
alpha channel when the file has real transparency, so ``preprocess`` never sees colour modes (palette,
CMYK, greyscale), bit depths (16-bit is scaled by its own peak), orientations or file formats.
Every failure is a domain error with our own short message; Pillow's texts never reach a client.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from handler.errors import DigitApiError, InvalidImage, UnsupportedMediaType, UploadTooLarge, printable
from handler.image_header import MEDIA_TYPES, Header, read_header

ACCEPTED_FORMATS = frozenset(MEDIA_TYPES)
ACCEPTED = "send a PNG, JPEG, GIF, BMP, WebP or TIFF image"
# One digit is found and read well at this size; larger pictures are shrunk to it.
WORK_SIDE = 512
# A JPEG decodes reduced by its DCT (1/2 to 1/8) to the smallest scale whose longest side is still at least this:
# a 1 MP photo at 1/4 (288 px), a 12 MP one at 1/8 (500 px). The ink work costs per pixel, and strokes scale with the
# digit: one a tenth of a 1 MP frame still spans 22 px (MNIST fits digits to 20) with strokes over a pixel wide.
MIN_WORK_SIDE = 256
OPAQUE = 250  # an alpha channel whose every pixel is at least this is ignored (screenshots save one)
# Only JPEG decodes reduced; other formats decode every pixel first (a lossless WebP of 40 MP is 1.6 kB
# and took 835 MB): above this they are refused, keeping the worst uploads under 400 MB in a 512 MB Lambda.
FULL_DECODE_MAX_PIXELS = 12_000_000
ORIENTATION = 0x0112  # the EXIF tag phones set instead of rotating the pixels
_TRANSPOSES = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
               5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
               8: Image.Transpose.ROTATE_90}
# Declared types that say "an image" (or nothing): with them, bytes we cannot read are a broken image (400).
_IMAGE_LIKE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# (what it is, the bytes it starts with) of files people send that are not images we read: answered 415.
_OTHER_FILES = (
    ("PDF", b"%PDF"), ("SVG/XML", b"<?xml"), ("SVG", b"<svg"), ("HTML", b"<!doctype"), ("HTML", b"<html"),
    ("ICO", b"\x00\x00\x01\x00"), ("CUR", b"\x00\x00\x02\x00"), ("PSD", b"8bps"), ("QOI", b"qoif"),
    ("JPEG 2000", b"\x00\x00\x00\x0cjp  "), ("JPEG 2000", b"\xff\x4f\xff\x51"), ("ICNS", b"icns"), ("DDS", b"dds "),
    *((name, f"p{n}".encode()) for n, name in enumerate(("PBM", "PGM", "PPM") * 2, start=1)),
)
_ISO_MEDIA = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # uint8 (H, W, 3), 0 = black
    alpha: np.ndarray | None  # uint8 (H, W), 0 = transparent; None when the file is opaque
    original_size: tuple[int, int]  # (width, height) as stored in the file
    format: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


@dataclass
class DecodeBudget:
    """What one request may decode in total (a batch): pixels the decoders produce, and file bytes."""

    max_pixels: int
    max_bytes: int
    pixels: int = field(default=0, init=False)
    bytes: int = field(default=0, init=False)

    def charge(self, pixels: int, size_bytes: int) -> None:
        self.pixels, self.bytes = self.pixels + pixels, self.bytes + size_bytes
        if self.pixels > self.max_pixels or self.bytes > self.max_bytes:
            raise UploadTooLarge(f"the images together are over a request's decode budget ({self.max_pixels:,}"
                                 f" decoded pixels, {self.max_bytes:,} bytes): send fewer or smaller images")


def read_image_header(data: bytes, *, max_pixels: int, declared_type: str | None = None) -> Header:
    """Format, size and every structural count from the bytes alone (microseconds): what decoding will cost."""
    if not data:
        raise InvalidImage("the uploaded file is empty")
    header = read_header(data)
    if header is None:
        raise _not_an_image(data, declared_type)
    limit = max_pixels if header.format == "JPEG" else min(max_pixels, FULL_DECODE_MAX_PIXELS)
    width, height = header.size
    if width * height > limit:
        raise UploadTooLarge(f"the image has {width}x{height} = {width * height:,} pixels"
                             f" (limit {limit:,} for {header.format})")
    if width < 1 or height < 1:
        raise InvalidImage("the image has no pixels")
    return header


def decode_image(data: bytes, *, max_pixels: int, work_side: int | None = WORK_SIDE, min_side: int = MIN_WORK_SIDE,
                 declared_type: str | None = None, budget: DecodeBudget | None = None) -> DecodedImage:
    """Decode an upload to 8-bit RGB + alpha, reduced to ``work_side`` (``None`` keeps every pixel); a JPEG
    may decode smaller, down to ``min_side`` on its longest side."""
    header = read_image_header(data, max_pixels=max_pixels, declared_type=declared_type)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[header.format])
            if work_side and header.format == "JPEG":  # DCT scaling at 1/2..1/8: far less work
                image.draft(image.mode, draft_size(image.size, min(min_side, work_side)))
            if budget is not None:  # a single-scan JPEG is decoded at the reduced size, the rest in full
                budget.charge(header.pixels if header.whole_image_decode else image.width * image.height, len(data))
            image.load()
        image = _to_8bit(_upright(image))
        if work_side:
            image.thumbnail((work_side, work_side), Image.Resampling.BOX)  # area average keeps thin ink
        pixels = np.asarray(image)
    except DigitApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadTooLarge(f"the image has too many pixels (limit {max_pixels:,})") from error
    except Exception as error:  # Pillow raises OSError, ValueError, SyntaxError, struct.error, TypeError...
        raise InvalidImage(f"the {header.format} file cannot be decoded: it is truncated or corrupt") from error
    alpha = pixels[..., 3] if pixels.shape[2] == 4 else None
    return DecodedImage(
        rgb=pixels[..., :3], alpha=alpha if alpha is not None and alpha.min() < OPAQUE else None,
        original_size=header.size, format=header.format,
    )


def draft_size(size: tuple[int, int], min_side: int) -> tuple[int, int]:
    """The size to ask ``Image.draft`` for: it picks the largest JPEG reduction that is at least this size,
    so the longest side stays at least ``min_side``."""
    scale = min(1.0, min_side / max(size))
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _not_an_image(data: bytes, declared_type: str | None) -> DigitApiError:
    """415 for files we recognise as something else, or sent as a non-image type; else 400."""
    head = data[:64].lstrip().lower()
    name = next((name for name, magic in _OTHER_FILES if head.startswith(magic.lower())), None)
    name = name or (_ISO_MEDIA.get(data[8:12]) if data[4:8] == b"ftyp" else None)
    if name:
        return UnsupportedMediaType(f"the file is {name}, not an image type this service reads: {ACCEPTED}")
    media_type = (declared_type or "").split(";")[0].strip().lower()
    if media_type not in _IMAGE_LIKE_TYPES and not media_type.startswith("image/"):
        return UnsupportedMediaType(f"the file is not an image (it was sent as {printable(media_type)!r}): {ACCEPTED}")
    return InvalidImage(f"the file is not an image that can be decoded: {ACCEPTED}")


def _upright(image: Image.Image) -> Image.Image:
    """The picture as it should be seen (phones store photos sideways plus an EXIF tag)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Corrupt EXIF data": answered by reading as stored
            orientation = image.getexif().get(ORIENTATION)
    except Exception:  # broken EXIF is common in the wild: it costs the rotation, not the reading
        return image
    method = _TRANSPOSES.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image


def _to_8bit(image: Image.Image) -> Image.Image:
    """Any mode -> "RGB", or "RGBA" when the file can be transparent (alpha, palette or colour key)."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}:  # 16-bit and float greyscale
        values = np.asarray(image, dtype=np.float32)
        peak = float(values.max())  # 12-bit data in a 16-bit file is common: scale by what is there
        scale = 255.0 / peak if peak > 255 else 1.0
        image = Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8), mode="L")
    transparent = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")
