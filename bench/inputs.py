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
NUMBER_DIGITS = 4  # /predict/number's case: a 4-digit number written on the sheet, photographed at 1 MP
NUMBER_HEIGHT = 0.2  # of the photo's height: each digit of the number
NUMBER_MANIFEST = "number.json"


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


def phone_photo(digit: np.ndarray, size: tuple[int, int], rng: np.random.Generator, *,
                digit_height: float = DIGIT_HEIGHT) -> bytes:
    """A 28x28 MNIST digit (or a row of them) in blue ink on off-white paper under uneven light, as a JPEG."""
    width, height = size
    side = round(height * digit_height)
    across = round(side * digit.shape[1] / digit.shape[0])
    ink = np.asarray(Image.fromarray(digit).resize((across, side), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0
    alpha = np.zeros((height, width), dtype=np.float32)
    top, left = round(height * 0.28), min(round(width * 0.38), width - across - 8)  # off-centre, as people hold phones
    alpha[top : top + side, left : left + across] = np.clip(ink, 0.0, 1.0)
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


def write_number_input(folder: Path, x_train: np.ndarray, y_train: np.ndarray) -> Scenario:
    """The 1 MP photo of a 4-digit number (MNIST training digits side by side) and its own manifest."""
    rng = np.random.default_rng(SEED + 1)
    picks = rng.choice(len(x_train), size=NUMBER_DIGITS, replace=False)
    row = np.concatenate([x_train[i][:, 3:25] for i in picks], axis=1)  # MNIST's side margins trimmed: a written gap
    (folder / "number_1mp.jpg").write_bytes(phone_photo(row, PHOTO_SIZES["jpeg_1mp"], rng, digit_height=NUMBER_HEIGHT))
    scenario = Scenario("number4_1mp", "4-digit number, 1 MP phone JPEG, /predict/number", "/predict/number", "auto",
                        ["number_1mp.jpg"], [int(y_train[i]) for i in picks], "image/jpeg")
    (folder / NUMBER_MANIFEST).write_text(json.dumps(asdict(scenario), indent=2))
    return scenario


def read_number_scenario(folder: Path) -> Scenario | None:
    path = folder / NUMBER_MANIFEST
    return Scenario(**json.loads(path.read_text())) if path.is_file() else None


def read_manifest(folder: Path) -> list[Scenario]:
    return [Scenario(**entry) for entry in json.loads((folder / MANIFEST).read_text())]


def upload_bytes(folder: Path, scenario: Scenario) -> list[bytes]:
    return [(folder / name).read_bytes() for name in scenario.files]
