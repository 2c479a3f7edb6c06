"""One image from a request body: raw by its Content-Type, or the multipart field `file`."""

from __future__ import annotations

import pytest

from handler.errors import InvalidImage, UnsupportedMediaType
from handler.uploads import parse_upload
from infra.events import multipart_body

PNG = b"\x89PNG\r\n\x1a\n-the-rest"


def test_parse_upload_raw_image_keeps_its_type():
    assert parse_upload(PNG, "image/png") == (PNG, "image/png", None)


def test_parse_upload_raw_without_a_type_is_octet_stream():
    assert parse_upload(PNG, None).content_type == "application/octet-stream"


def test_parse_upload_multipart_file_field_with_its_type_and_name():
    body, content_type = multipart_body([("file", "d.png", PNG, "image/png")], {"note": "x"})
    assert parse_upload(body, content_type) == (PNG, "image/png", "d.png")


def test_parse_upload_multipart_takes_the_file_field_not_the_first_part():
    body, content_type = multipart_body([("image", "a.png", b"other", "image/png"), ("file", "d.png", PNG, "image/png")])
    assert parse_upload(body, content_type).data == PNG


def test_parse_upload_multipart_without_file_field_says_what_to_send():
    body, content_type = multipart_body([("image", "d.png", PNG, "image/png")])
    with pytest.raises(InvalidImage, match="`file`"):
        parse_upload(body, content_type)


def test_parse_upload_multipart_without_boundary_is_invalid():
    with pytest.raises(InvalidImage, match="boundary"):
        parse_upload(b"--x\r\n", "multipart/form-data")


def test_parse_upload_empty_body_is_invalid():
    with pytest.raises(InvalidImage, match="request body"):
        parse_upload(b"", "image/jpeg")


def test_parse_upload_text_body_is_unsupported():
    with pytest.raises(UnsupportedMediaType, match="text/plain"):
        parse_upload(b"hello", "text/plain; charset=utf-8")
