"""
Title: Digit CNN for the serverless MNIST API
Description: A small batch-normalised convnet, trained with augmentation for real pictures.

Trains on the MNIST training set (a validation split is held out of it; the test set is never
seen here), with shifts, rotations, scaling and thin/bold pens, mixed with pictures synthesised
from the training split and passed through the service's own preprocessing (`model/pipeline_data.py`:
photos, screens, canvases, and an eleventh class, "not a digit"). The network ends in 11 logits;
a temperature fitted on the validation split calibrates them and is folded into the saved model,
which `model/convert.py` turns into TensorFlow Lite.

    python -m model.train --epochs 16 --out model/artifacts
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

from model.calibration import calibrate  # noqa: E402
from model.data import ARTIFACTS, load_mnist, to_model_input  # noqa: E402

NUM_CLASSES = 11  # digits 0-9 and NOT_A_DIGIT (model/pipeline_data.py)
INPUT_SHAPE = (28, 28, 1)
PIPELINE_SHARE = 0.35  # of each training batch drawn from the pipeline set, the rest from MNIST itself


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="path to mnist.npz (default: ../shared/data/mnist.npz, else download)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="peak of the one-cycle schedule")
    parser.add_argument("--finetune-epochs", type=int, default=4, help="then this many with light augmentation")
    parser.add_argument("--finetune-learning-rate", type=float, default=3e-4)
    parser.add_argument("--init-from", type=Path, help="start from this saved model and run only the fine-tuning")
    parser.add_argument("--validation-size", type=int, default=5000, help="held out of the training set")
    parser.add_argument("--limit", type=int, help="train on the first N training images only (smoke tests)")
    parser.add_argument("--pipeline-samples", type=int, default=24000, help="synthesised from the training split")
    parser.add_argument("--pipeline-val-samples", type=int, default=3000, help="synthesised from the validation split")
    parser.add_argument("--pipeline-share", type=float, default=PIPELINE_SHARE, help="of each batch")
    parser.add_argument("--cache", type=Path, help="keep the synthesised sets here and reuse them when present")
    parser.add_argument("--pipeline-stroke-share", type=float,
                        help="of the synthesised training digits, stroke-drawn in styles MNIST lacks "
                             "(default: model/pipeline_data.py's); a fine-tune can lean on them")
    parser.add_argument("--pipeline-seed", type=int, help="seed of the synthesised sets (default: --split-seed + 10); "
                        "ensemble members share the split and the sets, and differ in --seed")
    parser.add_argument("--seed", type=int, default=1234, help="weights, shuffling and augmentation")
    parser.add_argument("--split-seed", type=int, default=1234, help="which training images are held out")
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


# Real digits are off-centre, tilted, bigger or smaller than MNIST's 20x20 box, drawn with thin or bold
# pens. "full" teaches that; "light" fine-tunes closer to MNIST itself at the end.
AUGMENTATION = {
    # rotation (fraction of a turn), zoom, shift (fraction of the side), P(thinner pen), P(bolder pen)
    "full": {"rotation": 0.04, "zoom": 0.15, "shift": 0.1, "thin": 0.2, "bold": 0.25},  # ~15 degrees
    "light": {"rotation": 0.015, "zoom": 0.05, "shift": 0.05, "thin": 0.1, "bold": 0.1},  # ~5 degrees
}


def random_stroke_width(images: tf.Tensor, thin: float, bold: float) -> tf.Tensor:
    """Per image: keep, thin (grey erosion) or thicken (grey dilation) the strokes, as pens differ."""
    dilated = tf.nn.max_pool2d(images, ksize=3, strides=1, padding="SAME")
    eroded = -tf.nn.max_pool2d(-images, ksize=2, strides=1, padding="SAME")
    # Drawn per batch from the global seed that keras.utils.set_random_seed fixed.
    choice = tf.random.uniform([tf.shape(images)[0], 1, 1, 1])
    return tf.where(choice < thin, eroded, tf.where(choice > 1 - bold, dilated, images))


def build_augmenter(seed: int, rotation: float, zoom: float, shift: float) -> keras.Sequential:
    return keras.Sequential(
        [
            layers.RandomRotation(rotation, fill_mode="constant", seed=seed),
            layers.RandomZoom((-zoom, zoom), fill_mode="constant", seed=seed + 1),
            layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed + 2),
        ],
        name="augment",
    )


def make_dataset(x, y, batch_size: int, seed: int, augment: str | None, pipeline=None,
                 share: float = PIPELINE_SHARE) -> tf.data.Dataset:
    """Batches of MNIST (augmented), with ``share`` of each drawn from ``pipeline`` (x, y) when given."""
    dataset = tf.data.Dataset.from_tensor_slices((to_model_input(x), y.astype(np.int64)))
    if augment:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if pipeline is not None:
        extra = tf.data.Dataset.from_tensor_slices((to_model_input(pipeline[0]), pipeline[1].astype(np.int64)))
        extra = extra.shuffle(len(pipeline[0]), seed=seed + 3, reshuffle_each_iteration=True).repeat()
        dataset = tf.data.Dataset.sample_from_datasets(
            [dataset, extra], weights=[1 - share, share], seed=seed, stop_on_empty_dataset=True
        )
    dataset = dataset.batch(batch_size)
    if augment:
        params = AUGMENTATION[augment]
        augmenter = build_augmenter(seed, params["rotation"], params["zoom"], params["shift"])
        dataset = dataset.map(
            lambda images, labels: (
                random_stroke_width(augmenter(images, training=True), params["thin"], params["bold"]), labels
            ),
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
            layers.Dense(NUM_CLASSES, name="logits"),  # softmax at inference, after calibration
        ],
        name="mnist_cnn",
    )


"""
## Train
"""


def fit(model: keras.Model, schedule, train_ds, val_ds, epochs: int, history: dict[str, list[float]]) -> None:
    """Compile with a fresh Adam on ``schedule``, train, and append the epochs to ``history``."""
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    # A live bar in a terminal, one line per epoch in logs and CI. shuffle=False: tf.data reshuffles.
    verbose = 1 if sys.stdout.isatty() else 2
    result = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=verbose, shuffle=False)
    for name, values in result.history.items():
        history.setdefault(name, []).extend(float(v) for v in values)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), _ = load_mnist(args.data)  # the test set stays untouched here
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    (x_fit, y_fit), (x_val, y_val) = split_train_validation(x_train, y_train, args.validation_size, args.split_seed)
    # Pictures synthesised from each split alone: no validation digit is ever trained on.
    pipeline_seed = args.split_seed + 10 if args.pipeline_seed is None else args.pipeline_seed
    pipeline_fit = pipeline_set(x_fit, y_fit, args.pipeline_samples, pipeline_seed, args.cache, "train",
                                stroke_share=args.pipeline_stroke_share)
    pipeline_val = pipeline_set(x_val, y_val, args.pipeline_val_samples, pipeline_seed + 1, args.cache, "val")
    print(f"training on {len(x_fit)} MNIST images + {len(pipeline_fit[1])} pipeline pictures, "
          f"validating on {len(x_val)} + {len(pipeline_val[1])}")

    x_check, y_check = np.concatenate([x_val, pipeline_val[0]]), np.concatenate([y_val, pipeline_val[1]])
    val_ds = make_dataset(x_check, y_check, args.batch_size, args.seed, augment=None)
    share = args.pipeline_share if len(pipeline_fit[1]) else 0.0
    steps_per_epoch = int(np.ceil(len(x_fit) / (1 - share) / args.batch_size))
    extra = pipeline_fit if len(pipeline_fit[1]) else None
    history: dict[str, list[float]] = {}
    if args.init_from:
        model = keras.models.load_model(args.init_from)
        print(f"starting from {args.init_from}: fine-tuning only")
    else:
        model = build_model()
        model.summary()
        steps = args.epochs * steps_per_epoch
        # One cycle: warm up to the peak rate, then cosine down to almost zero.
        schedule = keras.optimizers.schedules.CosineDecay(
            args.learning_rate / 10, decay_steps=int(steps * 0.85), alpha=1e-3,
            warmup_target=args.learning_rate, warmup_steps=int(steps * 0.15),
        )
        full = make_dataset(x_fit, y_fit, args.batch_size, args.seed, "full", extra, share)
        fit(model, schedule, full, val_ds, args.epochs, history)
    if args.finetune_epochs:
        schedule = keras.optimizers.schedules.CosineDecay(
            args.finetune_learning_rate, decay_steps=args.finetune_epochs * steps_per_epoch, alpha=1e-2
        )
        light = make_dataset(x_fit, y_fit, args.batch_size, args.seed + 1, "light", extra, share)
        fit(model, schedule, light, val_ds, args.finetune_epochs, history)

    """
    ## Calibrate
    """
    logits = model.predict(to_model_input(x_check), batch_size=512, verbose=0)
    calibration = calibrate(logits, y_check, mnist_count=len(y_val))
    print(f"temperature {calibration['temperature']:.3f}: validation ECE {calibration['ece_before']:.4f} -> "
          f"{calibration['ece_after']:.4f}; uncertain below {calibration['uncertain_below']}")
    calibrated = keras.Sequential([model, layers.Rescaling(1 / calibration["temperature"], name="temperature")],
                                  name="mnist_cnn")

    args.out.mkdir(parents=True, exist_ok=True)
    calibrated.save(args.out / "mnist_cnn.keras")
    record = {
        "seed": args.seed, "split_seed": args.split_seed, "pipeline_seed": pipeline_seed, "epochs": 0 if args.init_from else args.epochs, "batch_size": args.batch_size,
        "learning_rate": args.learning_rate, "finetune_epochs": args.finetune_epochs,
        "finetune_learning_rate": args.finetune_learning_rate,
        "init_from": str(args.init_from) if args.init_from else None,
        "train_images": len(x_fit), "validation_images": len(x_val),
        "pipeline_train": np.bincount(pipeline_fit[1], minlength=NUM_CLASSES).tolist(),
        "pipeline_validation": np.bincount(pipeline_val[1], minlength=NUM_CLASSES).tolist(),
        "pipeline_samples": args.pipeline_samples, "pipeline_val_samples": args.pipeline_val_samples,
        "pipeline_stroke_share": args.pipeline_stroke_share,
        "pipeline_share": share, "calibration": calibration, "history": history,
    }
    (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"validation accuracy (MNIST + pipeline, 11 classes): {calibration['accuracy']:.4f}")


def pipeline_set(x, y, count: int, seed: int, cache: Path | None, split: str,
                 stroke_share: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``count`` pictures from (x, y) through the service's preprocessing; cached as .npz when asked."""
    if count <= 0:
        return np.zeros((0, 28, 28), np.uint8), np.zeros((0,), np.uint8)
    share = "" if stroke_share is None else f"-strokes{stroke_share:g}"
    path = cache / f"pipeline-{split}-{seed}-{count}-{len(x)}{share}.npz" if cache else None
    if path and path.is_file():
        with np.load(path) as stored:
            return stored["x"], stored["y"]
    from model.pipeline_data import STROKE_DIGIT_SHARE, build

    images, labels = build(x, y, count, seed, stroke_share=STROKE_DIGIT_SHARE if stroke_share is None else stroke_share)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, x=images, y=labels)
    return images, labels


if __name__ == "__main__":
    main()
