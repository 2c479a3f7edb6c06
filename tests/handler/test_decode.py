"""Bytes -> pixels: every error path of decode, and the file kinds people send (EXIF, 16-bit, CMYK...)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from handler.decode import MIN_WORK_SIDE, WORK_SIDE, DecodeBudget, decode_image, draft_size, read_image_header
from handler.errors import InvalidImage, UnsupportedMediaType, UploadTooLarge

LIMIT = 40_000_000


def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and holds no pixels: what a bomb looks like up front."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def marked(size=(60, 40)) -> Image.Image:
    """White picture with a black square in its top-left corner, to tell orientations apart."""
    image = Image.new("RGB", size, "white")
    image.paste((0, 0, 0), (0, 0, 12, 12))
    return image


def test_decode_image_empty_is_invalid():
    with pytest.raises(InvalidImage, match="empty"):
        decode_image(b"", max_pixels=LIMIT)


def test_decode_image_not_an_image_is_invalid():
    with pytest.raises(InvalidImage, match="not an image"):
        decode_image(b"hello, this is text", max_pixels=LIMIT)


def test_decode_image_truncated_png_is_invalid():
    data = encoded(Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3)).astype(np.uint8)))
    with pytest.raises(InvalidImage, match="cannot be decoded"):
        decode_image(data[: len(data) // 2], max_pixels=LIMIT)


@pytest.mark.parametrize("data", [b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", b"<?xml version='1.0'?><svg/>",
                                  b"%PDF-1.7\n%...", b"  <svg viewBox='0 0 1 1'/>"])
def test_decode_image_svg_and_pdf_are_unsupported(data):
    with pytest.raises(UnsupportedMediaType) as error:
        decode_image(data, max_pixels=LIMIT)
    assert error.value.status_code == 415


def test_decode_image_other_image_formats_are_unsupported():
    with pytest.raises(UnsupportedMediaType, match="PPM"):
        decode_image(encoded(marked(), "PPM"), max_pixels=LIMIT)


def test_decode_image_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(UploadTooLarge, match="pixels"):
        decode_image(png_header(5000, 4000), max_pixels=10_000_000)


def test_decode_image_decompression_bomb_is_413():
    with pytest.raises(UploadTooLarge) as error:
        decode_image(png_header(30_000, 30_000), max_pixels=LIMIT)
    assert error.value.status_code == 413


def test_decode_image_reads_an_image_declared_as_text():
    image = decode_image(encoded(marked()), max_pixels=LIMIT, declared_type="text/plain")
    assert image.format == "PNG" and image.rgb.shape == (40, 60, 3)


def test_decode_image_text_declared_as_text_is_415_naming_the_declared_type():
    with pytest.raises(UnsupportedMediaType, match="text/plain"):
        decode_image(b"hello, this is text", max_pixels=LIMIT, declared_type="text/plain; charset=utf-8")


@pytest.mark.parametrize("declared_type", ["image/png", "application/octet-stream", None, ""])
def test_decode_image_text_declared_as_an_image_is_400(declared_type):
    with pytest.raises(InvalidImage) as error:
        decode_image(b"hello, this is text", max_pixels=LIMIT, declared_type=declared_type)
    assert "text" not in str(error.value)


def test_decode_image_quotes_a_declared_type_printable_and_short():
    with pytest.raises(UnsupportedMediaType) as error:
        decode_image(b"hello", max_pixels=LIMIT, declared_type="text/" + "\x00<b>" * 100)
    quoted = str(error.value).split("'")[1]
    assert quoted.isprintable() and len(quoted) <= 100


def test_decode_image_answers_uint8_rgb():
    image = decode_image(encoded(marked()), max_pixels=LIMIT)
    assert image.rgb.dtype == np.uint8 and image.rgb.shape == (40, 60, 3)
    assert image.alpha is None and image.format == "PNG" and image.original_size == (60, 40)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_decode_image_turns_exif_rotated_photos_upright(orientation):
    stored = marked().transpose({3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
                                 8: Image.Transpose.ROTATE_270}[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    image = decode_image(encoded(stored, "JPEG", quality=95, exif=exif), max_pixels=LIMIT)
    assert image.rgb.shape[:2] == (40, 60)
    assert image.rgb[:8, :8].mean() < 40 and image.rgb[-8:, -8:].mean() > 215


def test_decode_image_shrinks_a_large_picture_to_the_work_side():
    image = decode_image(encoded(Image.new("RGB", (3000, 2000), "white"), "PNG"), max_pixels=LIMIT)
    assert max(image.rgb.shape[:2]) == WORK_SIDE and image.original_size == (3000, 2000)


def test_decode_image_without_work_side_keeps_every_pixel():
    image = decode_image(encoded(Image.new("L", (900, 700), 255)), max_pixels=LIMIT, work_side=None)
    assert image.rgb.shape == (700, 900, 3)


def test_draft_size_keeps_the_longest_side_at_least_the_smallest_side_asked():
    assert draft_size((4000, 3000), 480) == (480, 360)
    assert draft_size((3000, 4000), 480) == (360, 480)


def test_draft_size_never_asks_to_enlarge():
    assert draft_size((300, 200), 512) == (300, 200)


@pytest.mark.parametrize(("size", "decoded"), [
    ((4000, 3000), (375, 500)),  # 12 MP at 1/8
    ((1152, 864), (216, 288)),  # 1 MP at 1/4
    ((3000, 2000), (250, 375)),  # 1/8
    ((900, 675), (338, 450)),  # 1/2: a quarter would be under MIN_WORK_SIDE
])
def test_decode_image_takes_a_jpeg_at_the_smallest_dct_scale_over_the_min_side(size, decoded):
    image = decode_image(encoded(Image.new("RGB", size, "white"), "JPEG"), max_pixels=LIMIT)
    assert image.rgb.shape[:2] == decoded and max(decoded) >= MIN_WORK_SIDE


def test_decode_image_can_keep_a_jpeg_larger_for_many_digits():
    photo = encoded(Image.new("RGB", (1152, 864), "white"), "JPEG")
    assert decode_image(photo, max_pixels=LIMIT, work_side=768, min_side=576).rgb.shape[:2] == (432, 576)


def test_decode_image_keeps_real_transparency_as_alpha():
    canvas = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    canvas.paste((0, 0, 0, 255), (20, 10, 30, 40))
    image = decode_image(encoded(canvas), max_pixels=LIMIT)
    assert image.alpha is not None and image.alpha[0, 0] == 0 and image.alpha[25, 25] == 255


def test_decode_image_drops_an_alpha_channel_that_is_all_opaque():
    assert decode_image(encoded(marked().convert("RGBA")), max_pixels=LIMIT).alpha is None


def test_decode_image_palette_with_transparent_index_has_alpha():
    indexed = marked().quantize(colors=4)
    image = decode_image(encoded(indexed, "GIF", transparency=indexed.getpixel((59, 39))), max_pixels=LIMIT)
    assert image.alpha is not None and image.alpha[-1, -1] == 0 and image.alpha[0, 0] == 255


def test_decode_image_scales_12_bit_values_in_a_16_bit_file_to_full_range():
    values = np.zeros((20, 20), dtype=np.uint16)
    values[5:15, 5:15] = 4095
    image = decode_image(encoded(Image.fromarray(values)), max_pixels=LIMIT)
    assert image.rgb[10, 10].tolist() == [255, 255, 255] and image.rgb[0, 0].tolist() == [0, 0, 0]


def test_decode_image_converts_cmyk_to_rgb():
    cmyk = Image.new("CMYK", (30, 30), (0, 0, 0, 0))  # no ink: white paper
    cmyk.paste((0, 0, 0, 255), (10, 10, 20, 20))  # black ink
    image = decode_image(encoded(cmyk, "JPEG", quality=95), max_pixels=LIMIT)
    assert image.rgb[0, 0].min() > 230 and image.rgb[15, 15].max() < 30


def test_decode_image_reads_the_first_frame_of_an_animation():
    frames = [Image.new("L", (20, 20), 0), Image.new("L", (20, 20), 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    assert decode_image(buffer.getvalue(), max_pixels=LIMIT).rgb.max() == 0


def test_decode_image_broken_exif_still_turns_the_photo_upright():
    from tests.reliability.hostile_files import exif_with_wrong_types

    stored = marked().transpose(Image.Transpose.ROTATE_90)
    image = decode_image(encoded(stored, "JPEG", quality=95, exif=exif_with_wrong_types(6)), max_pixels=LIMIT)
    assert image.rgb.shape[:2] == (40, 60)
    assert image.rgb[:8, :8].mean() < 40


def test_decode_image_unreadable_exif_costs_the_rotation_not_the_reading():
    stored = marked().transpose(Image.Transpose.ROTATE_90)
    garbage_exif = b"Exif\x00\x00MM\x00*\xff\xff\xff\xff"  # IFD offset past the end
    image = decode_image(encoded(stored, "JPEG", quality=95, exif=garbage_exif), max_pixels=LIMIT)
    assert image.rgb.shape[:2] == (60, 40)


def test_decode_image_error_messages_are_ours():
    from tests.reliability.hostile_corpus import text_bomb_png

    with pytest.raises(InvalidImage) as error:
        decode_image(text_bomb_png(), max_pixels=LIMIT)
    assert str(error.value) == "the PNG file cannot be decoded: it is truncated or corrupt"


def test_decode_image_png_over_the_full_decode_limit_quotes_that_limit():
    with pytest.raises(UploadTooLarge, match=r"limit 12,000,000 for PNG"):
        decode_image(png_header(4000, 3001), max_pixels=LIMIT)


def test_decode_image_media_type_is_the_sniffed_format():
    assert decode_image(encoded(marked(), "GIF"), max_pixels=LIMIT, declared_type="image/png").media_type == "image/gif"


def test_decode_budget_refuses_the_image_that_goes_over():
    budget = DecodeBudget(max_pixels=5_000, max_bytes=10**6)
    data = encoded(marked())  # 2,400 pixels
    decode_image(data, max_pixels=LIMIT, budget=budget)
    decode_image(data, max_pixels=LIMIT, budget=budget)
    with pytest.raises(UploadTooLarge, match="budget"):
        decode_image(data, max_pixels=LIMIT, budget=budget)


def test_decode_budget_counts_bytes_too():
    data = encoded(marked())
    with pytest.raises(UploadTooLarge, match="budget"):
        decode_image(data, max_pixels=LIMIT, budget=DecodeBudget(max_pixels=LIMIT, max_bytes=len(data) - 1))


def test_decode_budget_charges_a_baseline_jpeg_at_its_reduced_size():
    budget = DecodeBudget(max_pixels=LIMIT, max_bytes=10**7)
    decode_image(encoded(Image.new("RGB", (4000, 3000), "white"), "JPEG"), max_pixels=LIMIT, budget=budget)
    assert budget.pixels == 500 * 375


def test_read_image_header_reads_no_pixels():
    assert read_image_header(png_header(300, 200), max_pixels=LIMIT).size == (300, 200)
