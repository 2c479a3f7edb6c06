"""The benchmark's uploads: MNIST *training* digits as a 28x28 PNG, a batch of them, and the same kind of
digit written on paper and photographed (synthesised: ink on lit, noisy paper) at 1 MP and 12 MP.

Written once to a folder with a ``manifest.json`` so both our worker and the baseline's read the same bytes.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 6
PHOTO_SIZES = {"jpeg_1mp": (1152, 864), "jpeg_12mp": (4000, 3000)}  # 0.995 MP and 12 MP, 4:3 like phones
DIGIT_HEIGHT = 0.45  # of the photo's height: a digit written large on a sheet
PAPER_RGB = (232, 226, 214)
INK_RGB = (28, 36, 92)  # ballpoint blue
JPEG_QUALITY = 88
NOISE_SIGMA = 6.0  # sensor noise, in 8-bit steps
BATCH_SIZE = 16
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    route: str  # /predict or /predict/batch
    mode: str
    files: list[str]
    labels: list[int]
    content_type: str


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def phone_photo(digit: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> bytes:
    """A 28x28 MNIST digit written in blue ink on off-white paper under uneven light, as a JPEG."""
    width, height = size
    side = round(height * DIGIT_HEIGHT)
    ink = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0
    alpha = np.zeros((height, width), dtype=np.float32)
    top, left = round(height * 0.28), round(width * 0.38)  # off-centre, as people hold phones
    alpha[top : top + side, left : left + side] = np.clip(ink, 0.0, 1.0)
    light = np.linspace(1.04, 0.82, width, dtype=np.float32)[np.newaxis, :]  # a lamp on the left
    photo = np.empty((height, width, 3), dtype=np.float32)
    for channel in range(3):
        paper, pen = PAPER_RGB[channel], INK_RGB[channel]
        photo[..., channel] = (paper + (pen - paper) * alpha) * light
    photo += rng.normal(0.0, NOISE_SIGMA, size=(height, width, 1)).astype(np.float32)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), mode="RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def write_inputs(folder: Path, x_train: np.ndarray, y_train: np.ndarray) -> list[Scenario]:
    """Write every upload and the manifest (idempotent: same seed, same bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    picks = rng.choice(len(x_train), size=BATCH_SIZE, replace=False)
    labels = [int(y_train[i]) for i in picks]
    for index, pick in enumerate(picks):
        (folder / f"mnist_{index:02d}.png").write_bytes(png_bytes(x_train[pick]))
    for name, size in PHOTO_SIZES.items():
        (folder / f"{name}.jpg").write_bytes(phone_photo(x_train[picks[0]], size, rng))
    scenarios = [
        Scenario("png28_mnist", "28x28 PNG, mode=mnist", "/predict", "mnist", ["mnist_00.png"], labels[:1], "image/png"),
        Scenario("jpeg_1mp_auto", "1 MP phone JPEG (1152x864), mode=auto", "/predict", "auto",
                 ["jpeg_1mp.jpg"], labels[:1], "image/jpeg"),
        Scenario("jpeg_12mp_auto", "4000x3000 JPEG, mode=auto", "/predict", "auto",
                 ["jpeg_12mp.jpg"], labels[:1], "image/jpeg"),
        Scenario("batch16_mnist", "batch of 16 28x28 PNGs, /predict/batch, mode=mnist", "/predict/batch", "mnist",
                 [f"mnist_{i:02d}.png" for i in range(BATCH_SIZE)], labels, "image/png"),
    ]
    (folder / MANIFEST).write_text(json.dumps([asdict(s) for s in scenarios], indent=2))
    return scenarios


def read_manifest(folder: Path) -> list[Scenario]:
    return [Scenario(**entry) for entry in json.loads((folder / MANIFEST).read_text())]


def upload_bytes(folder: Path, scenario: Scenario) -> list[bytes]:
    return [(folder / name).read_bytes() for name in scenario.files]
