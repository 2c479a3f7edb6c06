"""
Title: An independent check of POST /predict/number, through the Lambda entry point
Description: Handwritten numbers made apart from model/numbers.py and handler/, graded as API Gateway would ask.

Nothing here imports ``model/numbers.py`` (the set the segmenter was developed on) or ``handler/``; the one
project entry point used is ``handler.lambda_function.lambda_handler``, reached with HTTP API events
(``infra/events.py``). A number has 2 to 6 digits, side by side: each digit by this package's stroke writer
(``glyphs``, ``pen``) or an MNIST test writer (``x_test[:5000]``, evaluation only), or the whole number in a
handwriting-like font found on the machine (Debian's fonts-dkg-handwriting, fonts-breip, fonts-humor-sans,
fonts-femkeklaver, fonts-comic-neue, fonts-dancingscript; the font condition is left out where none is
installed). Some numbers have one pair pushed into contact. Captured by this package's ``screens`` and
``photo``: clean canvases, pen on paper, white on black, transparent canvases, phone photos.

    python -m model.independent.numbers --seed 20261216 --per-condition 40
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from infra.events import LambdaContext, http_api_event, multipart_body
from model.independent import screens
from model.independent.conditions import PHOTO, base_shot, digit_writer, encode, rng_for, shoot
from model.independent.mnist_digits import DEFAULT_DATA, MnistDigits
from model.independent.negatives import clean
from model.independent.pen import Pen

HELD_OUT_SEED = 20261216  # the reported seed; never run while the segmenter was being developed
DEFAULT_PER_CONDITION = 40
DIGITS = (2, 6)
WIDTH_PER_DIGIT = 1.1  # of the height: a digit and its gap, so the captures leave the number a margin
TOUCHING_SHARE = 0.25  # of handwritten numbers outside the touching conditions
FONT_DIRS = (Path("/usr/share/fonts"),)
FONT_NAMES = ("dkg", "breip", "humor-sans", "femkeklaver", "comicneue", "dancingscript")
PHOTO_KINDS = ("plain-photo", "shadow-bands", "tinted-paper", "lamp-hotspot", "exif-rotation", "paper-edge",
               "vignette", "jpeg-quality")
Write = screens.Write


@dataclass(frozen=True)
class NumberPicture:
    condition: str
    index: int
    number: str
    source: str
    data: bytes
    content_type: str


@lru_cache(maxsize=1)
def handwriting_fonts() -> tuple[Path, ...]:
    return tuple(sorted(path for folder in FONT_DIRS if folder.exists() for path in folder.rglob("*")
                        if path.suffix.lower() in {".ttf", ".otf"}
                        and any(name in path.name.lower().replace("_", "-") for name in FONT_NAMES)))


def _touch_offset(left: np.ndarray, right: np.ndarray, left_top: int, right_top: int) -> float:
    """How far right of the left glyph's left edge the right glyph starts when their ink first meets."""
    top, bottom = max(left_top, right_top), min(left_top + left.shape[0], right_top + right.shape[0])
    first = -np.inf  # coming from the right, the row where the ink meets first
    for row in range(top, bottom):
        a, b = np.flatnonzero(left[row - left_top] > 0.4), np.flatnonzero(right[row - right_top] > 0.4)
        if a.size and b.size:
            first = max(first, a.max() - b.min())
    return float(first) if np.isfinite(first) else float(left.shape[1])


def handwritten(digits: list[int], index: int, rng: np.random.Generator, mnist: MnistDigits,
                touching: int | None) -> tuple[str, Write]:
    """The digits side by side on a slightly uneven line; ``touching``: that pair pushed into contact."""
    writers = [digit_writer(d, int(rng.integers(0, 20)), rng, mnist) for d in digits]
    sizes = rng.uniform(0.88, 1.12, len(digits))
    gaps = rng.uniform(0.1, 0.55, len(digits))
    drops = rng.normal(0, 0.05, len(digits))
    press = rng.uniform(0.01, 0.06)  # of the height, past first contact

    def write(height: int, pen: Pen) -> np.ndarray:
        inks = [writer(max(8, int(height * size)), pen) for (_, writer), size in zip(writers, sizes, strict=True)]
        tall = max(ink.shape[0] for ink in inks) + int(0.3 * height)
        tops = [int(np.clip((tall - ink.shape[0]) / 2 + drop * height, 0, tall - ink.shape[0]))
                for ink, drop in zip(inks, drops, strict=True)]
        lefts, x = [], 0.0
        for k, ink in enumerate(inks):
            if k and touching == k - 1:
                x = max(lefts[-1] + 1, lefts[-1] + _touch_offset(inks[k - 1], ink, tops[k - 1], tops[k]) - press * height)
            lefts.append(x)
            x += ink.shape[1] + gaps[k] * height
        canvas = np.zeros((tall, int(max(left + ink.shape[1] for left, ink in zip(lefts, inks, strict=True))) + 1),
                          dtype=np.float32)
        for left, top, ink in zip(lefts, tops, inks, strict=True):
            region = canvas[top : top + ink.shape[0], int(left) : int(left) + ink.shape[1]]
            np.maximum(region, ink, out=region)
        return canvas

    touch = f" touching {touching}-{touching + 1}" if touching is not None else ""
    return ",".join(name for name, _ in writers) + touch, write


def in_font(digits: list[int], rng: np.random.Generator) -> tuple[str, Write]:
    """The number typed in a handwriting-like font, a little spacing and slant of its own."""
    fonts = handwriting_fonts()
    font_path = fonts[int(rng.integers(len(fonts)))]
    text = "".join(map(str, digits))
    spacing, slant = rng.uniform(0.0, 0.25), rng.uniform(-0.05, 0.2)

    def write(height: int, pen: Pen) -> np.ndarray:
        font = ImageFont.truetype(str(font_path), size=max(8, int(height * 1.4)))
        advance = [font.getbbox(ch)[2] for ch in text]
        width = int(sum(advance) + spacing * height * len(text) + height)
        image = Image.new("L", (width, int(height * 2.2)), 0)
        draw, x = ImageDraw.Draw(image), height * 0.3
        for ch, step in zip(text, advance, strict=True):
            draw.text((x, height * 0.2), ch, fill=255, font=font)
            x += step + spacing * height
        image = image.transform(image.size, Image.Transform.AFFINE, (1, slant, -slant * image.size[1], 0, 1, 0),
                                Image.Resampling.BILINEAR)
        values = np.asarray(image, dtype=np.float32) / 255.0
        rows, cols = np.flatnonzero(values.max(axis=1) > 0.1), np.flatnonzero(values.max(axis=0) > 0.1)
        return values[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    return f"font:{font_path.stem}", write


def _photo(write: Write, rng: np.random.Generator, aspect: float, kind: str | None = None) -> tuple[bytes, str]:
    shot = base_shot(rng)
    kind = kind or PHOTO_KINDS[int(rng.integers(len(PHOTO_KINDS)))]
    PHOTO[kind][1](shot, rng)
    data, _ = shoot(shot, write, rng, aspect=aspect)
    return data, kind


def _png(image: Image.Image) -> bytes:
    return encode(image, "PNG")


Capture = Callable[[Write, np.random.Generator, float], tuple[bytes, str]]
CAPTURES: dict[str, Capture] = {
    "clean": lambda write, rng, aspect: (_png(clean(rng, write, aspect)), "clean"),
    "pen_on_paper": lambda write, rng, aspect: _photo(write, rng, aspect, "plain-photo"),
    "white_on_black": lambda write, rng, aspect: (_png(screens.white_on_black(rng, write, aspect=aspect)), "white"),
    "transparent": lambda write, rng, aspect: (_png(screens.transparent_canvas(rng, write, aspect=aspect)), "canvas"),
    "phone_photo": _photo,
}
# condition -> (capture, how the number is written: "hand", "touching" (always one pair) or "font")
CONDITIONS: dict[str, tuple[str, str]] = {
    "clean": ("clean", "hand"), "pen_on_paper": ("pen_on_paper", "hand"), "white_on_black": ("white_on_black", "hand"),
    "transparent": ("transparent", "hand"), "phone_photo": ("phone_photo", "hand"),
    "touching_clean": ("clean", "touching"), "touching_photo": ("phone_photo", "touching"),
    "font_clean": ("clean", "font"), "font_photo": ("phone_photo", "font"),
}


def available_conditions() -> list[str]:
    return [name for name, (_, how) in CONDITIONS.items() if how != "font" or handwriting_fonts()]


def generate(condition: str, index: int, *, seed: int, mnist: MnistDigits) -> NumberPicture:
    """Number ``index`` of ``condition``: the same bytes for the same (seed, condition, index)."""
    rng = rng_for(seed, "number-" + condition, index)
    capture, how = CONDITIONS[condition]
    digits = [int(d) for d in rng.integers(0, 10, int(rng.integers(DIGITS[0], DIGITS[1] + 1)))]
    if how == "font":
        source, write = in_font(digits, rng)
    else:
        pair = int(rng.integers(len(digits) - 1))
        touching = pair if how == "touching" or rng.random() < TOUCHING_SHARE else None
        source, write = handwritten(digits, index, rng, mnist, touching)
    data, how_captured = CAPTURES[capture](write, rng, WIDTH_PER_DIGIT * len(digits))
    content_type = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    return NumberPicture(condition, index, "".join(map(str, digits)), f"{source} ({how_captured})", data, content_type)


def ask(handler: Callable, picture: NumberPicture) -> tuple[int, dict]:
    """One POST /predict/number through the Lambda handler, as API Gateway would invoke it."""
    suffix = "png" if picture.content_type == "image/png" else "jpg"
    body, content_type = multipart_body([("file", f"{picture.condition}-{picture.index}.{suffix}", picture.data,
                                          picture.content_type)])
    event = http_api_event("POST", "/predict/number", body=body, headers={"content-type": content_type})
    response = handler(event, LambdaContext())
    return response["statusCode"], json.loads(response.get("body") or "{}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    parser.add_argument("--per-condition", type=int, default=DEFAULT_PER_CONDITION)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, help="write every answer here as JSON")
    parser.add_argument("--save-pictures", type=Path, help="write the pictures here")
    args = parser.parse_args(argv)
    from handler.lambda_function import lambda_handler  # the function AWS runs, and nothing else of handler/

    mnist, rows = MnistDigits(args.data), []
    for condition in available_conditions():
        for index in range(args.per_condition):
            picture = generate(condition, index, seed=args.seed, mnist=mnist)
            status, body = ask(lambda_handler, picture)
            answer = body.get("number", "") if status == 200 else ""
            rows.append({"condition": condition, "index": index, "number": picture.number, "answer": answer,
                         "status": status, "source": picture.source, "right": answer == picture.number})
            if args.save_pictures:
                args.save_pictures.mkdir(parents=True, exist_ok=True)
                name = f"{condition}-{index:03d}-{picture.number}.{'png' if picture.content_type == 'image/png' else 'jpg'}"
                (args.save_pictures / name).write_bytes(picture.data)
        done = [r for r in rows if r["condition"] == condition]
        print(f"{condition:16s} {sum(r['right'] for r in done) / len(done):7.1%} of {len(done)}", flush=True)
    print(f"all {len(rows)} numbers: {sum(r['right'] for r in rows) / len(rows):.1%} exactly right (seed {args.seed})")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
