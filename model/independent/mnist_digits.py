"""MNIST test digits as ink: ``x_test[:5000]`` only (evaluation, never training), upscaled smoothly.

A 28x28 digit is cropped to its ink, enlarged bicubically, blurred a little so the pixel steps vanish,
and thresholded back to a stroke: a lower threshold (and a dilation) writes it bolder, a higher one finer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from model.independent.pen import Pen

DEFAULT_DATA = Path("../shared/data/mnist.npz")
EVALUATION_SLICE = 5000  # x_test[:5000]; the rest of the test set stays untouched by this evaluation
MNIST_STROKE = 0.12  # an MNIST stroke's width as a fraction of the digit's height


class MnistDigits:
    def __init__(self, path: Path = DEFAULT_DATA) -> None:
        with np.load(path) as data:
            self.images = data["x_test"][:EVALUATION_SLICE]
            self.labels = data["y_test"][:EVALUATION_SLICE].astype(int)
        self.by_label = {d: np.flatnonzero(self.labels == d) for d in range(10)}

    def pick(self, label: int, rng: np.random.Generator) -> int:
        return int(rng.choice(self.by_label[label]))

    def ink(self, index: int, height: int, pen: Pen) -> np.ndarray:
        return upscale(self.images[index], height, pen)


def upscale(image: np.ndarray, height: int, pen: Pen) -> np.ndarray:
    """Ink coverage in [0, 1], the digit about ``height`` pixels tall, with a margin."""
    rows, cols = np.nonzero(image > 30)
    crop = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    crop = np.pad(crop, 2)
    factor = float(height / max(1, int(rows.max() - rows.min()) + 1))
    size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
    big = Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC)
    big = big.filter(ImageFilter.GaussianBlur(radius=factor * 0.6))
    if pen.width > MNIST_STROKE * 1.25:  # felt tip: grow the stroke by the extra width
        for _ in range(int(round((pen.width - MNIST_STROKE) * height / 4))):  # 2 px more per side each pass
            big = big.filter(ImageFilter.MaxFilter(5))
        big = big.filter(ImageFilter.GaussianBlur(radius=2))  # round the square filter's corners
    values = np.asarray(big, dtype=np.float32) / 255.0
    threshold = float(np.clip(0.45 + (MNIST_STROKE - pen.width) * 3.0, 0.3, 0.6))
    ramp = max(0.02, 0.6 / factor)  # about one output pixel of anti-aliased edge
    return np.clip((values - threshold) / ramp + 0.5, 0.0, 1.0)
