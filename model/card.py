"""The model card: MODEL_CARD.md with a confusion-matrix plot and training curves, from metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen on build machines
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from model.model_history import history_markdown  # noqa: E402


def plot_confusion(confusion: list[list[int]], path: Path, title: str) -> None:
    matrix = np.array(confusion)
    errors = matrix.copy()
    np.fill_diagonal(errors, 0)  # colour the mistakes: the diagonal would swamp the scale
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    shown = ax.imshow(errors, cmap="Reds")
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            ax.text(col, row, str(count), ha="center", va="center", fontsize=7,
                    color="black" if row != col else "tab:blue")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit", title=title)
    fig.colorbar(shown, ax=ax, label="misread images")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_training(history: dict[str, list[float]], path: Path) -> None:
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=110)
    epochs = range(1, len(history.get("loss", [])) + 1)
    for key, ax in (("loss", loss_ax), ("accuracy", acc_ax)):
        ax.plot(epochs, history.get(key, []), label=f"training (augmented) {key}")
        ax.plot(epochs, history.get(f"val_{key}", []), label=f"validation {key}")
        ax.set(xlabel="epoch", title=key)
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_model_card(out: Path, metrics: dict, training_path: Path) -> Path:
    shipped = metrics["shipped"]
    chosen = metrics["variants"][shipped["variant"]]
    plot_confusion(chosen["confusion_matrix"], out / "confusion_matrix.png",
                   f"{shipped['variant']} on {shipped['test_images']:,} MNIST test images")
    training = json.loads(training_path.read_text()) if training_path.is_file() else {}
    if training.get("history"):
        plot_training(training["history"], out / "training_curves.png")
    rows = "\n".join(
        f"| {variant} | {r['test_accuracy']:.2%} | {r['errors']} | {r['mean_latency_us']:.1f} us | {r['size_bytes'] / 1024:.0f} KiB |"
        for variant, r in metrics["variants"].items()
    )
    per_class = "\n".join(
        f"| {digit} | {c['precision']:.4f} | {c['recall']:.4f} | {c['support']} |" for digit, c in chosen["per_class"].items()
    )
    recipe = (
        f"{training.get('epochs', '?')} epochs with full augmentation, batch {training.get('batch_size', '?')}, "
        f"Adam with a one-cycle schedule peaking at {training.get('learning_rate', '?')}; then "
        f"{training.get('finetune_epochs', 0)} epochs with light augmentation, cosine decay from "
        f"{training.get('finetune_learning_rate', '?')}; seed {training.get('seed', '?')}, "
        f"{training.get('train_images', '?')} training and {training.get('validation_images', '?')} validation "
        f"images. {training.get('note', '')}"
    )
    card = CARD.format(rows=rows, per_class=per_class, recipe=recipe, reason=shipped["reason"],
                       accuracy=shipped["test_accuracy"], variant=shipped["variant"], images=shipped["test_images"])
    path = out / "MODEL_CARD.md"
    path.write_text(card + history_markdown(metrics.get("history", [])))
    return path


CARD = """# Model card: `mnist_cnn.tflite`

Written by `model/evaluate.py` (`make train`); do not edit by hand.

## Intended use
Reading one handwritten digit (0-9) per image in the serverless digit API (`handler/`): MNIST-style
28x28 images, and pictures of a single digit after the API's preprocessing (`handler/preprocess.py`)
has found the ink, cropped it, fitted it into 20x20 and centred it by mass, as MNIST was made.
Not for: several digits in one image, letters, other scripts' numerals, or decisions about people.

## Data
MNIST (LeCun, Cortes, Burges): 60,000 training images, of which a seeded 5,000 are held out for
validation; the 10,000 test images are used only for this evaluation, never for training or tuning.
The int8 variant is calibrated on 1,000 training images.

## Architecture
A small convnet (`model/train.py`): two blocks of [3x3 conv, batch norm, ReLU] x 2 + 2x2 max pool +
dropout 0.1 (32 then 64 filters), then dense 128 with batch norm and dropout 0.4, and a 10-way softmax.
About 470k parameters.

## Training recipe
{recipe}

Augmentation for real pictures (`AUGMENTATION` in `model/train.py`): full = rotations up to about
15 degrees, zoom +-15%, shifts up to 10%, thin or bold pens (grey erosion for 20%, dilation for 25% of
images); light = about 5 degrees, +-5%, 5%, 10% and 10%.

## Results ({images:,} MNIST test images)
| variant | accuracy | errors | mean latency (1 image, LiteRT, 1 thread) | size |
| --- | --- | --- | --- | --- |
{rows}

Shipped: **{variant}**, {accuracy:.2%}. {reason}

![confusion matrix](confusion_matrix.png)

Per class (shipped variant):

| digit | precision | recall | test images |
| --- | --- | --- | --- |
{per_class}

![training curves](training_curves.png)

## Known limits
- One digit per image: with several, the largest ink region's bounding box includes them all.
- Real pictures depend on preprocessing: very low contrast, heavy clutter around the digit, or a
  background that is not roughly uniform at the image border can make the digit unreadable.
- MNIST is mostly North American handwriting; other styles (for example a crossed 7, an open 4)
  are rarer in it and read with less confidence.
- `confidence` is the softmax probability, not a calibrated guarantee.
"""
