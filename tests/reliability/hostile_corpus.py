"""The hostile-input corpus: every kind of garbage, attack and odd file a public endpoint receives.

Each item is built here from code (no binary blobs without a source) and says what it imitates, how it
is sent and the status the API documents for it. ``test_hostile_corpus.py`` sends each one through
``lambda_handler`` with real API Gateway events. To look at the files themselves:

    .venv/bin/python -m tests.reliability.hostile_corpus --out test-output/hostile
"""

from __future__ import annotations

import argparse
import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from infra.events import Upload, multipart_body
from tests.reliability import hostile_files as bombs
from tests.reliability.hostile_files import digit as digit_image
from tests.reliability.hostile_files import encoded as encode
from tests.reliability.hostile_files import png_chunk

MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # handler.config defaults: the corpus probes their edges
LAMBDA_REQUEST_LIMIT = 6 * 1024 * 1024
MAX_BATCH_FILES = 16
BOMB_SIDE = 8_000  # 64 M pixels, over the 40 M limit, yet a ~70 kB PNG
CLAIMED_SIDE = 65_535  # a header-only bomb: 4.3 G pixels claimed, a few bytes of data
TEXT_BOMB_BYTES = 16 * 1024 * 1024  # a zTXt chunk that inflates to 16 MB
MAX_FEEDBACK_BYTES = 1024 * 1024
FULL_DECODE_MAX_PIXELS = 12_000_000
NEAR_UPLOAD_LIMIT = MAX_UPLOAD_BYTES - 64 * 1024  # floods as large as an upload may be
GREY16_SIDE = 3464  # 12.0 MP: the largest 16-bit PNG one request may decode


@dataclass(frozen=True)
class HostileInput:
    """One request: a multipart upload (``files``/``fields``) or a raw ``body`` with its own headers."""

    name: str
    why: str
    status: int  # the documented answer
    path: str = "/predict"
    method: str = "POST"
    files: tuple[Upload, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # sent as is, instead of a multipart form
    headers: dict[str, str] = field(default_factory=dict)
    event: dict[str, object] = field(default_factory=dict)  # top-level event keys set after building it
    detail: str = ""  # a phrase the error's detail must contain

    def request(self) -> tuple[bytes, dict[str, str]]:
        """(body, headers) as a client would send them."""
        if self.body is not None:
            return self.body, dict(self.headers)
        if not self.files and not self.fields:
            return b"", dict(self.headers)
        body, content_type = multipart_body(list(self.files), self.fields)
        return body, {"content-type": content_type, **self.headers}


# --- Images --------------------------------------------------------------------------------------------


def png_from_rows(width: int, height: int, row: bytes, *, extra: bytes = b"") -> bytes:
    """An 8-bit greyscale PNG of ``height`` copies of ``row``, compressed as it is written (never in memory)."""
    compressor, parts = zlib.compressobj(9), []
    for _ in range(height):
        parts.append(compressor.compress(b"\x00" + row))
    parts.append(compressor.flush())
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + extra + png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b"")


def claimed_size_png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, followed by almost no data."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b"")


def text_bomb_png() -> bytes:
    """A small valid image with a compressed text chunk that inflates to ``TEXT_BOMB_BYTES``."""
    bomb = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * TEXT_BOMB_BYTES, 9))
    return png_from_rows(28, 28, bytes(28), extra=bomb)


def corrupt_idat_png() -> bytes:
    """A valid PNG whose compressed pixel data is overwritten in the middle (CRC fixed, zlib broken)."""
    data = bytearray(encode(digit_image()))
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8 : start - 4])[0]
    data[start + length // 2 : start + length // 2 + 16] = b"\xff" * 16
    crc_at = start + length
    data[crc_at : crc_at + 4] = struct.pack(">I", zlib.crc32(bytes(data[start - 4 : crc_at])))
    return bytes(data)


def bad_ihdr_png() -> bytes:
    """A PNG header with a colour type (9) and bit depth (3) that do not exist."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 3, 9, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(bytes(29 * 28))) + png_chunk(b"IEND", b"")


def animated_gif() -> bytes:
    frames = [digit_image(mode="P"), Image.new("P", (120, 120), 0)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def sixteen_bit_png() -> bytes:
    import numpy as np

    pixels = np.asarray(digit_image(), dtype=np.uint16) * 257  # the full 0..65535 range
    return encode(Image.fromarray(pixels))


def palette_transparent_png() -> bytes:
    """A palette PNG whose paper colour is fully transparent (tRNS chunk): a canvas export."""
    image = digit_image().quantize(colors=4)
    paper = image.getpixel((0, 0))
    return encode(image, "PNG", transparency=paper)


def exif_rotated_jpeg() -> bytes:
    """A photo stored sideways plus an EXIF Orientation=6 tag, as phones write them."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(digit_image().rotate(90, expand=True).convert("RGB"), "JPEG", exif=exif.tobytes())


def over_limit_png(limit: int) -> bytes:
    """A valid PNG padded with trailing bytes to one byte over ``limit``."""
    data = encode(digit_image())
    return data + bytes(limit + 1 - len(data))


# --- The corpus ----------------------------------------------------------------------------------------


def png_upload(data: bytes, name: str = "digit.png", content_type: str = "image/png") -> Upload:
    return ("file", name, data, content_type)


def file_items() -> list[HostileInput]:
    """Broken, disguised and dangerous files, each sent as a well-formed multipart upload."""
    png, jpeg = encode(digit_image()), encode(digit_image(), "JPEG")
    broken = {
        "zero-byte-file": ("an upload with no bytes", b"", 400),
        "truncated-png": ("a PNG cut in half (a dropped connection)", png[: len(png) // 2], 400),
        "truncated-jpeg": ("a JPEG cut in half", jpeg[: len(jpeg) // 2], 400),
        "png-corrupt-idat": ("a PNG whose pixel data is garbage", corrupt_idat_png(), 400),
        "png-bad-ihdr": ("a PNG header with an impossible colour type", bad_ihdr_png(), 400),
        "text-named-png": ("plain text named .png", b"this is not an image\n" * 4, 400),
        "html-named-png": ("an HTML page named .png", b"<!DOCTYPE html><html><body>hi</body></html>", 415),
        "svg-named-png": ("an SVG named .png", b'<svg xmlns="http://www.w3.org/2000/svg"><text>7</text></svg>', 415),
        "xml-svg-named-png": ("an SVG with an XML prolog", b'<?xml version="1.0"?><svg></svg>', 415),
        "pdf-named-png": ("a PDF named .png", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", 415),
        "ico-format": ("an ICO file: Pillow reads it, the API does not accept it", encode(digit_image((32, 32)), "ICO"), 415),
        "png-text-bomb": ("a zTXt chunk that inflates to 16 MB", text_bomb_png(), 400),
        "image-1x1": ("a single pixel", encode(Image.new("L", (1, 1), 255)), 422),
        "image-1x20000": ("one row of 20,000 blank pixels", encode(Image.new("L", (20_000, 1), 255)), 422),
        "image-20000x1": ("one column of 20,000 blank pixels", encode(Image.new("L", (1, 20_000), 255)), 422),
        "blank-image": ("a white page, no digit", encode(Image.new("L", (200, 200), 255)), 422),
        "bomb-real-pixels": ("64 M real pixels in a ~70 kB PNG", png_from_rows(BOMB_SIDE, BOMB_SIDE, bytes(BOMB_SIDE)), 413),
        "bomb-claimed-size": ("a header claiming 65535x65535 pixels", claimed_size_png(CLAIMED_SIDE, CLAIMED_SIDE), 413),
        "file-over-upload-limit": ("a file one byte over MAX_UPLOAD_BYTES", over_limit_png(MAX_UPLOAD_BYTES), 413),
    }
    items = [HostileInput(name, why, status, files=(png_upload(data),)) for name, (why, data, status) in broken.items()]
    odd_but_valid = {
        "animated-gif": ("an animated GIF: the first frame is read", animated_gif(), "image/gif"),
        "png-16-bit": ("a 16-bit greyscale PNG", sixteen_bit_png(), "image/png"),
        "jpeg-cmyk": ("a CMYK JPEG (print workflows)", encode(digit_image(mode="CMYK"), "JPEG"), "image/jpeg"),
        "jpeg-progressive": ("a progressive JPEG", encode(digit_image(mode="RGB"), "JPEG", progressive=True), "image/jpeg"),
        "png-palette-transparency": ("a palette PNG with a transparent colour", palette_transparent_png(), "image/png"),
        "jpeg-exif-rotated": ("a sideways photo with EXIF Orientation=6", exif_rotated_jpeg(), "image/jpeg"),
        "missing-part-content-type": ("a PNG part without a Content-Type: the bytes are sniffed", png, ""),
    }
    items += [HostileInput(name, why, 200, files=(png_upload(data, content_type=kind),))
              for name, (why, data, kind) in odd_but_valid.items()]
    items.append(HostileInput("wrong-part-content-type", "a valid PNG declared text/plain (curl, a .txt name): read",
                              200, files=(png_upload(png, "digit.txt", "text/plain"),)))
    items.append(HostileInput("text-declared-as-text", "text sent as text/plain: the declared type is quoted", 415,
                              files=(png_upload(b"just some notes\n" * 4, "notes.txt", "text/plain"),),
                              detail="text/plain"))
    return items


def request_items() -> list[HostileInput]:
    """Malformed requests: wrong encodings, missing or unknown fields and parameters, size limits."""
    png = encode(digit_image())
    good = (png_upload(png),)
    multipart_png, _ = multipart_body(list(good))
    return [
        HostileInput("empty-body", "POST with no body and no Content-Type", 400),
        HostileInput("empty-multipart", "a multipart form with no parts", 400, body=b"--x--\r\n",
                     headers={"content-type": "multipart/form-data; boundary=x"}),
        HostileInput("missing-request-content-type", "a multipart body without its Content-Type header", 400,
                     body=multipart_png),
        HostileInput("garbage-multipart", "a multipart Content-Type over bytes that are not multipart", 400,
                     body=b"\x00\xffnot multipart at all" * 8, headers={"content-type": "multipart/form-data; boundary=zz"}),
        HostileInput("json-body", "JSON instead of an image or a form: not a type the service reads", 415, body=b'{"file": "iVBORw0KGgo="}',
                     headers={"content-type": "application/json"}),
        HostileInput("raw-image-body", "the PNG as the whole body (a raw upload), not a form field", 200, body=png,
                     headers={"content-type": "image/png"}),
        HostileInput("urlencoded-body", "a urlencoded form (what curl --data-binary sends without -H): not an image type", 415, body=b"file=digit.png",
                     headers={"content-type": "application/x-www-form-urlencoded"}),
        HostileInput("missing-field", "the image under the field name 'image'", 400, files=(("image", "d.png", png, "image/png"),)),
        HostileInput("unknown-mode", "mode=fast", 400, files=good, query={"mode": "fast"}),
        HostileInput("bad-explain", "explain=maybe", 400, files=good, query={"explain": "maybe"}),
        HostileInput("mnist-mode-wrong-size", "a 120x120 image with mode=mnist", 422, files=good, query={"mode": "mnist"}),
        HostileInput("batch-empty", "a batch with no files", 400, path="/predict/batch", fields={"other": "x"}),
        HostileInput("batch-one-bad-file", "a batch whose third file is text", 400, path="/predict/batch",
                     files=(("files", "a.png", png, "image/png"), ("files", "b.png", png, "image/png"),
                            ("files", "c.png", b"not an image", "image/png"))),
        HostileInput("feedback-label-10", "feedback whose label is not a digit: 10", 400, path="/feedback",
                     files=good, fields={"label": "10"}),
        HostileInput("feedback-label-negative", "feedback whose label is -1", 400, path="/feedback",
                     files=good, fields={"label": "-1"}),
        HostileInput("feedback-label-missing", "feedback without a label", 400, path="/feedback", files=good),
        HostileInput("feedback-not-an-image", "feedback whose file is HTML", 415, path="/feedback",
                     files=(png_upload(b"<html><script>alert(1)</script></html>"),), fields={"label": "3"}),
        HostileInput("get-on-predict", "GET on a POST-only route", 405, method="GET"),
        HostileInput("unknown-route", "a path that does not exist", 404, path="/admin", method="GET"),
    ]


def limit_items() -> list[HostileInput]:
    """Requests at or past a size or count limit, and headers that lie about the size."""
    png = encode(digit_image())
    _, multipart_type = multipart_body([png_upload(png)])
    return [
        HostileInput("bogus-content-length", "a Content-Length that is not a number", 400, files=(png_upload(png),),
                     headers={"content-length": "12abc"}),
        HostileInput("body-over-lambda-limit", "a request body over Lambda's 6 MB payload limit", 413,
                     body=bytes(LAMBDA_REQUEST_LIMIT + 1), headers={"content-type": multipart_type}),
        HostileInput("batch-over-count-limit", f"{MAX_BATCH_FILES + 1} files in one batch", 422, path="/predict/batch",
                     files=tuple(("files", f"d{i}.png", png, "image/png") for i in range(MAX_BATCH_FILES + 1))),
        HostileInput("too-many-parts", "1,200 tiny files: the multipart parser's own limit (1,000)", 400,
                     path="/predict/batch", files=tuple(("files", f"{i}.png", b"x", "image/png") for i in range(1_200))),
        HostileInput("multipart-without-boundary", "multipart/form-data with no boundary parameter", 400,
                     body=multipart_body([png_upload(png)])[0], headers={"content-type": "multipart/form-data"}),
        HostileInput("unicode-filename", "a file name with CJK and a right-to-left override", 200,
                     files=(png_upload(png, name="数字\u202egnp.png"),)),
    ]


def decoder_items() -> list[HostileInput]:
    """Decoder bombs and malformed metadata, one generator per class (``hostile_files``)."""
    refused = {
        "tiff-tile-bomb": ("declares 28x28, holds one 32768x32768 deflate tile (1 GiB)", bombs.tiff_tile_bomb(), 422),
        "tiff-strip-flood": ("200,000 one-row strips", bombs.tiff_strip_flood(), 413),
        "tiff-strip-offsets-as-bytes": ("StripOffsets stored as bytes", bombs.tiff_strip_offsets_as_bytes(), 400),
        "jpeg-progressive-scan-flood": ("6000x6000 progressive, 1,200 empty scans", bombs.progressive_scan_flood(), 413),
        "jpeg-progressive-cmyk-40mp": ("a 700-byte progressive CMYK JPEG claiming 40 MP",
                                       bombs.progressive_cmyk_claiming(), 413),
        "jpeg-app-segment-flood": ("~4 MB of empty APP segments", bombs.jpeg_segment_flood(NEAR_UPLOAD_LIMIT), 413),
        "jpeg-fill-byte-flood": ("~4 MB of 0xFF fill bytes", bombs.jpeg_fill_flood(NEAR_UPLOAD_LIMIT), 413),
        "jpeg-lossless": ("a lossless (SOF3) JPEG", bombs.jpeg_lossless_marker(), 422),
        "png-private-chunk-flood": ("~4 MB of empty private chunks", bombs.png_private_chunk_flood(NEAR_UPLOAD_LIMIT), 413),
        "png-idat-flood": ("pixel data in 100,000 one-byte IDAT chunks", bombs.png_idat_flood(), 413),
        "png-metadata-over-limit": ("a 1.5 MiB text chunk", bombs.png_metadata_over(), 413),
        "gif-extension-flood": ("~4 MB of 1-byte comment sub-blocks", bombs.gif_extension_flood(NEAR_UPLOAD_LIMIT), 413),
        "gif-frame-outside-canvas": ("a 28x28 GIF whose frame claims 8000x8000", bombs.gif_frame_outside_canvas(), 413),
        "webp-frame-flood": ("an animated WebP of 2,000 frames", bombs.webp_frame_flood(), 413),
        "bmp-rle4-over-limit": ("a 4-bit run-length BMP of 12 MP (decoded in Python)",
                                bombs.bmp_rle(GREY16_SIDE, GREY16_SIDE, bits=4, run=255), 413),
        "bmp-rle4-at-limit": ("a blank 4-bit run-length BMP of 4 MP", bombs.bmp_rle(2000, 2000, bits=4, run=255), 422),
        "tiff-strip-inflating-past-image": ("one 28x28 strip inflating to 256 MiB",
                                            bombs.tiff_strip_inflating_past_the_image(), 200),
    }
    items = [HostileInput(name, why, status, files=(png_upload(data, "upload.bin", "application/octet-stream"),))
             for name, (why, data, status) in refused.items()]
    items += [HostileInput(f"exif-wrong-types-{fmt.lower()}", f"a sideways {fmt} with Orientation 6 and mistyped tags",
                           200, files=(png_upload(bombs.sideways_with_broken_exif(fmt), f"d.{fmt.lower()}", ""),))
              for fmt in ("JPEG", "PNG", "WEBP")]
    items.append(HostileInput("png-over-full-decode-limit", "a 4000x3001 PNG: the limit quoted is the real one", 413,
                              files=(png_upload(png_from_rows(4000, 3001, bytes(4000))),), detail="12,000,000"))
    grey16 = bombs.grey16_png(GREY16_SIDE)
    items.append(HostileInput("batch-pixel-budget", "16 copies of a 30 kB 12 MP 16-bit PNG in one batch", 413,
                              path="/predict/batch", detail="budget",
                              files=tuple(("files", f"g{i}.png", grey16, "image/png") for i in range(MAX_BATCH_FILES))))
    return items


def event_items() -> list[HostileInput]:
    """Events Mangum cannot turn into a request: caught at the entry point, 400 JSON."""
    return [
        HostileInput("event-bad-forwarded-port", "x-forwarded-port: abc", 400, method="GET", path="/health",
                     headers={"x-forwarded-port": "abc"}),
        HostileInput("event-host-two-colons", "Host: a:b:c", 400, method="GET", path="/health",
                     headers={"Host": "evil:80:81"}),
        HostileInput("event-invalid-base64", "isBase64Encoded with a body that is not base64", 400,
                     files=(png_upload(encode(digit_image())),), event={"isBase64Encoded": True, "body": "%%not*base64%%"}),
    ]


def feedback_items() -> list[HostileInput]:
    """Feedback keeps only what /predict reads, under its own limit, with the sniffed media type."""
    png = encode(digit_image())
    label = {"label": "7"}
    return [
        HostileInput("feedback-truncated-png", "a PNG cut in half: /predict refuses it, so does /feedback", 400,
                     path="/feedback", files=(png_upload(png[: len(png) // 2]),), fields=label),
        HostileInput("feedback-content-type-injection", "a part type with a header injected: stored as image/png", 201,
                     path="/feedback", files=(png_upload(png, content_type="image/png;\nX-Evil: 1"),), fields=label),
        HostileInput("feedback-over-its-limit", "one byte over MAX_FEEDBACK_BYTES (under the /predict limit)", 413,
                     path="/feedback", files=(png_upload(over_limit_png(MAX_FEEDBACK_BYTES)),), fields=label,
                     detail=f"{MAX_FEEDBACK_BYTES:,}"),
        HostileInput("batch-hostile-filename", "a 4 kB file name of NUL bytes and HTML on a bad file", 400,
                     path="/predict/batch", files=(("files", "\x00<script>alert(1)</script>" * 160, b"junk", "image/png"),)),
    ]


def build_corpus() -> list[HostileInput]:
    return [*file_items(), *request_items(), *limit_items(), *decoder_items(), *event_items(), *feedback_items()]


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the hostile-input corpus: one file per request + index.json.")
    parser.add_argument("--out", type=Path, default=Path("test-output/hostile"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    index = []
    for item in build_corpus():
        body, headers = item.request()
        (args.out / f"{item.name}.bin").write_bytes(body)
        index.append({"name": item.name, "why": item.why, "status": item.status, "method": item.method,
                      "path": item.path, "query": item.query, "headers": headers, "event": item.event,
                      "bytes": len(body)})
    (args.out / "index.json").write_text(json.dumps(index, indent=2))
    print(f"{len(index)} hostile requests written to {args.out}")


if __name__ == "__main__":
    main()
