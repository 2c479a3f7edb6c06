"""What a photo of a page shows besides the page: the desk beyond its edge, a finger or a pen cap."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from model.independent.scene import smooth_noise

DESKS = {  # base colour, streak strength: wood, a dark table, a light laminate, a grey fabric mat
    "wood": ((0.45, 0.3, 0.17), 0.25),
    "dark": ((0.12, 0.12, 0.13), 0.1),
    "laminate": ((0.78, 0.76, 0.72), 0.05),
    "mat": ((0.35, 0.37, 0.4), 0.12),
}
SKIN = ((0.87, 0.68, 0.56), (0.76, 0.55, 0.42), (0.55, 0.37, 0.26), (0.36, 0.24, 0.17))
CAPS = ((0.08, 0.08, 0.1), (0.1, 0.2, 0.6), (0.7, 0.1, 0.1), (0.9, 0.9, 0.88))


def desk(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A desk surface (H, W, 3) in [0, 1]: grain streaks along a random direction and slow mottling."""
    h, w = shape
    colour, streaks = DESKS[str(rng.choice(list(DESKS)))]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    along = xs * np.cos(angle) + ys * np.sin(angle)
    wobble = smooth_noise(shape, max(8, min(shape) // 6), rng) * 12
    stripes = np.sin((along + wobble) * 2 * np.pi / rng.uniform(8, 30)) * 0.5 + 0.5
    tone = 1 + streaks * (stripes - 0.5) + 0.06 * smooth_noise(shape, max(4, min(shape) // 10), rng)
    return np.clip(np.asarray(colour, dtype=np.float32) * tone[..., None], 0, 1)


def _path(edge: int, along: float, depth: float, frame: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """From where an object enters (a point on the edge) to its tip, in pixels."""
    w, h = frame
    start = [np.array([0, along * h]), np.array([along * w, 0]),
             np.array([w, along * h]), np.array([along * w, h])][edge]
    inward = [np.array([1, 0]), np.array([0, 1]), np.array([-1, 0]), np.array([0, -1])][edge]
    extent = w if edge in (0, 2) else h
    return start - inward * 0.1 * extent, start + inward * depth * extent


def place_intruder(frame: tuple[int, int], avoid: tuple[float, float, float, float],
                   rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray, float]:
    """An edge, start, tip and width for the object that keep it off the digit's box ``avoid``."""
    width = rng.uniform(0.18, 0.3) * min(frame)
    for depth in np.linspace(0.45, 0.12, 8):
        for _ in range(12):
            edge, along = int(rng.integers(4)), rng.uniform(0.1, 0.9)
            start, tip = _path(edge, along, depth, frame)
            tip = tip + rng.normal(0, 0.06, 2) * min(frame)  # rarely straight in from the edge
            if not _crosses(start, tip, width, avoid):
                return edge, start, tip, width
    return edge, start, start, width


def _crosses(start: np.ndarray, tip: np.ndarray, width: float, box: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = box
    points = start + np.linspace(0, 1, 30)[:, None] * (tip - start)
    margin = width * 0.7
    return bool(np.any((points[:, 0] > left - margin) & (points[:, 0] < right + margin)
                       & (points[:, 1] > top - margin) & (points[:, 1] < bottom + margin)))


def intruder(image: np.ndarray, kind: str, avoid: tuple[float, float, float, float], rng: np.random.Generator) -> None:
    """Paint a finger (skin, rounded tip, a nail) or a pen cap (glossy, with a clip) entering from an edge."""
    h, w = image.shape[:2]
    _, start, tip, width = place_intruder((w, h), avoid, rng)
    direction = (tip - start) / max(1e-6, np.linalg.norm(tip - start))
    normal = np.array([-direction[1], direction[0]])
    shape = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(shape)
    half = width / 2 if kind == "finger" else width / 5
    body = [start + normal * half, tip + normal * half, tip - normal * half, start - normal * half]
    draw.polygon([tuple(p) for p in body], fill=255)
    draw.ellipse((*(tip - half), *(tip + half)), fill=255)
    alpha = np.asarray(shape.filter(ImageFilter.GaussianBlur(max(1.0, half * 0.08))), dtype=np.float32) / 255
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    across = ((xs - start[0]) * normal[0] + (ys - start[1]) * normal[1]) / half  # -1 .. 1 over the width
    base = np.asarray(SKIN[rng.integers(len(SKIN))] if kind == "finger" else CAPS[rng.integers(len(CAPS))],
                      dtype=np.float32)
    shading = np.clip(1 - 0.45 * np.abs(across) ** 2, 0.4, 1)  # round: darker towards its sides
    colour = base * shading[..., None]
    if kind == "cap":  # a specular streak along its length, and a clip
        colour += 0.5 * np.exp(-((across - 0.35) ** 2) / 0.01)[..., None]
        clip = Image.new("L", (w, h), 0)
        clip_start, clip_end = start + direction * half, tip - direction * half * 2
        ImageDraw.Draw(clip).line((*clip_start - normal * half * 0.9, *clip_end - normal * half * 0.9),
                                  fill=255, width=max(2, int(half * 0.35)))
        alpha = np.maximum(alpha, np.asarray(clip, dtype=np.float32) / 255)
    else:  # a nail near the tip
        nail = Image.new("L", (w, h), 0)
        centre = tip - direction * half * 0.55
        ImageDraw.Draw(nail).ellipse((*(centre - half * 0.55), *(centre + half * 0.55)), fill=255)
        nail_alpha = np.asarray(nail.filter(ImageFilter.GaussianBlur(half * 0.1)), dtype=np.float32) / 255 * 0.6
        colour = colour * (1 - nail_alpha[..., None]) + nail_alpha[..., None] * np.array([0.93, 0.8, 0.78])
    image *= 1 - alpha[..., None]
    image += alpha[..., None] * np.clip(colour, 0, 1)
