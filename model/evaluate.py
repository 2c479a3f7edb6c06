"""
Title: Evaluate the TFLite digit models and choose the one to ship
Description: Reads each .tflite with the LiteRT interpreter (the one Lambda runs), on the MNIST test set.

Writes model/metrics.json, model/MODEL_CARD.md and its plots, and copies the chosen variant to
model/artifacts/mnist_cnn.tflite: the most accurate, then the fastest, then the smallest.

    python -m model.evaluate --models model/artifacts --out model
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np

from handler.classifier import NUM_DIGITS, DigitClassifier
from model.calibration import expected_calibration_error, service_answers
from model.card import write_model_card
from model.convert import VARIANTS, variant_path
from model.data import ARTIFACTS, load_mnist
from model.model_history import carried_history

SHIPPED_NAME = "mnist_cnn.tflite"
# Accuracy differences up to this (5 of 10,000 images) are noise: latency and size decide instead.
ACCURACY_TIE = 0.0005


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="path to mnist.npz")
    parser.add_argument("--models", type=Path, default=ARTIFACTS, help="folder with mnist_cnn_<variant>.tflite")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="metrics and card go here")
    parser.add_argument("--limit", type=int, help="evaluate on the first N test images only (smoke tests)")
    parser.add_argument("--latency-runs", type=int, default=2000)
    return parser.parse_args(argv)


def classification_metrics(labels: np.ndarray, predicted: np.ndarray, classes: int = NUM_DIGITS) -> dict:
    """Accuracy, per-class precision and recall, and the confusion matrix (rows: true digit, columns: the
    answer; an eleventh column counts the images refused as "not a digit", which the API answers 422)."""
    confusion = np.zeros((NUM_DIGITS, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    hits = np.diag(confusion[:, :NUM_DIGITS])
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(hits / confusion[:, :NUM_DIGITS].sum(axis=0))
        recall = np.nan_to_num(hits / confusion.sum(axis=1))
    return {
        "test_accuracy": round(float(hits.sum() / max(1, len(labels))), 6),
        "errors": int(len(labels) - hits.sum()),
        "per_class": {
            str(digit): {"precision": round(float(precision[digit]), 6), "recall": round(float(recall[digit]), 6),
                         "support": int(confusion[digit].sum())}
            for digit in range(10)
        },
        "confusion_matrix": confusion.tolist(),
    }


def confidence_metrics(probabilities: np.ndarray, labels: np.ndarray, uncertain_below: float,
                       not_a_digit_above: float) -> dict:
    """How far ``confidence`` can be trusted: ECE, confident-wrong and confident-right shares, uncertain rate."""
    answered, confidence = service_answers(probabilities, not_a_digit_above)
    correct = answered == labels
    return {
        "ece": round(expected_calibration_error(confidence, correct), 5),
        "confident_wrong": round(float(np.mean(~correct & (confidence >= 0.9))), 5),
        "confident_right": round(float(np.mean(correct & (confidence >= 0.9))), 5),
        "uncertain": round(float(np.mean(confidence < uncertain_below)), 5),
        "refused_as_not_a_digit": round(float(np.mean(answered >= NUM_DIGITS)), 5),
    }


def mean_latency_us(classifier: DigitClassifier, images: np.ndarray, runs: int) -> float:
    """Mean time of one single-image ``predict`` call (the per-request path), after a warm-up."""
    sample = images[: max(1, min(runs, len(images)))]
    for image in sample[:50]:
        classifier.predict(image)
    started = time.perf_counter()
    for image in sample:
        classifier.predict(image)
    return round((time.perf_counter() - started) / len(sample) * 1e6, 2)


def evaluate_model(path: Path, images: np.ndarray, labels: np.ndarray, latency_runs: int,
                   calibration: dict) -> dict:
    classifier = DigitClassifier(path)
    refusal = calibration.get("not_a_digit_above", 0.5)  # the service's rule: model/calibration.py
    probabilities = np.concatenate([classifier.predict(chunk) for chunk in np.array_split(images, max(1, len(images) // 500))])
    return {
        "file": path.name,
        "size_bytes": path.stat().st_size,
        "mean_latency_us": mean_latency_us(classifier, images, latency_runs),
        **classification_metrics(labels, service_answers(probabilities, refusal)[0], classifier.classes),
        **confidence_metrics(probabilities, labels, calibration.get("uncertain_below", 0.8), refusal),
    }


def choose(results: dict[str, dict]) -> tuple[str, str]:
    """The variant to ship and why: accuracy first (within ACCURACY_TIE), then latency, then size."""
    best_accuracy = max(r["test_accuracy"] for r in results.values())
    contenders = {v: r for v, r in results.items() if r["test_accuracy"] >= best_accuracy - ACCURACY_TIE}
    chosen = min(contenders, key=lambda v: (contenders[v]["mean_latency_us"], contenders[v]["size_bytes"]))
    others = ", ".join(
        f"{v}: {r['test_accuracy']:.2%}, {r['mean_latency_us']:.0f} us, {r['size_bytes'] / 1024:.0f} KiB"
        for v, r in results.items()
    )
    reason = (
        f"{chosen} ships: accuracy first (differences up to {ACCURACY_TIE:.2%} count as ties), "
        f"then mean latency, then size ({others})."
    )
    return chosen, reason


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    _, (x_test, y_test) = load_mnist(args.data)
    if args.limit:
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    images = x_test.astype(np.float32) / 255.0
    training_path = args.models / "training.json"
    training = json.loads(training_path.read_text()) if training_path.is_file() else {}
    calibration = training.get("calibration", {})
    results = {}
    for variant in VARIANTS:
        results[variant] = evaluate_model(variant_path(args.models, variant), images, y_test, args.latency_runs, calibration)
        print(f"{variant}: accuracy {results[variant]['test_accuracy']:.4%}, "
              f"{results[variant]['mean_latency_us']:.1f} us/image, {results[variant]['size_bytes']:,} bytes")
    chosen, reason = choose(results)
    shutil.copyfile(variant_path(args.models, chosen), args.models / SHIPPED_NAME)
    metrics = {
        "shipped": {"variant": chosen, "file": SHIPPED_NAME, "test_accuracy": results[chosen]["test_accuracy"],
                    "test_images": len(y_test), "reason": reason, "test_ece": results[chosen]["ece"]},
        # Fitted on validation data by model/train.py; the service reads uncertain_below from here.
        "calibration": calibration,
        "variants": results,
        "history": carried_history(args.out / "metrics.json"),  # promotions by model/retrain.py
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_model_card(args.out, metrics, training_path=training_path)
    print(reason)
    print(f"shipped model test accuracy: {results[chosen]['test_accuracy']:.4%}")


if __name__ == "__main__":
    main()
