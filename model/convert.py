"""
Title: Convert the Keras digit model to TensorFlow Lite
Description: Writes a float32 model and a full-integer int8 model calibrated on training images.

    python -m model.convert --keras model/artifacts/mnist_cnn.keras --out model/artifacts
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from model.data import ARTIFACTS, load_mnist, to_model_input  # noqa: E402

VARIANTS = ("float32", "int8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras", type=Path, default=ARTIFACTS / "mnist_cnn.keras")
    parser.add_argument("--data", help="path to mnist.npz, for the int8 calibration sample")
    parser.add_argument("--calibration-size", type=int, default=1000, help="training images to calibrate int8")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=ARTIFACTS)
    return parser.parse_args(argv)


def variant_path(out: Path, variant: str) -> Path:
    return out / f"mnist_cnn_{variant}.tflite"


def representative_images(images: np.ndarray) -> Iterator[list[np.ndarray]]:
    """One-image batches in the converter's format, to calibrate the int8 ranges."""
    for image in to_model_input(images):
        yield [image[np.newaxis]]


def convert(model: keras.Model, variant: str, calibration: np.ndarray | None = None) -> bytes:
    """Keras model -> TFLite flatbuffer bytes; ``int8`` quantises weights, activations, input and output."""
    with tempfile.TemporaryDirectory() as saved_model:
        # Keras 3 models convert most reliably through a SavedModel export.
        model.export(saved_model, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        if variant == "int8":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = lambda: representative_images(calibration)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        return converter.convert()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    model = keras.models.load_model(args.keras)
    (x_train, _), _ = load_mnist(args.data)
    # A random sample of *training* images: int8 ranges are calibrated without the test set.
    rng = np.random.default_rng(args.seed)
    calibration = x_train[rng.choice(len(x_train), size=min(args.calibration_size, len(x_train)), replace=False)]
    args.out.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        path = variant_path(args.out, variant)
        path.write_bytes(convert(model, variant, calibration))
        print(f"{variant}: {path} ({path.stat().st_size / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
