"""Generators of decoder bombs and malformed files, one per class of attack, each built from code and sized
by its arguments: broken EXIF, TIFF strip and tile tricks, JPEG scan and segment floods, PNG chunk
floods, GIF block floods, WebP frame floods, run-length BMPs. ``hostile_corpus.budget_items`` sends them.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from functools import cache

from PIL import Image, ImageDraw

# TIFF field types (TIFF 6.0, section 2)
BYTE, ASCII, SHORT, LONG, UNDEFINED, DOUBLE = 1, 2, 3, 4, 7, 12
_TYPE_CODES = {BYTE: "B", ASCII: "c", SHORT: "H", LONG: "I", UNDEFINED: "B", DOUBLE: "d"}
_SCAN = re.compile(rb"\xff\xda")


def digit(size: tuple[int, int] = (120, 120), mode: str = "L") -> Image.Image:
    """A thick dark "7" on light paper."""
    width, height = size
    image = Image.new("L", size, 235)
    ImageDraw.Draw(image).line([(width * 0.25, height * 0.2), (width * 0.75, height * 0.2),
                                (width * 0.45, height * 0.85)], fill=20, width=max(2, width // 12))
    return image.convert(mode)


def encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


# --- TIFF structures (EXIF is one too) -----------------------------------------------------------------


def ifd(entries: list[tuple[int, int, list]], *, start: int, order: str = ">") -> bytes:
    """One image file directory at offset ``start``: (tag, type, values) entries, long values after it."""
    entries = sorted(entries)
    table, heap = b"", b""
    heap_at = start + 2 + 12 * len(entries) + 4
    for tag, kind, values in entries:
        data = bytes(values) if kind == ASCII else struct.pack(f"{order}{len(values)}{_TYPE_CODES[kind]}", *values)
        if len(data) <= 4:
            field = data.ljust(4, b"\x00")
        else:
            field, heap = struct.pack(order + "I", heap_at + len(heap)), heap + data + b"\x00" * (len(data) & 1)
        table += struct.pack(order + "HHI", tag, kind, len(values) if kind != ASCII else len(data)) + field
    return struct.pack(order + "H", len(entries)) + table + b"\x00\x00\x00\x00" + heap


def exif_with_wrong_types(orientation: int = 6) -> bytes:
    """EXIF with Orientation plus ImageWidth as text and Make as a float: Pillow's exif_transpose raised."""
    entries = [(0x0112, SHORT, [orientation]), (256, ASCII, list(b"wide\x00")), (271, DOUBLE, [3.5])]
    return b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + ifd(entries, start=8)


def sideways_with_broken_exif(fmt: str) -> bytes:
    """A digit stored sideways (as a phone does) with the broken EXIF, as JPEG, PNG or WebP."""
    image = digit().rotate(90, expand=True).convert("RGB")
    exif = exif_with_wrong_types()
    return encoded(image, fmt, exif=exif if fmt == "JPEG" else exif[6:])


def tiff(width: int, height: int, pieces: list[bytes], *, tiled: tuple[int, int] | None = None,
         compression: int = 1, offsets_type: int = LONG, rows_per_strip: int | None = None) -> bytes:
    """A little-endian greyscale TIFF whose pixel data is ``pieces`` (strips, or tiles of ``tiled`` size)."""
    offsets, position = [], 8
    for piece in pieces:
        offsets.append(position)
        position += len(piece)
    data = b"".join(pieces)
    entries = [(256, LONG, [width]), (257, LONG, [height]), (258, SHORT, [8]), (259, SHORT, [compression]),
               (262, SHORT, [1]), (277, SHORT, [1])]
    if tiled:
        entries += [(322, LONG, [tiled[0]]), (323, LONG, [tiled[1]]), (324, LONG, offsets),
                    (325, LONG, [len(p) for p in pieces])]
    else:
        offsets_values = offsets if offsets_type in (SHORT, LONG) else [o & 0xFF for o in offsets]
        entries += [(273, offsets_type, offsets_values), (278, LONG, [rows_per_strip or height]),
                    (279, LONG, [len(p) for p in pieces])]
    start = 8 + len(data)
    return b"II*\x00" + struct.pack("<I", start) + data + ifd(entries, start=start, order="<")


@cache
def deflated_zeros(size: int) -> bytes:
    """``size`` zero bytes deflated (~1/1000 of it), compressed as they are made (never in memory)."""
    compressor, block = zlib.compressobj(9), bytes(1 << 20)
    parts = [compressor.compress(block[: min(len(block), size - done)]) for done in range(0, size, len(block))]
    return b"".join(parts) + compressor.flush()


def tiff_tile_bomb(declared: int = 28, tile: int = 32768) -> bytes:
    """Declares ``declared`` x ``declared`` pixels but holds one ``tile`` x ``tile`` deflate tile (1 GiB)."""
    return tiff(declared, declared, [deflated_zeros(tile * tile)], tiled=(tile, tile), compression=8)


@cache
def tiff_strip_inflating_past_the_image(side: int = 28, inflated: int = 256 << 20) -> bytes:
    """One deflate strip: the digit's pixels, then zeros to ``inflated`` bytes (libtiff must stop early)."""
    compressor = zlib.compressobj(9)
    pixels = digit((side, side)).tobytes()
    parts, block = [compressor.compress(pixels)], bytes(1 << 20)
    parts += [compressor.compress(block) for _ in range(inflated >> 20)]
    return tiff(side, side, [b"".join(parts) + compressor.flush()], compression=8)


def tiff_strip_flood(strips: int = 200_000) -> bytes:
    """A 1-pixel-wide image in one-row strips: Pillow reads each strip in Python."""
    return tiff(1, strips, [b"\x80"] * strips, rows_per_strip=1)


def tiff_strip_offsets_as_bytes(strips: int = 3) -> bytes:
    """StripOffsets stored as UNDEFINED bytes: Pillow raised TypeError when loading it."""
    side = 30
    rows = side // strips
    pixels = digit((side, side)).tobytes()
    pieces = [pixels[i * rows * side : (i + 1) * rows * side] for i in range(strips)]
    return tiff(side, side, pieces, offsets_type=UNDEFINED, rows_per_strip=rows)


# --- JPEG ----------------------------------------------------------------------------------------------


def with_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """The same file with the frame header (SOF) claiming ``width`` x ``height``."""
    at = re.search(rb"\xff[\xc0-\xc2]", data).start() + 5
    return data[:at] + struct.pack(">HH", height, width) + data[at + 4 :]


@cache
def progressive_scan_flood(side: int = 6000, scans: int = 1200) -> bytes:
    """A progressive grey JPEG of ``side`` x ``side`` whose last (empty) scan is repeated to ``scans``."""
    data = encoded(Image.new("L", (side, side), 128), "JPEG", progressive=True)
    starts = [m.start() for m in _SCAN.finditer(data)]
    end = data.rindex(b"\xff\xd9")
    last = data[starts[-1] : end]
    return data[:end] + last * (scans - len(starts)) + data[end:]


def progressive_cmyk_claiming(width: int = 6300, height: int = 6300) -> bytes:
    """A tiny progressive CMYK JPEG whose header claims ``width`` x ``height``: libjpeg allocates all of it."""
    return with_jpeg_size(encoded(Image.new("CMYK", (16, 16)), "JPEG", progressive=True), width, height)


def jpeg_segment_flood(total: int = 4_000_000) -> bytes:
    """A valid JPEG after ``total`` bytes of empty APP segments (4 bytes each)."""
    data = encoded(digit(mode="RGB"), "JPEG")
    return data[:2] + b"\xff\xe5\x00\x02" * (total // 4) + data[2:]


def jpeg_fill_flood(total: int = 4_000_000) -> bytes:
    """A valid JPEG with ``total`` 0xFF fill bytes before its first segment: Pillow reads them one by one."""
    data = encoded(digit(mode="RGB"), "JPEG")
    return data[:2] + b"\xff" * total + data[2:]


def jpeg_lossless_marker() -> bytes:
    """A JPEG whose frame header says lossless (SOF3)."""
    data = encoded(digit(mode="L"), "JPEG")
    at = re.search(rb"\xff\xc0", data).start()
    return data[:at] + b"\xff\xc3" + data[at + 2 :]


# --- PNG, GIF, WebP, BMP -------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_extra_chunks(extra: bytes, image: bytes | None = None) -> bytes:
    """``image`` (a small digit PNG by default) with ``extra`` chunks inserted after its header."""
    data = image or encoded(digit())
    return data[:33] + extra + data[33:]


def png_private_chunk_flood(total: int = 4_000_000) -> bytes:
    """``total`` bytes of empty private chunks (12 bytes each) before the pixels."""
    return png_with_extra_chunks(png_chunk(b"prVt", b"") * (total // 12))


def png_idat_flood(pieces: int = 100_000) -> bytes:
    """The pixel data split into ``pieces`` IDAT chunks of one byte or less."""
    data = encoded(digit())
    start = data.index(b"IDAT") - 4
    length = struct.unpack_from(">I", data, start)[0]
    pixels = data[start + 8 : start + 8 + length]
    chunks = b"".join(png_chunk(b"IDAT", pixels[i : i + 1]) for i in range(max(pieces, len(pixels))))
    return data[:start] + chunks + data[start + 12 + length :]


def png_metadata_over(size: int = 1536 * 1024) -> bytes:
    """A tEXt chunk of ``size`` bytes."""
    return png_with_extra_chunks(png_chunk(b"tEXt", b"Comment\x00" + b"a" * size))


@cache
def grey16_png(side: int) -> bytes:
    """A 16-bit greyscale PNG of a "1" (its decode goes through floats), written row by row."""
    paper, left, right = b"\xc0\x00" * side, int(side * 0.45), int(side * 0.55)
    inked = paper[: 2 * left] + b"\x00\x00" * (right - left) + paper[2 * right :]
    compressor = zlib.compressobj(9)
    rows = b"".join(compressor.compress(b"\x00" + (inked if 0.2 * side <= y < 0.8 * side else paper))
                    for y in range(side)) + compressor.flush()
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 16, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def gif_first_image(data: bytes) -> int:
    """Where the first image descriptor of a GIF starts (after the colour table and any extensions)."""
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while data[at] == 0x21:
        at += 2
        while data[at]:
            at += 1 + data[at]
        at += 1
    return at


def gif_extension_flood(total: int = 4_000_000) -> bytes:
    """A GIF whose first image follows one comment extension of ``total`` bytes in 1-byte sub-blocks."""
    data = encoded(digit(mode="P"), "GIF")
    at = gif_first_image(data)
    return data[:at] + b"\x21\xfe" + b"\x01a" * (total // 2) + b"\x00" + data[at:]


def gif_frame_outside_canvas(side: int = 8000) -> bytes:
    """A 28x28 GIF whose image descriptor claims ``side`` x ``side``: Pillow enlarges the canvas to it."""
    data = bytearray(encoded(digit((28, 28), mode="P"), "GIF"))
    at = gif_first_image(data)
    data[at + 5 : at + 9] = struct.pack("<HH", side, side)
    return bytes(data)


def webp_frame_flood(frames: int = 2000) -> bytes:
    """An animated WebP whose second frame is repeated to ``frames`` frames."""
    data = encoded(digit(mode="RGB"), "WEBP", save_all=True, append_images=[Image.new("RGB", (120, 120), "white")],
                   duration=50, lossless=True)
    anmf = [m.start() for m in re.finditer(rb"ANMF", data)]
    last = data[anmf[-1] :]
    body = data[12 : anmf[-1]] + last * (frames - 1)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def bmp_rle(width: int = 1000, rows: int = 1000, *, bits: int = 8, run: int = 1) -> bytes:
    """A run-length BMP (8 or 4 bits) of runs of ``run`` pixels: Pillow decodes it in Python, the 4-bit
    kind one pixel at a time."""
    runs, rest = divmod(width, run)
    row = bytes((run, 0x17)) * runs + (bytes((rest, 0x17)) if rest else b"") + b"\x00\x00"
    pixels = row * rows + b"\x00\x01"
    colours = 1 << bits
    palette = b"".join(bytes((i * 255 // (colours - 1),) * 3 + (0,)) for i in range(colours))
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, rows, 1, bits, 1 if bits == 8 else 2, len(pixels), 2835, 2835,
                       colours, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette + pixels
