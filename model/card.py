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
    columns = matrix.shape[1]
    ax.set(xticks=range(columns), yticks=range(10), xlabel="answer", ylabel="true digit", title=title)
    ax.set_xticklabels([str(c) for c in range(10)] + (["none"] if columns > 10 else []))
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
    start = (  # a fine-tune of an earlier model (model/train.py --init-from) trains no full epochs itself
        "Fine-tuned from earlier members (see below): "
        if training.get("init_from") else
        f"{training.get('epochs', '?')} epochs with full augmentation, batch {training.get('batch_size', '?')}, "
        f"Adam with a one-cycle schedule peaking at {training.get('learning_rate', '?')}; then "
    )
    recipe = (
        f"{start}{training.get('finetune_epochs', 0)} epochs with light augmentation, cosine decay from "
        f"{training.get('finetune_learning_rate', '?')}; seed {training.get('seed', '?')}, "
        f"{training.get('train_images', '?')} training and {training.get('validation_images', '?')} validation "
        f"images. {training.get('note', '')}"
    )
    pipeline = training.get("pipeline_train") or []
    calibration = metrics.get("calibration") or {}
    card = CARD.format(rows=rows, per_class=per_class, recipe=recipe, reason=shipped["reason"],
                       accuracy=shipped["test_accuracy"], variant=shipped["variant"], images=shipped["test_images"],
                       pipeline_digits=sum(pipeline[:10]), pipeline_none=sum(pipeline[10:]),
                       share=training.get("pipeline_share", 0), calibration=_calibration_text(calibration, chosen))
    path = out / "MODEL_CARD.md"
    path.write_text(card + history_markdown(metrics.get("history", [])))
    return path


def _calibration_text(calibration: dict, chosen: dict) -> str:
    if not calibration:
        return "No calibration recorded: `confidence` is the raw softmax probability."
    return (
        f"A temperature of {calibration['temperature']} (fitted by negative log-likelihood on the validation split: "
        f"MNIST validation images and pictures synthesised from them) is folded into the model's logits. "
        f"Expected calibration error (15 bins) on validation: {calibration['ece_before']:.4f} before, "
        f"{calibration['ece_after']:.4f} after. On the MNIST test set (shipped variant): ECE {chosen.get('ece', 0):.4f}; "
        f"wrong with confidence >= 0.9: {chosen.get('confident_wrong', 0):.2%} of answers; right with confidence "
        f">= 0.9: {chosen.get('confident_right', 0):.2%}; refused as not a digit: "
        f"{chosen.get('refused_as_not_a_digit', 0):.2%}.\n\n"
        f"`uncertain` is true below a confidence of **{calibration['uncertain_below']}**: the lowest threshold at "
        f"which answers above it were right at least {calibration['target_precision']:.0%} of the time on the "
        f"synthesised validation pictures (`model/calibration.py`). A picture is refused as not a digit (422) "
        f"when P(not a digit) >= {calibration.get('not_a_digit_above', 0.5)}: the lowest threshold that refused at most "
        f"{calibration.get('max_refused', 0):.2%} of the MNIST validation digits. On the MNIST test set "
        f"{chosen.get('uncertain', 0):.2%} of answers are uncertain. Photos and other pictures: see "
        f"[INDEPENDENT_PICTURES.md](INDEPENDENT_PICTURES.md) (ECE per condition, on a generator written apart "
        f"from the training one)."
    )


CARD = """# Model card: `mnist_cnn.tflite`

Written by `model/evaluate.py` (`make train`); do not edit by hand.

## Intended use
Reading one handwritten digit (0-9) per image in the serverless digit API (`handler/`): MNIST-style
28x28 images, and pictures of a single digit after the API's preprocessing (`handler/preprocess.py`)
has found the ink, cropped it, fitted it into 20x20 and centred it by mass, as MNIST was made. An
eleventh output, "not a digit", lets the API refuse letters, scribbles, shapes and several digits (422).
Not for: reading numbers of several digits (that is `/predict/number`, which segments first), other
scripts' numerals, or decisions about people.

## Data
MNIST (LeCun, Cortes, Burges): 60,000 training images, of which a seeded 5,000 are held out for
validation; the 10,000 test images are used only for this evaluation, never for training or tuning.
Mixed into every batch ({share:.0%} of it): {pipeline_digits:,} pictures synthesised from the training split
(MNIST training digits and stroke-drawn digits written on photographed paper with shadow bands, vignettes,
hotspots, ruled and squared paper, the desk and fingers in frame, or drawn on screens and canvases;
`model/photos.py`, `model/pipeline_data.py`) and {pipeline_none:,} of letters, scribbles, shapes and 2-3 digit
numbers (class "not a digit"), each passed through the service's own decode and `preprocess_auto`, so the
network learns the pipeline's artifacts. Validation pictures are synthesised from the validation split
only. The int8 variant is calibrated on 1,000 training images.

## Architecture
A small convnet (`model/train.py`): two blocks of [3x3 conv, batch norm, ReLU] x 2 + 2x2 max pool +
dropout 0.1 (32 then 64 filters), then dense 128 with batch norm and dropout 0.4, and 11 logits
(digits 0-9 and "not a digit") divided by the calibration temperature; the service applies the softmax.
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

## Confidence and "uncertain"
{calibration}

## Known limits
- One digit per image: several digits are usually refused as "not a digit" (422), not read.
- Real pictures depend on preprocessing: very low contrast, heavy clutter around the digit, or a
  background that is not roughly uniform at the image border can make the digit unreadable.
- MNIST is mostly North American handwriting; other styles (for example a crossed 7, an open 4)
  are rarer in it and read with less confidence.
- Calibration is fitted on synthesised pictures: on pictures unlike them it is an estimate, not a guarantee.
"""
