"""The corpus generator makes what each item claims to be: the tests of the corpus are only as good as it."""

from __future__ import annotations

import io
import json
import sys

import pytest
from PIL import Image, ImageOps

from handler.image_header import MAX_BMP_RLE_PIXELS
from tests.reliability import hostile_corpus
from tests.reliability.hostile_corpus import BOMB_SIDE, CLAIMED_SIDE, MAX_UPLOAD_BYTES, build_corpus

# Every kind of input issue 7 lists, by the corpus name that stands for it.
REQUIRED = {
    "empty-body", "zero-byte-file", "truncated-png", "truncated-jpeg", "png-corrupt-idat",
    "wrong-part-content-type", "missing-part-content-type", "text-named-png", "html-named-png",
    "svg-named-png", "pdf-named-png", "animated-gif", "png-16-bit", "jpeg-cmyk", "jpeg-progressive",
    "png-palette-transparency", "jpeg-exif-rotated", "image-1x1", "image-1x20000", "bomb-real-pixels",
    "file-over-upload-limit", "batch-over-count-limit", "raw-image-body", "missing-field", "unknown-mode",
    "feedback-label-10",
}


@pytest.fixture(scope="module")
def corpus():
    return {item.name: item for item in build_corpus()}


def upload_bytes(item) -> bytes:
    return item.files[0][2]


def opened(item) -> Image.Image:
    return Image.open(io.BytesIO(upload_bytes(item)))


def test_build_corpus_covers_every_input_the_issue_lists(corpus):
    assert REQUIRED <= set(corpus)


def test_build_corpus_names_are_unique():
    names = [item.name for item in build_corpus()]
    assert len(names) == len(set(names))


def test_build_corpus_files_are_the_same_every_run():
    first, second = build_corpus(), build_corpus()
    assert [(i.name, i.files) for i in first] == [(i.name, i.files) for i in second]


def test_bomb_real_pixels_is_a_small_file_with_a_huge_pixel_count(corpus):
    item = corpus["bomb-real-pixels"]
    assert len(upload_bytes(item)) < 200_000
    assert opened(item).size == (BOMB_SIDE, BOMB_SIDE)


def test_bomb_claimed_size_header_claims_billions_of_pixels(corpus):
    data = upload_bytes(corpus["bomb-claimed-size"])
    assert len(data) < 1_000 and int.from_bytes(data[16:20]) == CLAIMED_SIDE


def test_file_over_upload_limit_is_one_byte_over(corpus):
    assert len(upload_bytes(corpus["file-over-upload-limit"])) == MAX_UPLOAD_BYTES + 1


@pytest.mark.parametrize("name, prefix", [("truncated-png", b"\x89PNG"), ("truncated-jpeg", b"\xff\xd8")])
def test_truncated_files_keep_a_valid_header(corpus, name, prefix):
    assert upload_bytes(corpus[name]).startswith(prefix)
    with pytest.raises(OSError):
        opened(corpus[name]).load()


@pytest.mark.parametrize("name, mode", [("png-16-bit", "I;16"), ("jpeg-cmyk", "CMYK"), ("png-palette-transparency", "P")])
def test_odd_images_have_the_mode_they_claim(corpus, name, mode):
    assert opened(corpus[name]).mode == mode


def test_animated_gif_has_several_frames(corpus):
    assert opened(corpus["animated-gif"]).n_frames > 1


def test_progressive_jpeg_is_progressive(corpus):
    assert opened(corpus["jpeg-progressive"]).info.get("progressive") == 1


def test_exif_rotated_jpeg_carries_orientation_6(corpus):
    assert opened(corpus["jpeg-exif-rotated"]).getexif()[0x0112] == 6


def test_palette_png_has_a_transparent_colour(corpus):
    assert "transparency" in opened(corpus["png-palette-transparency"]).info


def test_batch_over_count_limit_has_one_file_too_many(corpus):
    assert len(corpus["batch-over-count-limit"].files) == hostile_corpus.MAX_BATCH_FILES + 1


def test_main_writes_one_request_per_item_and_an_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["hostile_corpus", "--out", str(tmp_path)])
    hostile_corpus.main()
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index) == len(build_corpus())
    assert all((tmp_path / f"{entry['name']}.bin").stat().st_size == entry["bytes"] for entry in index)


# Every class issue 13 lists, by the corpus names that stand for it.
REQUIRED_DECODER_CLASSES = {
    "exif-wrong-types-jpeg", "exif-wrong-types-png", "exif-wrong-types-webp", "tiff-strip-offsets-as-bytes",
    "tiff-tile-bomb", "jpeg-progressive-cmyk-40mp", "jpeg-progressive-scan-flood", "tiff-strip-flood",
    "batch-pixel-budget", "jpeg-app-segment-flood", "png-private-chunk-flood", "event-bad-forwarded-port",
    "event-host-two-colons", "event-invalid-base64", "feedback-truncated-png", "feedback-content-type-injection",
    "png-text-bomb", "batch-hostile-filename", "png-over-full-decode-limit", "wrong-part-content-type",
}


def test_build_corpus_covers_every_class_of_issue_13(corpus):
    assert REQUIRED_DECODER_CLASSES <= set(corpus)


@pytest.mark.parametrize("name", ["exif-wrong-types-jpeg", "exif-wrong-types-png", "exif-wrong-types-webp"])
def test_broken_exif_files_break_pillows_exif_transpose(corpus, name):
    image = opened(corpus[name])
    assert image.getexif()[0x0112] == 6
    with pytest.raises(Exception):  # noqa: B017 - struct.error today; any exception is the point
        ImageOps.exif_transpose(image)


def test_tiff_strip_offsets_as_bytes_break_pillows_load(corpus):
    with pytest.raises(TypeError):
        opened(corpus["tiff-strip-offsets-as-bytes"]).load()


def test_tiff_tile_bomb_declares_28x28_and_one_huge_tile(corpus):
    image = opened(corpus["tiff-tile-bomb"])
    assert image.size == (28, 28) and (image.tag_v2[322], image.tag_v2[323]) == (32768, 32768)
    assert len(upload_bytes(corpus["tiff-tile-bomb"])) < 1_100_000


def test_tiff_strip_flood_has_200000_strips(corpus):
    assert len(opened(corpus["tiff-strip-flood"]).tag_v2[273]) == 200_000


def test_progressive_scan_flood_is_a_6000_square_with_1200_scans(corpus):
    data = upload_bytes(corpus["jpeg-progressive-scan-flood"])
    assert opened(corpus["jpeg-progressive-scan-flood"]).size == (6000, 6000)
    assert data.count(b"\xff\xda") == 1200


def test_progressive_cmyk_is_tiny_and_claims_40_megapixels(corpus):
    image = opened(corpus["jpeg-progressive-cmyk-40mp"])
    assert (image.mode, image.size, image.info.get("progressive")) == ("CMYK", (6300, 6300), 1)
    assert len(upload_bytes(corpus["jpeg-progressive-cmyk-40mp"])) < 1_000


@pytest.mark.parametrize("name, fmt", [("jpeg-app-segment-flood", "JPEG"), ("jpeg-fill-byte-flood", "JPEG"),
                                       ("png-private-chunk-flood", "PNG"), ("gif-extension-flood", "GIF")])
def test_floods_are_valid_files_near_the_upload_limit(corpus, name, fmt):
    assert opened(corpus[name]).format == fmt
    assert hostile_corpus.NEAR_UPLOAD_LIMIT <= len(upload_bytes(corpus[name])) <= MAX_UPLOAD_BYTES


def test_webp_frame_flood_has_2000_frames(corpus):
    assert opened(corpus["webp-frame-flood"]).n_frames == 2000


def test_bmp_rle4_over_limit_is_a_small_12mp_run_length_file(corpus):
    image = opened(corpus["bmp-rle4-over-limit"])
    assert image.info["compression"] == 2 and image.width * image.height > 2 * MAX_BMP_RLE_PIXELS


def test_batch_pixel_budget_sends_16_files_of_12_megapixels(corpus):
    item = corpus["batch-pixel-budget"]
    sizes = {Image.open(io.BytesIO(data)).size for _, _, data, _ in item.files}
    assert len(item.files) == hostile_corpus.MAX_BATCH_FILES and sizes == {(3464, 3464)}


def test_hostile_filename_is_long_and_unprintable(corpus):
    [(_, filename, _, _)] = corpus["batch-hostile-filename"].files
    assert len(filename) > 4_000 and not filename.isprintable()
