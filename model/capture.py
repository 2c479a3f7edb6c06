"""How a drawn digit reaches the API: paper, ink colours, placement, lighting, camera, palettes.

Helpers for ``model/real_pictures.py``. Everything takes the caller's ``numpy`` generator, so a
picture is a pure function of its seed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageFilter

DrawDigit = Callable[..., np.ndarray]  # (label, rng, *, height, pen) -> ink coverage in [0, 1]

EXIF_ORIENTATION = 0x0112
# Stored pixels for each EXIF orientation, so that ImageOps.exif_transpose gives the upright picture back.
STORED_TRANSPOSE = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
PHOTO_SIZES = ((1024, 768), (768, 1024), (1152, 864), (864, 1152), (960, 720))  # what phone apps send
PAPERS = ((250, 236, 140), (250, 200, 212), (188, 218, 250), (200, 240, 200), (250, 190, 120), (222, 210, 250),
          (200, 170, 130), (30, 42, 95), (22, 72, 42), (190, 40, 40), (60, 60, 64))
INKS = ((30, 60, 200), (200, 30, 40), (20, 130, 50), (110, 40, 150), (100, 60, 20), (15, 15, 15), (250, 250, 250),
        (250, 220, 40), (240, 120, 200), (60, 200, 230))
DESK_SHARE = 0.3  # of phone photos show the table past an edge of the paper
MIN_COLOUR_DISTANCE = 0.3  # RMS over R, G, B in [0, 1]: below this a person could barely read the digit


def random_ink(rng: np.random.Generator, *, dark: bool = False) -> np.ndarray:
    """Black half of the time, else one of the pen colours (only dark ones when ``dark``)."""
    inks = [ink for ink in INKS if not dark or sum(ink) < 400]
    if rng.random() < 0.5:
        return rng.integers(0, 40, 3)
    return np.array(inks[rng.integers(len(inks))])


def colour_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A (paper, ink) pair from the palettes that a person can tell apart."""
    while True:
        paper, ink = np.array(PAPERS[rng.integers(len(PAPERS))]), np.array(INKS[rng.integers(len(INKS))])
        if np.sqrt(np.mean(((paper - ink) / 255.0) ** 2)) >= MIN_COLOUR_DISTANCE:
            return paper, ink


def place(coverage: np.ndarray, size: tuple[int, int], paper: Sequence[int], ink: Sequence[int],
          rng: np.random.Generator, *, where: str) -> np.ndarray:
    """uint8 (H, W, C) canvas of ``paper`` with ``ink`` where the digit covers it.

    ``where``: "centre" (within 10% of the middle), "anywhere", or "edge" (near an edge or corner).
    """
    coverage = coverage if coverage.ndim == 3 else coverage[..., np.newaxis]
    height, width = coverage.shape[:2]
    size = (max(size[0], round(width * 1.15) + 4), max(size[1], round(height * 1.15) + 4))  # people leave a margin
    free_x, free_y = size[0] - width, size[1] - height
    if where == "centre":
        x, y = (free_x / 2 * (1 + rng.uniform(-0.2, 0.2)), free_y / 2 * (1 + rng.uniform(-0.2, 0.2)))
    elif where == "edge":
        x = free_x * rng.choice([rng.uniform(0.02, 0.12), rng.uniform(0.88, 0.98), rng.uniform(0.02, 0.98)])
        y = free_y * rng.choice([rng.uniform(0.02, 0.12), rng.uniform(0.88, 0.98)])
    else:
        x, y = free_x * rng.uniform(0.02, 0.98), free_y * rng.uniform(0.02, 0.98)
    x, y = int(x), int(y)
    canvas = np.empty((size[1], size[0], len(paper)), dtype=np.uint8)
    canvas[...] = np.clip(np.round(np.asarray(paper, dtype=np.float32)), 0, 255)
    region = canvas[y : y + height, x : x + width].astype(np.float32)
    blended = region * (1 - coverage) + np.asarray(ink, dtype=np.float32) * coverage
    canvas[y : y + height, x : x + width] = np.clip(np.round(blended), 0, 255)
    return canvas


def flat_image(label: int, rng: np.random.Generator, draw_digit: DrawDigit, *, paper: Sequence[int] | None = None,
               ink: Sequence[int] | None = None, colour: bool = False, pen: float | None = None,
               pen_fraction: float | None = None, sizes: tuple[int, int] = (60, 900)) -> Image.Image:
    """A clean digital picture: one digit on a plain background, polarity random unless given."""
    if paper is None or ink is None:
        if colour and rng.random() < 0.5:
            paper, ink = colour_pair(rng)
        elif rng.random() < 0.5:
            paper, ink = rng.integers(220, 256, 3), rng.integers(0, 45, 3)
        else:
            paper, ink = rng.integers(0, 40, 3), rng.integers(210, 256, 3)
    side = rng.integers(sizes[0], sizes[1], size=2)
    height = rng.uniform(0.4, 0.9) * side[1]
    pen_px = pen if pen is not None else height * (pen_fraction or rng.uniform(0.05, 0.12))
    coverage = draw_digit(label, rng, height=height, pen=pen_px)
    return Image.fromarray(place(coverage, (int(side[0]), int(side[1])), paper, ink, rng, where="anywhere"))


def flat(label: int, rng: np.random.Generator, draw_digit: DrawDigit, *, light: bool = False,
         **options: object) -> tuple[bytes, str]:
    """``flat_image`` saved as PNG or JPEG; ``light`` adds a mild lighting gradient and sensor noise."""
    image = flat_image(label, rng, draw_digit, **options)  # type: ignore[arg-type]
    if light:
        field = light_field(image.size, rng, depth=rng.uniform(0.0, 0.25), shadow=False)
        image = finish(image, rng, field=field, sigma=2.0)
    extension = "png" if rng.random() < 0.5 else "jpeg"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG" if extension == "png" else "JPEG", quality=int(rng.integers(75, 96)))
    return buffer.getvalue(), extension


def photograph(label: int, rng: np.random.Generator, draw_digit: DrawDigit) -> Image.Image:
    """A phone photo of the digit written on paper, upright, as an RGB image."""
    size = PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))]
    height = rng.uniform(0.25, 0.55) * size[1]
    coverage = draw_digit(label, rng, height=height, pen=height * rng.uniform(0.05, 0.11))
    paper = np.array([rng.uniform(215, 250)] * 3) - np.array([0, rng.uniform(0, 8), rng.uniform(0, 20)])
    ink = rng.choice([[20, 20, 25], [25, 40, 120], [70, 70, 75], [15, 30, 80]]) + rng.integers(-10, 10, 3)
    # Until texture and light are added the paper is plain, so seeing the page at an angle and out of focus
    # changes only the digit: warping and blurring the digit's own tile gives the same picture, far cheaper.
    margin = round(0.15 * max(coverage.shape))
    tile = Image.fromarray(np.round(np.pad(coverage, margin) * 255).astype(np.uint8))
    tile = perspective(tile, rng, inset=rng.uniform(0.0, 0.12))
    tile = tile.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.8) * size[1] / 1000))
    coverage = np.asarray(tile, dtype=np.float32) / 255.0
    pixels = place(coverage, size, paper, np.clip(ink, 0, 255), rng, where="centre")
    size = (pixels.shape[1], pixels.shape[0])  # what is drawn wider than the frame widens the frame
    if rng.random() < DESK_SHARE:
        show_desk(pixels, rng)
    image = Image.fromarray(pixels)
    field = light_field(size, rng, depth=rng.uniform(0.15, 0.45), shadow=rng.random() < 0.5) * texture_field(size, rng)
    return finish(image, rng, field=field, sigma=rng.uniform(1.5, 5.0))


def exif_rotated(upright: Image.Image, rng: np.random.Generator) -> bytes:
    """``upright`` stored sideways or upside down as a JPEG, with the EXIF Orientation tag that turns it back."""
    orientation = int(rng.choice([3, 6, 8]))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    buffer = io.BytesIO()
    upright.transpose(STORED_TRANSPOSE[orientation]).save(buffer, format="JPEG", quality=int(rng.integers(70, 93)),
                                                          exif=exif)
    return buffer.getvalue()


def show_desk(pixels: np.ndarray, rng: np.random.Generator) -> None:
    """The table past one edge of the sheet: a dark band 4-12% of the frame wide (in place)."""
    height, width = pixels.shape[:2]
    depth = rng.uniform(0.04, 0.12)
    edge = int(rng.integers(4))
    band = {0: np.s_[:, : int(depth * width)], 1: np.s_[:, width - int(depth * width) :],
            2: np.s_[: int(depth * height)], 3: np.s_[height - int(depth * height) :]}[edge]
    pixels[band] = rng.integers(30, 120, 3)


def smooth_field(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Random values varying smoothly over the picture: a ``cells``-wide grid, upsampled (float32)."""
    grid = Image.fromarray(rng.normal(0.0, 1.0, (cells, cells)).astype(np.float32), mode="F")
    return np.asarray(grid.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)


def texture_field(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Paper: slow brightness blotches and a fine grain, a few percent each (a multiplier around 1)."""
    return 1 + 0.025 * smooth_field(rng, size, 8) + 0.02 * smooth_field(rng, size, 96)


def light_field(size: tuple[int, int], rng: np.random.Generator, *, depth: float, shadow: bool) -> np.ndarray:
    """Light falling off across the picture by ``depth``, optionally a soft shadow over part of it."""
    width, height = size
    ys, xs = np.mgrid[0:height:8, 0:width:8].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * xs / width + np.sin(angle) * ys / height
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    light = 1 - depth * ramp
    if shadow:  # a hand or phone between the lamp and the paper: a half-plane with a soft edge
        normal, offset = rng.uniform(0, 2 * np.pi), rng.uniform(0.25, 0.75)
        signed = np.cos(normal) * (xs / width - offset) + np.sin(normal) * (ys / height - offset)
        light *= 1 - rng.uniform(0.25, 0.45) / (1 + np.exp(-signed / rng.uniform(0.01, 0.08)))
    field = Image.fromarray(light.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR)
    return np.asarray(field, dtype=np.float32)


def perspective(image: Image.Image, rng: np.random.Generator, *, inset: float) -> Image.Image:
    """Seen at an angle: each corner of the frame shows a point up to ``inset`` (of the side) inside it."""
    width, height = image.size
    dx, dy = rng.uniform(0, inset, 4) * width, rng.uniform(0, inset, 4) * height
    quad = (dx[0], dy[0], dx[1], height - dy[1], width - dx[2], height - dy[2], width - dx[3], dy[3])
    return image.transform(image.size, Image.Transform.QUAD, quad, resample=Image.Resampling.BILINEAR)


def finish(image: Image.Image, rng: np.random.Generator, *, field: np.ndarray | None, sigma: float) -> Image.Image:
    """Multiply by a light ``field`` and add sensor noise (drawn at half size: demosaicing correlates it)."""
    width, height = image.size
    pixels = np.asarray(image, dtype=np.float32)
    if field is not None:
        pixels = pixels * field[..., np.newaxis]
    grain = rng.normal(0.0, sigma, ((height + 1) // 2, (width + 1) // 2, 3)).astype(np.float32)
    pixels += np.repeat(np.repeat(grain, 2, axis=0), 2, axis=1)[:height, :width]
    np.clip(pixels, 0, 255, out=pixels)
    return Image.fromarray(pixels.astype(np.uint8))


def as_palette(image: Image.Image, rng: np.random.Generator) -> tuple[bytes, str]:
    """Quantise to 4-32 colours; a GIF or a PNG, a third of them with the background index transparent."""
    indexed = image.quantize(colors=int(rng.integers(4, 33)))
    extension = "gif" if rng.random() < 0.5 else "png"
    options: dict[str, object] = {}
    if rng.random() < 1 / 3:
        corner = indexed.getpixel((0, 0))  # the digit never touches the corners: this is the paper
        options["transparency"] = corner
    buffer = io.BytesIO()
    indexed.save(buffer, format=extension.upper(), **options)
    return buffer.getvalue(), extension
