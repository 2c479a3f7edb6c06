"""Contact sheets: every failure with its label and answer, and a few examples of each condition."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from model.independent.metrics import Answer

THUMB = 128
COLUMNS = 8
ROWS_PER_PAGE = 24
TEXT = 40  # pixels of caption under each thumbnail
CHECKER = 8


def thumbnail(data: bytes, side: int = THUMB) -> Image.Image:
    """The upload as a person sees it: EXIF rotation applied, transparency on a grey checkerboard."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGBA")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    ys, xs = np.indices(image.size[::-1])
    checker = np.where((ys // CHECKER + xs // CHECKER) % 2 == 0, 205, 160).astype(np.uint8)
    background = Image.fromarray(np.dstack([checker] * 3 + [np.full_like(checker, 255)]), mode="RGBA")
    return Image.alpha_composite(background, image).convert("RGB")


def answer_text(answer: Answer) -> str:
    if not answer.answered:
        return f"-> {answer.status}"
    flag = " uncertain" if answer.uncertain else ""
    return f"-> {answer.digit} ({answer.confidence:.2f}){flag}"


def _tile(data: bytes, answer: Answer) -> Image.Image:
    tile = Image.new("RGB", (THUMB + 8, THUMB + TEXT), "white")
    picture = thumbnail(data)
    tile.paste(picture, ((THUMB + 8 - picture.width) // 2, 0))
    truth = "none" if answer.label is None else str(answer.label)
    draw = ImageDraw.Draw(tile)
    draw.text((2, THUMB + 2), f"{answer.condition[:20]} #{answer.index}", fill="black")
    draw.text((2, THUMB + 14), f"true {truth} {answer_text(answer)}", fill=(190, 0, 0))
    draw.text((2, THUMB + 26), answer.source.split(" ")[0][:22], fill=(90, 90, 90))
    return tile


def failure_sheets(out: Path, stem: str, failures: list[tuple[bytes, Answer]]) -> list[Path]:
    """``stem``.png (and ``stem``-2.png ... when there are many): every failure, in the order given."""
    per_page = COLUMNS * ROWS_PER_PAGE
    pages = [failures[k : k + per_page] for k in range(0, len(failures), per_page)] or [[]]
    paths = []
    for number, page in enumerate(pages, start=1):
        rows = max(1, -(-len(page) // COLUMNS))
        sheet = Image.new("RGB", (COLUMNS * (THUMB + 12) + 4, rows * (THUMB + TEXT + 4) + 4), "white")
        if not page:
            ImageDraw.Draw(sheet).text((8, 8), "no failures", fill="black")
        for k, (data, answer) in enumerate(page):
            at = (4 + (k % COLUMNS) * (THUMB + 12), 4 + (k // COLUMNS) * (THUMB + TEXT + 4))
            sheet.paste(_tile(data, answer), at)
        path = out / (f"{stem}.png" if number == 1 else f"{stem}-{number}.png")
        sheet.save(path, optimize=True)
        paths.append(path)
    return paths


def example_grid(path: Path, examples: dict[str, list[bytes]], side: int = 112) -> None:
    """One row per condition: its name, then its first pictures, so a person sees what each condition is."""
    label_width = 190
    count = max((len(v) for v in examples.values()), default=1)
    sheet = Image.new("RGB", (label_width + count * (side + 6), len(examples) * (side + 6) + 6), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (condition, pictures) in enumerate(examples.items()):
        top = 6 + row * (side + 6)
        draw.text((6, top + side // 2 - 6), condition, fill="black")
        for column, data in enumerate(pictures):
            picture = thumbnail(data, side)
            sheet.paste(picture, (label_width + column * (side + 6) + (side - picture.width) // 2,
                                  top + (side - picture.height) // 2))
    sheet.save(path, optimize=True)
