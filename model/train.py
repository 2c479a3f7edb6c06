"""
Title: Digit CNN for the serverless MNIST API
Description: A small batch-normalised convnet, trained with augmentation for real pictures.

Trains on the MNIST training set (a validation split is held out of it; the test set is never
seen here), with shifts, rotations, scaling and thin/bold pens, and saves a Keras model that
`model/convert.py` turns into TensorFlow Lite.

    python -m model.train --epochs 15 --out model/artifacts
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from model.data import ARTIFACTS, load_mnist, to_model_input  # noqa: E402

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="path to mnist.npz (default: ../shared/data/mnist.npz, else download)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="peak of the one-cycle schedule")
    parser.add_argument("--validation-size", type=int, default=5000, help="held out of the training set")
    parser.add_argument("--limit", type=int, help="train on the first N training images only (smoke tests)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=ARTIFACTS)
    return parser.parse_args(argv)


"""
## Prepare the data
"""


def split_train_validation(x: np.ndarray, y: np.ndarray, validation_size: int, seed: int):
    """Shuffle once with the seed and hold the last ``validation_size`` images out for validation."""
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    validation_size = min(validation_size, len(x) // 5)
    return (x[:-validation_size], y[:-validation_size]), (x[-validation_size:], y[-validation_size:])


def random_stroke_width(images: tf.Tensor) -> tf.Tensor:
    """Per image: keep, thin (grey erosion) or thicken (grey dilation) the strokes, as pens differ."""
    dilated = tf.nn.max_pool2d(images, ksize=3, strides=1, padding="SAME")
    eroded = -tf.nn.max_pool2d(-images, ksize=2, strides=1, padding="SAME")
    # Drawn per batch from the global seed that keras.utils.set_random_seed fixed.
    choice = tf.random.uniform([tf.shape(images)[0], 1, 1, 1])
    return tf.where(choice < 0.2, eroded, tf.where(choice > 0.75, dilated, images))


def build_augmenter(seed: int) -> keras.Sequential:
    # Real digits are off-centre, tilted and bigger or smaller than MNIST's 20x20 box.
    return keras.Sequential(
        [
            layers.RandomRotation(0.04, fill_mode="constant", seed=seed),  # about +-15 degrees
            layers.RandomZoom((-0.15, 0.15), fill_mode="constant", seed=seed + 1),
            layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed + 2),
        ],
        name="augment",
    )


def make_dataset(x, y, batch_size: int, seed: int, augment: bool) -> tf.data.Dataset:
    dataset = tf.data.Dataset.from_tensor_slices((to_model_input(x), y))
    if augment:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment:
        augmenter = build_augmenter(seed)
        dataset = dataset.map(
            lambda images, labels: (random_stroke_width(augmenter(images, training=True)), labels),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


"""
## Build the model
"""


def conv_block(filters: int) -> list[layers.Layer]:
    return [
        layers.Conv2D(filters, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Conv2D(filters, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.MaxPooling2D(2),
        layers.Dropout(0.1),
    ]


def build_model() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),
            *conv_block(32),
            *conv_block(64),
            layers.Flatten(),
            layers.Dense(128, use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Dropout(0.4),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="mnist_cnn",
    )


"""
## Train
"""


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), _ = load_mnist(args.data)  # the test set stays untouched here
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    (x_fit, y_fit), (x_val, y_val) = split_train_validation(x_train, y_train, args.validation_size, args.seed)
    print(f"training on {len(x_fit)} images, validating on {len(x_val)}")

    train_ds = make_dataset(x_fit, y_fit, args.batch_size, args.seed, augment=True)
    val_ds = make_dataset(x_val, y_val, args.batch_size, args.seed, augment=False)
    steps = args.epochs * int(np.ceil(len(x_fit) / args.batch_size))
    # One cycle: warm up to the peak rate, then cosine down to almost zero.
    schedule = keras.optimizers.schedules.CosineDecay(
        args.learning_rate / 10, decay_steps=int(steps * 0.85), alpha=1e-3,
        warmup_target=args.learning_rate, warmup_steps=int(steps * 0.15),
    )
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    model.summary()
    # A live bar in a terminal, one line per epoch in logs and CI.
    verbose = 1 if sys.stdout.isatty() else 2
    # shuffle=False: the tf.data pipeline already reshuffles every epoch.
    history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=verbose, shuffle=False)

    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / "mnist_cnn.keras")
    record = {
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size,
        "learning_rate": args.learning_rate, "train_images": len(x_fit), "validation_images": len(x_val),
        "history": {name: [float(v) for v in values] for name, values in history.history.items()},
    }
    (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    val_loss, val_accuracy = model.evaluate(val_ds, verbose=0)
    print(f"validation loss: {val_loss:.4f}  validation accuracy: {val_accuracy:.4f}")


if __name__ == "__main__":
    main()
