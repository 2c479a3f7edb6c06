"""A photo of ink on paper, in the order light reaches the sensor.

The page (paper, grain, printed lines, ink) is laid out flat, then placed in the frame through a
homography (a tilted phone, or the page's edge with the desk beyond), a finger or pen cap may enter,
the light falls on everything (gradient, shadow bands, vignette, lamp hotspot and its colour), the
camera exposes for the paper, the lens blurs and the sensor adds noise. ``Scene`` holds every choice;
``conditions`` draws one at random and changes what its condition is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from model.independent.pen import Pen

RGB = tuple[float, float, float]
LIGHT_STEP = 8  # the light field is smooth: computed at 1/8 of the frame, then enlarged


@dataclass
class Scene:
    frame: tuple[int, int]  # (width, height), upright
    paper: RGB = (0.92, 0.92, 0.9)  # reflectance
    grain: float = 0.01
    specks: float = 0.0  # dark fibres and flecks per 10,000 pixels (recycled paper)
    ruling: str | None = None  # "ruled" or "squared"
    ruling_spacing: float = 0.5  # in digit heights
    ink: RGB = (0.08, 0.08, 0.12)
    ink_opacity: float = 0.95
    ink_skips: float = 0.0  # a ballpoint's uneven ink: 0 = even
    pen: Pen = field(default_factory=lambda: Pen(width=0.08))
    digit_height: float = 0.4  # of the frame's short side
    digit_centre: tuple[float, float] = (0.5, 0.5)  # of the frame (x, y)
    corner_shift: tuple[float, float] = (0.0, 0.01)  # perspective: each corner moves outward by U(low, high) x frame
    page_edges: int = 0  # paper edge: how many of the page's edges lie inside the frame (desk beyond)
    intruder: str | None = None  # "finger" or "cap"
    gradient: float = 0.06
    bands: int = 0
    band_darkness: tuple[float, float] = (0.3, 0.55)
    vignette: float = 0.05
    hotspot: float = 0.0
    cast: RGB = (1.0, 1.0, 1.0)
    blur: float = 0.0006  # Gaussian sigma as a fraction of the long side
    noise: float = 0.01


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3x3 matrix taking the four ``src`` points to the four ``dst`` points."""
    rows = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    _, _, vt = np.linalg.svd(np.asarray(rows, dtype=np.float64))
    matrix = vt[-1].reshape(3, 3)
    return matrix / matrix[2, 2]


def apply(matrix: np.ndarray, point: np.ndarray) -> np.ndarray:
    x, y, w = matrix @ np.array([point[0], point[1], 1.0])
    return np.array([x / w, y / w])


# Each side of the page: the two corners on it, the axis it moves along, and the way into the frame.
_SIDES = (([0, 3], 0, 1), ([0, 1], 1, 1), ([1, 2], 0, -1), ([2, 3], 1, -1))  # left, top, right, bottom


def page_quad(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    """Where the page's corners land in the frame (top-left, top-right, bottom-right, bottom-left)."""
    w, h = scene.frame
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    outward = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
    quad = corners + outward * rng.uniform(*scene.corner_shift, size=(4, 2)) * [w, h]
    # The sides of the page (0 left, 1 top, 2 right, 3 bottom) that lie inside the frame, with the desk beyond.
    for side in rng.choice(4, size=scene.page_edges, replace=False):
        moving, axis, sign = _SIDES[side]
        quad[moving, axis] = (0 if sign > 0 else scene.frame[axis]) + sign * rng.uniform(0.12, 0.3) * scene.frame[axis]
    if scene.page_edges:
        quad += rng.normal(0, 0.015, size=(4, 2)) * [w, h]  # the page lies a little askew
    return quad


def visible_box(quad: np.ndarray, frame: tuple[int, int]) -> tuple[float, float, float, float]:
    """A box inside both the frame and the page (conservative: the page's inner rectangle)."""
    left, right = max(quad[0, 0], quad[3, 0], 0), min(quad[1, 0], quad[2, 0], frame[0])
    top, bottom = max(quad[0, 1], quad[1, 1], 0), min(quad[2, 1], quad[3, 1], frame[1])
    return left, top, right, bottom


def paper_texture(shape: tuple[int, int], grain: float, rng: np.random.Generator) -> np.ndarray:
    """1 + fibres (pixel-scale) + mottling (large-scale), as a multiplier of the paper's colour."""
    h, w = shape
    fine = Image.fromarray((rng.standard_normal((h, w), dtype=np.float32) * 40 + 128).clip(0, 255).astype(np.uint8))
    fine = np.asarray(fine.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32) / 40 - 3.2
    coarse = smooth_noise((h, w), max(24, min(h, w) // 12), rng)
    return 1 + grain * (1.5 * fine + 0.5 * coarse)


def draw_specks(page: np.ndarray, density: float, rng: np.random.Generator) -> None:
    """Short dark fibres and dots scattered over the paper, each a fraction of a stroke's size."""
    h, w = page.shape[:2]
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    size = max(2.0, min(h, w) * 0.004)
    for _ in range(int(density * h * w / 10_000)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        dx, dy = rng.normal(0, size * 1.5, 2)
        draw.line((x, y, x + dx, y + dy), fill=int(rng.integers(60, 200)), width=max(1, int(size * 0.5)))
    alpha = np.asarray(mask, dtype=np.float32) / 255
    blend(page, alpha, page.mean(axis=(0, 1)) * 0.45)


def smooth_noise(shape: tuple[int, int], cell: int, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-ish noise varying over about ``cell`` pixels."""
    h, w = shape
    small = rng.standard_normal((max(2, h // cell), max(2, w // cell))).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)


def draw_ruling(page: np.ndarray, scene: Scene, digit_px: float, rng: np.random.Generator) -> None:
    h, w = page.shape[:2]
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    spacing = max(6.0, scene.ruling_spacing * digit_px)
    thickness = max(1, round(rng.uniform(0.04, 0.09) * spacing))
    offset = rng.uniform(0, spacing)
    for y in np.arange(offset, h, spacing):
        draw.line((0, y, w, y + rng.normal(0, 1)), fill=255, width=thickness)
    colour = np.array([0.55, 0.7, 0.92]) if rng.random() < 0.7 else np.array([0.6, 0.6, 0.62])
    if scene.ruling == "squared":
        for x in np.arange(rng.uniform(0, spacing), w, spacing):
            draw.line((x, 0, x + rng.normal(0, 1), h), fill=255, width=thickness)
    elif rng.random() < 0.5:  # a red margin line on the left
        x = rng.uniform(0.08, 0.15) * w
        red = Image.new("L", (w, h), 0)
        ImageDraw.Draw(red).line((x, 0, x, h), fill=255, width=thickness + 1)
        blend(page, np.asarray(red, dtype=np.float32) / 255 * 0.8, np.array([0.85, 0.35, 0.35]))
    alpha = np.asarray(mask.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32) / 255 * rng.uniform(0.5, 0.85)
    blend(page, alpha, colour * np.asarray(scene.paper))


def blend(image: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> None:
    image *= 1 - alpha[..., None]
    image += alpha[..., None] * colour.astype(np.float32)


def lay_ink(page: np.ndarray, coverage: np.ndarray, centre: np.ndarray, scene: Scene,
            rng: np.random.Generator) -> None:
    h, w = coverage.shape
    top, left = int(round(centre[1] - h / 2)), int(round(centre[0] - w / 2))
    alpha = np.zeros(page.shape[:2], dtype=np.float32)
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(page.shape[0], top + h), min(page.shape[1], left + w)
    alpha[y0:y1, x0:x1] = coverage[y0 - top : y1 - top, x0 - left : x1 - left]
    if scene.ink_skips:
        skips = smooth_noise(alpha.shape, max(2, int(h * 0.06)), rng)
        alpha *= np.clip(1 - scene.ink_skips * np.maximum(skips, 0), 0.55, 1)
    blend(page, alpha * scene.ink_opacity, np.asarray(scene.ink))
