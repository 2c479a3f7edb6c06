"""The header walks before Pillow: formats from the bytes, sizes, and each structural limit."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from handler import image_header
from handler.errors import InvalidImage, UnusableImage, UploadTooLarge
from handler.image_header import read_header, sniff_format
from tests.reliability import hostile_files as files


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt, options", [("PNG", {}), ("JPEG", {}), ("JPEG", {"progressive": True}), ("GIF", {}),
                                          ("BMP", {}), ("WEBP", {}), ("WEBP", {"lossless": True}), ("TIFF", {}),
                                          ("TIFF", {"compression": "tiff_deflate"})])
def test_read_header_gives_the_size_pillow_gives(fmt, options):
    data = encoded(files.digit((37, 23), mode="RGB"), fmt, **options)
    header = read_header(data)
    assert (header.format, header.size) == (fmt, Image.open(io.BytesIO(data)).size)


def test_read_header_animated_webp_has_the_canvas_size():
    data = files.webp_frame_flood(frames=3)
    assert read_header(data).size == Image.open(io.BytesIO(data)).size


def test_read_header_gif_frame_past_the_screen_enlarges_it_as_pillow_does():
    data = files.gif_frame_outside_canvas(side=300)
    assert read_header(data).size == Image.open(io.BytesIO(data)).size == (300, 300)


@pytest.mark.parametrize("data", [b"", b"hello", b"<svg/>", encoded(files.digit(), "ICO"), encoded(files.digit(), "PPM")])
def test_sniff_format_is_none_for_what_we_do_not_read(data):
    assert sniff_format(data) is None and read_header(data) is None


def test_read_header_baseline_jpeg_is_decoded_reduced():
    assert not read_header(encoded(files.digit(mode="RGB"), "JPEG")).whole_image_decode


def test_read_header_progressive_jpeg_is_decoded_whole():
    assert read_header(encoded(files.digit(mode="RGB"), "JPEG", progressive=True)).whole_image_decode


def test_read_header_refuses_a_progressive_jpeg_with_too_many_scans():
    with pytest.raises(UploadTooLarge, match="scans"):
        read_header(files.progressive_scan_flood(side=64, scans=image_header.MAX_JPEG_SCANS + 1))


def test_read_header_refuses_scans_times_pixels_over_the_limit():
    with pytest.raises(UploadTooLarge, match="scan-pixels"):
        read_header(files.progressive_scan_flood(side=6000, scans=60))


def test_read_header_refuses_a_progressive_jpeg_whose_coefficients_overflow_memory():
    with pytest.raises(UploadTooLarge, match="MiB to decode"):
        read_header(files.progressive_cmyk_claiming(6300, 6300))


def test_read_header_takes_a_large_progressive_photo_in_4_2_0():
    data = files.with_jpeg_size(encoded(files.digit(mode="RGB"), "JPEG", progressive=True), 7000, 5000)
    assert read_header(data).size == (7000, 5000)


def test_read_header_refuses_an_app_segment_flood():
    with pytest.raises(UploadTooLarge, match="segments"):
        read_header(files.jpeg_segment_flood(total=4 * (image_header.MAX_JPEG_SEGMENTS + 1)))


def test_read_header_refuses_a_fill_byte_flood():
    with pytest.raises(UploadTooLarge, match="stray bytes"):
        read_header(files.jpeg_fill_flood(total=image_header.MAX_JPEG_JUNK_BYTES + 1))


def test_read_header_accepts_a_few_fill_bytes():
    assert read_header(files.jpeg_fill_flood(total=16)).format == "JPEG"


def test_read_header_refuses_lossless_jpeg():
    with pytest.raises(UnusableImage, match="lossless"):
        read_header(files.jpeg_lossless_marker())


def test_read_header_refuses_a_png_chunk_flood():
    with pytest.raises(UploadTooLarge, match="chunks"):
        read_header(files.png_private_chunk_flood(total=12 * image_header.MAX_PNG_CHUNKS))


def test_read_header_refuses_png_metadata_over_the_limit():
    with pytest.raises(UploadTooLarge, match="metadata"):
        read_header(files.png_metadata_over(image_header.MAX_PNG_METADATA_BYTES + 1))


def test_read_header_refuses_tiled_tiff():
    with pytest.raises(UnusableImage, match="tiled"):
        read_header(files.tiff(28, 28, [bytes(16 * 16)] * 4, tiled=(16, 16)))


def test_read_header_refuses_tiff_with_too_many_strips():
    with pytest.raises(UploadTooLarge, match="strips"):
        read_header(files.tiff_strip_flood(strips=image_header.MAX_TIFF_STRIPS + 1))


def test_read_header_refuses_tiff_strip_offsets_that_are_not_integers():
    with pytest.raises(InvalidImage, match="strip table"):
        read_header(files.tiff_strip_offsets_as_bytes())


def test_read_header_refuses_a_gif_block_flood():
    with pytest.raises(UploadTooLarge, match="blocks"):
        read_header(files.gif_extension_flood(total=2 * (image_header.MAX_GIF_BLOCKS + 1)))


def test_read_header_refuses_a_webp_frame_flood():
    with pytest.raises(UploadTooLarge, match="chunks"):
        read_header(files.webp_frame_flood(frames=image_header.MAX_WEBP_CHUNKS + 1))


def test_read_header_refuses_large_run_length_bmp():
    with pytest.raises(UploadTooLarge, match="run-length"):
        read_header(files.bmp_rle(2001, 2000, bits=4, run=255))


def test_read_header_truncated_table_is_invalid():
    data = encoded(files.digit(), "TIFF")
    with pytest.raises(InvalidImage, match="truncated"):
        read_header(data[:10] + b"\xff\xff\xff\x00")
