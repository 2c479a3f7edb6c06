"""A contact sheet of real-picture readings: the picture as sent, the 28x28 the model saw, the answer."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

THUMB = 96
TILE = (THUMB + 28 * 3 + 12, THUMB + 22)
COLUMNS = 6
CHECKER = 8  # transparent pixels show as a grey checkerboard, as image editors do


def picture_thumbnail(data: bytes, size: tuple[int, int] = (THUMB, THUMB)) -> Image.Image:
    """The picture upright, 16-bit scaled, transparency on a checkerboard, within ``size``."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        values = np.asarray(image, dtype=np.float32)
        image = Image.fromarray((values / max(1.0, float(values.max())) * 255).astype(np.uint8))
    image = image.convert("RGBA")
    image.thumbnail(size, Image.Resampling.BOX)
    ys, xs = np.indices(image.size[::-1])
    checker = np.where(((ys // CHECKER + xs // CHECKER) % 2)[..., None] == 0, 200, 150).astype(np.uint8)
    background = Image.fromarray(np.repeat(checker, 3, axis=2)).convert("RGBA")
    return Image.alpha_composite(background, image).convert("RGB")


def draw_tile(data: bytes, model_input: np.ndarray | None, caption: str, colour: tuple[int, int, int]) -> Image.Image:
    """The picture as sent, beside the 28x28 the model saw (3x, unsmoothed), over a one-line caption."""
    canvas = Image.new("RGB", TILE, "white")
    canvas.paste(picture_thumbnail(data), (0, 0))
    if model_input is not None:
        seen = Image.fromarray(np.round(model_input * 255).astype(np.uint8)).resize((84, 84), Image.Resampling.NEAREST)
        canvas.paste(seen.convert("RGB"), (THUMB + 6, 0))
    ImageDraw.Draw(canvas).text((2, THUMB + 4), caption, fill=colour)
    return canvas


def tile(picture, model_input: np.ndarray | None, reading) -> Image.Image:
    answer = str(reading.api) if reading.api >= 0 else "error"
    colour = (0, 110, 0) if reading.api == reading.label else (190, 0, 0)
    return draw_tile(picture.data, model_input, f"#{reading.index} label {reading.label} -> {answer} "
                     f"({reading.api_confidence:.2f}); original {reading.naive}", colour)


def write_sheet(path: Path, rows: list[tuple[str, list[Image.Image]]]) -> None:
    """Rows of tiles, each row under its title (an empty title continues the block above)."""
    sheet = Image.new("RGB", (COLUMNS * (TILE[0] + 8) + 8, max(1, len(rows)) * (TILE[1] + 22) + 8), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (title, tiles) in enumerate(rows):
        top = 8 + row * (TILE[1] + 22)
        draw.text((8, top), title, fill="black")
        for column, image in enumerate(tiles):
            sheet.paste(image, (8 + column * (TILE[0] + 8), top + 16))
    sheet.save(path, optimize=True)


def in_rows(title: str, tiles: list[Image.Image]) -> list[tuple[str, list[Image.Image]]]:
    """``tiles`` cut into rows of COLUMNS, the title on the first."""
    return [(title if start == 0 else "", tiles[start : start + COLUMNS]) for start in range(0, len(tiles), COLUMNS)]


def write_contact_sheet(path: Path, kept: list) -> None:
    """One block per kind: its first examples, then its failures; ``kept`` is (picture, input, reading)."""
    rows: list[tuple[str, list[Image.Image]]] = []
    for kind in dict.fromkeys(picture.kind for picture, _, _ in kept):
        rows += in_rows(kind, [tile(*item) for item in kept if item[0].kind == kind])
    write_sheet(path, rows)
