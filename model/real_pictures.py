"""
Title: A generated real-picture test set for the digit API
Description: Digits drawn as strokes, then "captured" the ways people send them. Never used for training.

Every picture is a pure function of (seed, kind, index), so any subset is reproducible and a test can
regenerate the first N of each kind. The label is ``index % 10`` (balanced) and ends the file name,
as in ``../shared/data/samples``. Writes ``<out>/<kind>/<index>-<label>.<ext>`` and ``labels.csv``:

    python -m model.real_pictures --seed 0 --per-kind 50 --out /tmp/real-pictures
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from model import capture
from model.digit_strokes import random_skeleton, render

DEFAULT_SEED = 0  # the reported set; preprocessing was developed on other seeds
DEFAULT_PER_KIND = 50


@dataclass(frozen=True)
class RealPicture:
    kind: str
    index: int
    label: int
    data: bytes
    extension: str

    @property
    def name(self) -> str:
        return f"{self.index:04d}-{self.label}.{self.extension}"


def draw_digit(label: int, rng: np.random.Generator, *, height: float, pen: float) -> np.ndarray:
    """Ink coverage of one handwritten-looking ``label``, ``height`` px tall, pen ``pen`` px wide."""
    skeleton = random_skeleton(
        label, rng, slant=rng.uniform(-0.15, 0.35), rotation=rng.normal(0.0, 0.08), aspect=rng.uniform(0.55, 0.9)
    )
    return render(skeleton, max(8, round(height)), max(0.8, pen))


def encode(image: Image.Image, extension: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format={"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "tiff": "TIFF", "webp": "WEBP"}[extension],
               **options)
    return buffer.getvalue()


def phone_photo(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """Ink on paper under uneven light, seen at an angle, blurred, noisy, JPEG-compressed."""
    return encode(capture.photograph(label, rng, draw_digit), "jpeg", quality=int(rng.integers(55, 93))), "jpeg"


def photo_exif_rotated(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """A phone photo stored sideways or upside down with an EXIF Orientation tag saying so."""
    return capture.exif_rotated(capture.photograph(label, rng, draw_digit), rng), "jpeg"


def screenshot(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """A finger drawing on a touch screen: thin light strokes on a dark app (sometimes a light one)."""
    side = rng.integers(150, 420, size=2)
    height = rng.uniform(0.5, 0.85) * side[1]
    coverage = draw_digit(label, rng, height=height, pen=rng.uniform(2.0, 6.0))
    dark = rng.random() < 0.7
    paper = rng.integers(0, 35, 3) if dark else rng.integers(225, 256, 3)
    ink = rng.integers(220, 256, 3) if dark else rng.integers(0, 50, 3)
    rgb = capture.place(coverage, (int(side[0]), int(side[1])), paper, ink, rng, where="centre")
    mode = "RGBA" if rng.random() < 0.6 else "RGB"
    return encode(Image.fromarray(rgb).convert(mode), "png"), "png"


def canvas_transparent(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """An HTML canvas export: ink of any colour on a fully transparent background."""
    side = rng.integers(200, 600, size=2)
    coverage = draw_digit(label, rng, height=rng.uniform(0.4, 0.9) * side[1], pen=rng.uniform(4.0, 20.0))
    ink = capture.random_ink(rng)
    alpha = capture.place(coverage[..., np.newaxis], (int(side[0]), int(side[1])), [0], [255], rng, where="anywhere")
    rgba = np.zeros((*alpha.shape[:2], 4), dtype=np.uint8)
    rgba[..., :3] = np.where(alpha > 0, ink.reshape(1, 1, 3), 0)  # browsers store (0, 0, 0, 0) for transparent
    rgba[..., 3] = alpha[..., 0]
    return encode(Image.fromarray(rgba, mode="RGBA"), "png"), "png"


def black_on_white(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    return capture.flat(label, rng, draw_digit, paper=rng.integers(225, 256, 3), ink=rng.integers(0, 45, 3))


def white_on_black(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    return capture.flat(label, rng, draw_digit, paper=rng.integers(0, 35, 3), ink=rng.integers(215, 256, 3))


def coloured(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """Coloured ink on coloured paper (pairs that differ in colour, not always in brightness)."""
    paper, ink = capture.colour_pair(rng)
    return capture.flat(label, rng, draw_digit, paper=paper, ink=ink, light=True)


def small_off_centre(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """A small digit near an edge or corner of a large canvas."""
    size = (int(rng.integers(640, 1800)), int(rng.integers(480, 1400)))
    height = max(40.0, rng.uniform(0.06, 0.14) * size[1])
    coverage = draw_digit(label, rng, height=height, pen=height * rng.uniform(0.05, 0.12))
    dark = rng.random() < 0.25
    paper, ink = (rng.integers(0, 40, 3), rng.integers(200, 256, 3)) if dark else (rng.integers(215, 256, 3), capture.random_ink(rng, dark=True))
    rgb = capture.place(coverage, size, paper, ink, rng, where="edge")
    extension = "png" if rng.random() < 0.6 else "jpeg"
    return encode(Image.fromarray(rgb), extension, **({"quality": 85} if extension == "jpeg" else {})), extension


def thin_strokes(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """A 1-2 px pen on digits 60-400 px tall: shrunk naively, such strokes vanish."""
    return capture.flat(label, rng, draw_digit, paper=None, ink=None, pen=rng.uniform(1.0, 2.0), sizes=(80, 520))


def bold_strokes(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """A marker about a fifth of the digit's height wide."""
    return capture.flat(label, rng, draw_digit, paper=None, ink=None, pen_fraction=rng.uniform(0.15, 0.22))


def palette(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """Indexed colour: a GIF or a palette PNG, sometimes with a transparent background index."""
    return capture.as_palette(capture.flat_image(label, rng, draw_digit), rng)


def greyscale(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    image = capture.flat_image(label, rng, draw_digit).convert("L")
    extension = "png" if rng.random() < 0.5 else "jpeg"
    return encode(image, extension), extension


def grey16(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """16-bit greyscale (scanners, microscopes), full range or 12-bit values in a 16-bit file."""
    grey = np.asarray(capture.flat_image(label, rng, draw_digit).convert("L"), dtype=np.float64) / 255.0
    peak = 65535 if rng.random() < 0.6 else 4095
    image = Image.fromarray(np.round(grey * peak).astype(np.uint16))
    extension = "png" if rng.random() < 0.7 else "tiff"
    return encode(image, extension), extension


def cmyk(label: int, rng: np.random.Generator) -> tuple[bytes, str]:
    """Print-ready CMYK, as a JPEG or a TIFF."""
    image = capture.flat_image(label, rng, draw_digit, colour=True).convert("CMYK")
    extension = "jpeg" if rng.random() < 0.6 else "tiff"
    return encode(image, extension, **({"quality": 90} if extension == "jpeg" else {})), extension


Kind = Callable[[int, np.random.Generator], tuple[bytes, str]]
KINDS: dict[str, Kind] = {
    "phone_photo": phone_photo, "photo_exif_rotated": photo_exif_rotated, "screenshot": screenshot,
    "canvas_transparent": canvas_transparent, "black_on_white": black_on_white, "white_on_black": white_on_black,
    "coloured": coloured, "small_off_centre": small_off_centre, "thin_strokes": thin_strokes,
    "bold_strokes": bold_strokes, "palette": palette, "greyscale": greyscale, "grey16": grey16, "cmyk": cmyk,
}


def generate(kind: str, index: int, seed: int = DEFAULT_SEED) -> RealPicture:
    """Picture ``index`` of ``kind``: the same bytes for the same (seed, kind, index), everywhere."""
    rng = np.random.default_rng([seed, list(KINDS).index(kind), index])
    label = index % 10
    data, extension = KINDS[kind](label, rng)
    return RealPicture(kind=kind, index=index, label=label, data=data, extension=extension)


def generate_set(seed: int = DEFAULT_SEED, per_kind: int = DEFAULT_PER_KIND,
                 kinds: list[str] | None = None) -> Iterator[RealPicture]:
    for kind in kinds or list(KINDS):
        for index in range(per_kind):
            yield generate(kind, index, seed)


def write_set(out: Path, seed: int, per_kind: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with (out / "labels.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "kind", "label"])
        for picture in generate_set(seed, per_kind):
            (out / picture.kind).mkdir(exist_ok=True)
            (out / picture.kind / picture.name).write_bytes(picture.data)
            writer.writerow([f"{picture.kind}/{picture.name}", picture.kind, picture.label])
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-kind", type=int, default=DEFAULT_PER_KIND)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    count = write_set(args.out, args.seed, args.per_kind)
    print(f"wrote {count} pictures of {len(KINDS)} kinds to {args.out}")


if __name__ == "__main__":
    main()
