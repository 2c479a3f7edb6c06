"""``Scene`` + ink -> an upright RGB photo: page, geometry, intruder, light, exposure, lens, sensor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from model.independent.scene import (
    LIGHT_STEP, Scene, apply, draw_ruling, draw_specks, homography, lay_ink, page_quad, paper_texture, visible_box,
)
from model.independent.surroundings import desk, intruder

Ink = Callable[[int], np.ndarray]  # digit height in pixels -> ink coverage


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(x, -30, 30)))


def light(scene: Scene, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Brightness (H, W) and colour (H, W, 3) of the light falling on the frame."""
    w, h = scene.frame
    sw, sh = max(2, w // LIGHT_STEP), max(2, h // LIGHT_STEP)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32) * LIGHT_STEP
    diag = float(np.hypot(w, h))
    angle = rng.uniform(0, 2 * np.pi)
    along = ((xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle)) / diag
    field = 1 + 2 * scene.gradient * along
    for _ in range(scene.bands):  # soft wide shadows: a diagonal band, or the edge of a large shadow
        normal = np.radians(rng.choice([45.0, 135.0]) + rng.uniform(-20, 20))
        d = ((xs - w / 2) * np.cos(normal) + (ys - h / 2) * np.sin(normal)) / diag
        centre, width, soft = rng.uniform(-0.3, 0.3), rng.uniform(0.12, 0.4), rng.uniform(0.02, 0.09)
        far = 1.0 if rng.random() < 0.7 else 10.0  # 30%: a half-plane shadow, its far edge off the frame
        profile = _sigmoid((d - centre + width / 2) / soft) * _sigmoid((centre + width * far / 2 - d) / soft)
        field *= 1 - rng.uniform(*scene.band_darkness) * profile
    if scene.vignette:
        cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
        r = np.hypot(xs - cx, ys - cy) / (diag / 2)
        field *= 1 - scene.vignette * np.clip(r, 0, 1.6) ** rng.uniform(1.6, 2.6)
    tint = np.ones((sh, sw, 3), dtype=np.float32) * np.asarray(scene.cast, dtype=np.float32)
    if scene.hotspot:
        cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
        spot = np.exp(-(np.hypot(xs - cx, ys - cy) ** 2) / (2 * (rng.uniform(0.12, 0.3) * diag) ** 2))
        field *= 1 + scene.hotspot * spot
        tint = 1 + (tint - 1) * (0.4 + 0.6 * spot[..., None])
    return _enlarge(field, (w, h)), np.stack([_enlarge(tint[..., c], (w, h)) for c in range(3)], axis=-1)


def _enlarge(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(values.astype(np.float32)).resize(size, Image.Resampling.BILINEAR))


def _to_image(values: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(values * 255 + 0.5, 0, 255).astype(np.uint8))


def _warp(page: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The flat page seen through the homography taking its corners to ``quad``, the desk around it."""
    h, w = page.shape[:2]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    inverse = homography(quad, corners)  # frame pixel -> page pixel, what PIL's transform asks for
    coefficients = tuple((inverse / inverse[2, 2]).flatten()[:8])
    seen = _to_image(page).transform((w, h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)
    mask = Image.new("L", (w, h), 255).transform((w, h), Image.Transform.PERSPECTIVE, coefficients,
                                                 Image.Resampling.BILINEAR)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255
    return np.asarray(seen, dtype=np.float32) / 255 * alpha + desk((h, w), rng) * (1 - alpha)


def fit(coverage: np.ndarray, box: tuple[float, float]) -> np.ndarray:
    """``coverage`` shrunk, if need be, to fit a (width, height) box: a wide number must not lose a digit."""
    factor = min(1.0, box[0] / coverage.shape[1], box[1] / coverage.shape[0])
    if factor >= 1.0:
        return coverage
    size = (max(1, int(coverage.shape[1] * factor)), max(1, int(coverage.shape[0] * factor)))
    return np.asarray(Image.fromarray(coverage).resize(size, Image.Resampling.BILINEAR))


def _local_scale(to_frame: np.ndarray, at_page: np.ndarray) -> float:
    """Frame pixels per page pixel around ``at_page``."""
    return float(np.linalg.norm(apply(to_frame, at_page + [0, 1]) - apply(to_frame, at_page)))


def photograph(scene: Scene, ink: Ink, rng: np.random.Generator, *, aspect: float = 0.75) -> Image.Image:
    """The photo; ``aspect`` is the ink's width over its height (wider for numbers of several digits)."""
    w, h = scene.frame
    quad = page_quad(scene, rng)
    to_frame = homography(np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64), quad)
    left, top, right, bottom = visible_box(quad, scene.frame)
    digit = min(scene.digit_height * min(w, h), 0.8 * (bottom - top), 0.8 * (right - left) / aspect)
    centre = np.array([left + scene.digit_centre[0] * (right - left), top + scene.digit_centre[1] * (bottom - top)])
    to_page = np.linalg.inv(to_frame)
    scale = _local_scale(to_frame, apply(to_page, centre))
    room = ((right - left) * 0.95 / scale, (bottom - top) * 0.95 / scale)
    coverage = fit(ink(max(8, int(round(digit / scale)))), room)
    half = np.array(coverage.shape[::-1]) * scale / 2
    low, high = np.array([left, top]) + half + 2, np.array([right, bottom]) - half - 2
    centre = np.where(low < high, np.clip(centre, low, np.maximum(low, high)), (low + high) / 2)  # all ink in the frame
    at_page = apply(to_page, centre)
    page = np.ones((h, w, 3), dtype=np.float32) * np.asarray(scene.paper, dtype=np.float32)
    page *= paper_texture((h, w), scene.grain, rng)[..., None]
    if scene.specks:
        draw_specks(page, scene.specks, rng)
    if scene.ruling:
        draw_ruling(page, scene, digit / scale, rng)
    lay_ink(page, coverage, at_page, scene, rng)
    image = _warp(page, quad, rng) if scene.corner_shift[1] > 0.011 or scene.page_edges else page
    if scene.intruder:
        intruder(image, scene.intruder, (*(centre - half), *(centre + half)), rng)
    brightness, tint = light(scene, rng)
    image = image * brightness[..., None] * tint
    luminance = image[::4, ::4].mean(axis=2)
    image *= rng.uniform(0.86, 0.96) / max(0.05, float(np.percentile(luminance, 90)))  # the camera's exposure
    blurred = _to_image(image).filter(ImageFilter.GaussianBlur(scene.blur * max(w, h)))
    return _to_image(sensor(np.asarray(blurred, dtype=np.float32) / 255, scene.noise, rng))


def sensor(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Shot-like luminance noise plus weaker, coarser colour noise; strong noise comes in 2-pixel grains."""
    h, w = image.shape[:2]
    grain = 2 if sigma > 0.025 else 1
    lum = _grains(rng.standard_normal((h // grain + 1, w // grain + 1), dtype=np.float32), grain, (h, w))
    chroma = _grains(rng.standard_normal((h // 2 + 1, w // 2 + 1, 3), dtype=np.float32) * 0.4, 2, (h, w))
    strength = sigma * (0.5 + 0.5 * np.sqrt(np.clip(image[..., 1], 0, 1)))  # brighter pixels, more shot noise
    return image + (lum[..., None] + chroma) * strength[..., None]


def _grains(noise: np.ndarray, size: int, shape: tuple[int, int]) -> np.ndarray:
    if size > 1:
        noise = np.repeat(np.repeat(noise, size, axis=0), size, axis=1)
    return noise[: shape[0], : shape[1]]
