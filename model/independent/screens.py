"""Pictures that never saw paper: screenshots of a drawing app, canvas exports, white chalk on black."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from model.independent.pen import Pen
from model.independent.photo import fit

Write = Callable[[int, Pen], np.ndarray]  # (height in pixels, pen) -> ink coverage
LIGHT_INKS = ((1.0, 1.0, 1.0), (1.0, 0.95, 0.5), (0.55, 0.9, 1.0), (0.6, 1.0, 0.6), (1.0, 0.6, 0.8))
DARK_INKS = ((0.0, 0.0, 0.0), (0.1, 0.15, 0.55), (0.75, 0.1, 0.1), (0.35, 0.1, 0.5), (0.2, 0.2, 0.2))
DEVICES = ((1080, 2340), (1170, 2532), (1080, 1920), (1640, 2360), (2048, 1536), (900, 700))


def _pick(rng: np.random.Generator, options: tuple) -> np.ndarray:
    return np.asarray(options[int(rng.integers(len(options)))], dtype=np.float32)


def paste(canvas: np.ndarray, coverage: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """A full-size alpha map with ``coverage`` centred near ``centre`` (x, y), shrunk and moved to keep all its ink."""
    alpha = np.zeros(canvas.shape[:2], dtype=np.float32)
    coverage = fit(coverage, (alpha.shape[1] - 4, alpha.shape[0] - 4))
    h, w = coverage.shape
    top = int(round(np.clip(centre[1] - h / 2, 0, max(0, alpha.shape[0] - h))))
    left = int(round(np.clip(centre[0] - w / 2, 0, max(0, alpha.shape[1] - w))))
    y0, x0, y1, x1 = max(0, top), max(0, left), min(alpha.shape[0], top + h), min(alpha.shape[1], left + w)
    alpha[y0:y1, x0:x1] = coverage[y0 - top : y1 - top, x0 - left : x1 - left]
    return alpha


def _ui(image: Image.Image, colour: tuple[int, ...], top: int, bottom: int, rng: np.random.Generator) -> None:
    """A status bar (clock, battery) and a toolbar (colour swatches, Clear): what a phone screenshot has."""
    w, h = image.size
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, top // 2))
    draw.text((int(0.05 * w), top // 4), f"{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}", fill=colour, font=font)
    bx = int(0.85 * w)
    draw.rectangle((bx, top // 4, bx + top, top * 3 // 4), outline=colour, width=2)
    draw.rectangle((bx + 3, top // 4 + 3, bx + int(top * rng.uniform(0.3, 0.95)), top * 3 // 4 - 3), fill=colour)
    y = h - bottom // 2
    for k, swatch in enumerate(DARK_INKS[:4] + LIGHT_INKS[1:3]):
        x = int(w * (0.08 + 0.1 * k))
        fill = tuple(int(c * 255) for c in swatch)
        draw.ellipse((x - bottom // 5, y - bottom // 5, x + bottom // 5, y + bottom // 5), fill=fill, outline=colour)
    draw.text((int(0.78 * w), y - bottom // 5), "Clear", fill=colour, font=font)


def screenshot(rng: np.random.Generator, write: Write, *, dark: bool, aspect: float = 0.75) -> Image.Image:
    """A drawing app: constant-width finger strokes on a flat background, with the phone's own UI."""
    w, h = DEVICES[int(rng.integers(len(DEVICES)))]
    with_ui = h > w and rng.random() < 0.8
    top, bottom = (int(0.035 * h), int(0.09 * h)) if with_ui else (0, 0)
    background = rng.uniform(0.0, 0.2, 3) if dark else rng.uniform(0.92, 1.0, 3)
    ink = _pick(rng, LIGHT_INKS if dark else DARK_INKS)
    area_h = h - top - bottom
    height = int(min(rng.uniform(0.3, 0.7) * min(w, area_h), 0.85 * w / aspect))
    coverage = write(height, Pen(width=rng.uniform(0.06, 0.14), pressure=0.0, taper=False))
    canvas = np.ones((h, w, 3), dtype=np.float32) * background
    ch, cw = coverage.shape
    centre = (rng.uniform(cw / 2, w - cw / 2) if cw < w else w / 2,
              top + (rng.uniform(ch / 2, area_h - ch / 2) if ch < area_h else area_h / 2))
    alpha = paste(canvas, coverage, centre)[..., None]
    image = Image.fromarray(np.round((canvas * (1 - alpha) + ink * alpha) * 255).astype(np.uint8))
    if with_ui:
        _ui(image, (200, 200, 200) if dark else (60, 60, 60), top, bottom, rng)
    return image


def transparent_canvas(rng: np.random.Generator, write: Write, *, aspect: float = 0.75) -> Image.Image:
    """An HTML canvas export: ink only in the alpha channel's strokes; the rest fully transparent."""
    side = int(rng.integers(200, 801))
    w, h = side, int(side * rng.choice([1.0, 0.75, 1.33]))
    height = int(min(rng.uniform(0.45, 0.8) * min(w, h), 0.9 * w / aspect))
    pen = Pen(width=rng.uniform(0.05, 0.14), pressure=rng.choice([0.0, 0.25]), taper=bool(rng.random() < 0.5))
    coverage = write(height, pen)
    alpha = paste(np.zeros((h, w, 3)), coverage, (w / 2 + rng.normal(0, 0.05) * w, h / 2 + rng.normal(0, 0.05) * h))
    ink = _pick(rng, DARK_INKS) * 255
    hidden = rng.choice([0.0, 255.0, -1.0])  # what the transparent pixels' RGB holds: black, white, or the ink
    rgb = np.where(alpha[..., None] > 0, ink, ink if hidden < 0 else hidden)
    rgba = np.dstack([rgb, alpha * 255])
    return Image.fromarray(np.round(rgba).astype(np.uint8), mode="RGBA")


def white_on_black(rng: np.random.Generator, write: Write, *, aspect: float = 0.75) -> Image.Image:
    """Light strokes on a black or near-black ground (a slate, a dark-mode export, MNIST's own polarity)."""
    w = int(rng.integers(200, 1201))
    h = int(w * rng.choice([1.0, 0.75, 1.33]))
    height = int(min(rng.uniform(0.4, 0.8) * min(w, h), 0.9 * w / aspect))
    pen = Pen(width=rng.uniform(0.06, 0.16), pressure=rng.uniform(0.0, 0.3))
    coverage = write(height, pen)
    canvas = np.ones((h, w, 3), dtype=np.float32) * rng.uniform(0.0, 0.12)
    canvas += rng.normal(0, rng.uniform(0.0, 0.02), (h, w, 1)).astype(np.float32)
    centre = (w / 2 + rng.normal(0, 0.06) * w, h / 2 + rng.normal(0, 0.06) * h)
    alpha = paste(canvas, coverage, centre)[..., None]
    ink = rng.uniform(0.8, 1.0) * np.array([1.0, 1.0, rng.uniform(0.85, 1.0)], dtype=np.float32)
    return Image.fromarray(np.round(np.clip(canvas * (1 - alpha) + ink * alpha, 0, 1) * 255).astype(np.uint8))
