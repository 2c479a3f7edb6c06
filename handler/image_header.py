"""Each accepted file format's structure, walked from the bytes before Pillow is asked to open them.

Pillow reads some structures in Python, one piece at a time: JPEG segments and junk bytes before the
first scan, PNG chunks, TIFF strips, GIF blocks (a 4 MB file of tiny pieces took seconds), and libjpeg's
work grows with scans x pixels. These walks are C-speed searches or loops that stop at their limit, so
they cost microseconds on a real file, and they bound everything Pillow will do with it. Pure: bytes
in, a ``Header`` out, or a domain error that names the limit.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from handler.errors import InvalidImage, UnusableImage, UploadTooLarge

# Pillow's format names, and the media type each is stored under (never the client's string).
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "BMP": "image/bmp",
               "WEBP": "image/webp", "TIFF": "image/tiff"}
_MAGIC = (("PNG", b"\x89PNG\r\n\x1a\n"), ("JPEG", b"\xff\xd8\xff"), ("GIF", b"GIF87a"), ("GIF", b"GIF89a"),
          ("TIFF", b"II*\x00"), ("TIFF", b"MM\x00*"), ("TIFF", b"II+\x00"), ("TIFF", b"MM\x00+"), ("BMP", b"BM"))

# JPEG: a camera file has 10-20 segments before its first scan (APPn, DQT, SOF, DHT); Pillow walks
# each one, and every junk or fill byte between them, in Python.
MAX_JPEG_SEGMENTS = 128
MAX_JPEG_JUNK_BYTES = 4096
# Progressive encoders write 6-12 scans. libjpeg passes over the whole image once per scan (~0.3 ns per
# pixel and scan here) and holds every DCT coefficient (2 bytes per sample) while it does.
MAX_JPEG_SCANS = 100
MAX_JPEG_SCAN_PIXELS = 1_500_000_000  # scans x pixels: ~0.5 CPU-s here
MAX_JPEG_COEFFICIENT_BYTES = 128 * 1024 * 1024  # a 40 MP 4:2:0 photo needs 115 MiB
_REFUSED_JPEG = {0xC3: "lossless", 0xC5: "hierarchical", 0xC6: "hierarchical", 0xC7: "hierarchical",
                 0xCB: "lossless", 0xCD: "hierarchical", 0xCE: "hierarchical", 0xCF: "hierarchical"}
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC9, 0xCA}  # baseline, extended, progressive (Huffman or arithmetic)
_PROGRESSIVE = {0xC2, 0xCA}
_NO_LENGTH = {0x01, *range(0xD0, 0xD9)}  # TEM, RSTn, SOI: markers without a length
_MARKER = re.compile(rb"\xff+([^\x00\xff])")  # skips fill bytes; FF00 is stuffing, not a marker
_SCAN_OR_END, _END = re.compile(rb"\xff[\xd9\xda]"), b"\xff\xd9"
# PNG: a 4 MiB file written in 8 KiB IDAT chunks has ~520; metadata (text, ICC, EXIF) stays small.
MAX_PNG_CHUNKS = 4096
MAX_PNG_METADATA_BYTES = 1024 * 1024
# TIFF: real files have 10-40 tags; Pillow reads an uncompressed file one strip at a time in Python.
MAX_TIFF_TAGS = 256
MAX_TIFF_STRIPS = 4096
_TIFF_TILE_TAGS = {322, 323, 324, 325}  # TileWidth, TileLength, TileOffsets, TileByteCounts
_TIFF_INTEGER_TYPES = {3: "H", 4: "I"}  # SHORT, LONG
# GIF: Pillow walks extension sub-blocks and stray bytes before the first image one by one in Python.
MAX_GIF_BLOCKS = 1024
# WebP: one chunk per animation frame; only the first frame is decoded.
MAX_WEBP_CHUNKS = 1024
# BMP: Pillow's run-length decoder is Python, the 4-bit kind one pixel at a time (12 MP: ~0.5 CPU-s here).
MAX_BMP_RLE_PIXELS = 4_000_000


@dataclass(frozen=True)
class Header:
    format: str  # Pillow's name for it: PNG, JPEG, GIF, BMP, WEBP, TIFF
    size: tuple[int, int]  # (width, height) the decoder will produce
    whole_image_decode: bool = True  # False: a single-scan JPEG, decoded reduced (1/2..1/8) if asked

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]


def sniff_format(data: bytes) -> str | None:
    """The accepted format the bytes start as, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((name for name, magic in _MAGIC if data.startswith(magic)), None)


def read_header(data: bytes) -> Header | None:
    """The header of an accepted format with every count within its limit; None if no accepted format."""
    file_format = sniff_format(data)
    if file_format is None:
        return None
    try:
        return _READERS[file_format](data)
    except (struct.error, IndexError) as error:  # a table or field that runs past the end of the file
        message = f"the {file_format} file cannot be decoded: it is truncated or its header is corrupt"
        raise InvalidImage(message) from error


def _jpeg(data: bytes) -> Header:
    position, segments, junk, frame = 2, 0, 0, None
    while True:
        found = _MARKER.search(data, position)
        if found is None:
            raise InvalidImage("the JPEG file cannot be decoded: it ends before its image data")
        junk += found.end() - position - 2  # stray bytes and fill bytes: Pillow reads each one in Python
        marker, position = found[1][0], found.end()
        segments += 1
        if segments > MAX_JPEG_SEGMENTS or junk > MAX_JPEG_JUNK_BYTES:
            raise UploadTooLarge(f"the JPEG has more than {MAX_JPEG_SEGMENTS} segments or {MAX_JPEG_JUNK_BYTES:,}"
                                 " stray bytes before its image data")
        if marker in _NO_LENGTH:
            continue
        if marker in _REFUSED_JPEG:
            raise UnusableImage(f"{_REFUSED_JPEG[marker]} JPEG files are not accepted: save it as a baseline JPEG")
        if marker in _JPEG_FRAMES:
            frame = (marker, data[position + 2 : position + struct.unpack_from(">H", data, position)[0]])
        elif marker == 0xDA:
            if frame is None:
                raise InvalidImage("the JPEG file cannot be decoded: it has no frame header")
            return _jpeg_frame(data, frame[0], frame[1], sos=found.start(), first_scan_components=data[position + 2])
        elif marker == 0xD9:
            raise InvalidImage("the JPEG file cannot be decoded: it ends before its image data")
        position += struct.unpack_from(">H", data, position)[0]


def _jpeg_frame(data: bytes, marker: int, frame: bytes, *, sos: int, first_scan_components: int) -> Header:
    height, width, components = struct.unpack_from(">HHB", frame, 1)
    sampling = [(frame[7 + 3 * c] >> 4, frame[7 + 3 * c] & 15) for c in range(components)]
    if marker not in _PROGRESSIVE and first_scan_components == components:
        return Header("JPEG", (width, height), whole_image_decode=False)  # one interleaved scan: streamed
    # Several scans: libjpeg keeps every coefficient and passes over them once per scan. The markers
    # FFDA (scan) and FFD9 (end) never occur inside entropy-coded data: counting them is exact.
    markers = _SCAN_OR_END.findall(data, sos)
    scans = markers.index(_END) if _END in markers else len(markers)
    max_h, max_v = max(h for h, _ in sampling) or 1, max(v for _, v in sampling) or 1
    mcu_columns, mcu_rows = -(-width // (8 * max_h)), -(-height // (8 * max_v))
    coefficient_bytes = sum(mcu_columns * h * mcu_rows * v for h, v in sampling) * 64 * 2
    if scans > MAX_JPEG_SCANS or scans * width * height > MAX_JPEG_SCAN_PIXELS:
        raise UploadTooLarge(f"the progressive JPEG has {scans:,} scans over {width}x{height} pixels (limit"
                             f" {MAX_JPEG_SCANS} scans, {MAX_JPEG_SCAN_PIXELS:,} scan-pixels):"
                             " save it as a baseline JPEG")
    if coefficient_bytes > MAX_JPEG_COEFFICIENT_BYTES:
        raise UploadTooLarge(f"the progressive JPEG of {width}x{height} pixels and {components} channels needs"
                             f" {coefficient_bytes >> 20} MiB to decode (limit {MAX_JPEG_COEFFICIENT_BYTES >> 20} MiB)")
    return Header("JPEG", (width, height))


def _png(data: bytes) -> Header:
    if data[12:16] != b"IHDR":
        raise InvalidImage("the PNG file cannot be decoded: it has no header chunk")
    width, height = struct.unpack_from(">II", data, 16)
    position, chunks, metadata = 8, 0, 0
    while position + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        chunks += 1
        if kind not in (b"IDAT", b"fdAT"):
            metadata += length
        if chunks > MAX_PNG_CHUNKS or metadata > MAX_PNG_METADATA_BYTES:
            raise UploadTooLarge(f"the PNG has more than {MAX_PNG_CHUNKS:,} chunks or"
                                 f" {MAX_PNG_METADATA_BYTES >> 20} MiB of metadata")
        if kind == b"IEND":
            break
        position += 12 + length
    return Header("PNG", (width, height))


def _tiff(data: bytes) -> Header:
    order = "<" if data[:2] == b"II" else ">"
    if struct.unpack_from(order + "H", data, 2)[0] == 43:
        raise UnusableImage("BigTIFF files are not accepted: save it as a classic TIFF")
    directory = struct.unpack_from(order + "I", data, 4)[0]
    count = struct.unpack_from(order + "H", data, directory)[0]
    if count > MAX_TIFF_TAGS:
        raise UploadTooLarge(f"the TIFF has {count:,} tags (limit {MAX_TIFF_TAGS})")
    entries = data[directory + 2 : directory + 2 + 12 * count]
    if len(entries) < 12 * count:
        raise InvalidImage("the TIFF file cannot be decoded: it is truncated or its header is corrupt")
    tags = {tag: (kind, values, field) for tag, kind, values, field in struct.iter_unpack(order + "HHI4s", entries)}
    if _TIFF_TILE_TAGS & tags.keys():
        raise UnusableImage("tiled TIFF files are not accepted: save it with strips (the default of most programs)")
    for tag in (273, 279):  # StripOffsets, StripByteCounts: Pillow fails on any other type
        if tag in tags and tags[tag][0] not in _TIFF_INTEGER_TYPES:
            raise InvalidImage("the TIFF file cannot be decoded: its strip table is corrupt")
    strips = tags.get(273, (4, 0, b""))[1]
    if strips > MAX_TIFF_STRIPS:
        raise UploadTooLarge(f"the TIFF has {strips:,} strips (limit {MAX_TIFF_STRIPS:,})")
    return Header("TIFF", (_tiff_integer(tags, 256, order), _tiff_integer(tags, 257, order)))


def _tiff_integer(tags: dict[int, tuple[int, int, bytes]], tag: int, order: str) -> int:
    kind, values, field = tags.get(tag, (0, 0, b""))
    if kind not in _TIFF_INTEGER_TYPES or values != 1:
        raise InvalidImage("the TIFF file cannot be decoded: it has no valid width or height")
    return struct.unpack_from(order + _TIFF_INTEGER_TYPES[kind], field)[0]


def _gif(data: bytes) -> Header:
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    position, blocks = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0), 0
    while position < len(data) and data[position] != 0x2C:  # up to the first image descriptor
        if data[position] == 0x3B:
            raise InvalidImage("the GIF file cannot be decoded: it holds no image")
        if data[position] == 0x21:  # an extension: label, then sub-blocks up to an empty one
            position += 2
            while position < len(data) and data[position] and blocks <= MAX_GIF_BLOCKS:
                position, blocks = position + 1 + data[position], blocks + 1
        blocks, position = blocks + 1, position + 1  # Pillow skips stray bytes one by one
        if blocks > MAX_GIF_BLOCKS:
            raise UploadTooLarge(f"the GIF has more than {MAX_GIF_BLOCKS} blocks before its first image")
    left, top, frame_width, frame_height = struct.unpack_from("<HHHH", data, position + 1)
    return Header("GIF", (max(width, left + frame_width), max(height, top + frame_height)))


def _webp(data: bytes) -> Header:
    position, chunks, size = 12, 0, None
    while position + 8 <= len(data):
        kind, length = struct.unpack_from("<4sI", data, position)
        chunks += 1
        if chunks > MAX_WEBP_CHUNKS:
            raise UploadTooLarge(f"the WebP has more than {MAX_WEBP_CHUNKS} chunks (animation frames)")
        if size is None:  # the first of VP8X (canvas), VP8 (lossy) or VP8L (lossless) gives the size
            size = _webp_size(kind, data[position + 8 : position + 18])
        position += 8 + length + (length & 1)
    if size is None:
        raise InvalidImage("the WebP file cannot be decoded: it holds no image")
    return Header("WEBP", size)


def _webp_size(kind: bytes, head: bytes) -> tuple[int, int] | None:
    if kind == b"VP8X":
        return 1 + int.from_bytes(head[4:7], "little"), 1 + int.from_bytes(head[7:10], "little")
    if kind == b"VP8 ":
        width, height = struct.unpack_from("<HH", head, 6)
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L":
        bits = int.from_bytes(head[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def _bmp(data: bytes) -> Header:
    header_size = struct.unpack_from("<I", data, 14)[0]
    if header_size == 12:  # OS/2 1.x
        return Header("BMP", struct.unpack_from("<HH", data, 18))
    width, height, _, _, compression = struct.unpack_from("<iiHHI", data, 18)
    size = abs(width), abs(height)
    if compression in (1, 2) and size[0] * size[1] > MAX_BMP_RLE_PIXELS:
        raise UploadTooLarge(f"run-length compressed BMP files are read up to {MAX_BMP_RLE_PIXELS:,} pixels"
                             f" ({size[0]}x{size[1]} sent): save it as PNG")
    return Header("BMP", size)


_READERS = {"JPEG": _jpeg, "PNG": _png, "TIFF": _tiff, "GIF": _gif, "WEBP": _webp, "BMP": _bmp}
