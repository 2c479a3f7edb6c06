"""Loading MNIST from a local file, with the Keras download only as a fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

Split = tuple[np.ndarray, np.ndarray]


def load_mnist(path: str | Path | None = None) -> tuple[Split, Split]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, white ink on black.

    Reads ``path`` (or ``../shared/data/mnist.npz`` when present); downloads through Keras only
    when neither exists, so machines without a network never depend on the download.
    """
    candidate = Path(path) if path else DEFAULT_DATA
    if candidate.is_file():
        with np.load(candidate) as data:
            return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
    if path:
        raise FileNotFoundError(f"MNIST file not found: {candidate}")
    import keras  # only on machines that can download

    return keras.datasets.mnist.load_data()


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], the layout the model takes."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]
