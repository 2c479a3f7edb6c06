"""The real training, conversion and evaluation scripts, end to end on a small subset (a smoke test)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import MNIST_PATH

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """train -> convert -> evaluate on a few hundred images, one short epoch, as `make train` chains them."""
    from model import convert, evaluate, train

    artifacts = tmp_path_factory.mktemp("artifacts")
    report = tmp_path_factory.mktemp("report")
    data = ["--data", str(MNIST_PATH)]
    train.main([*data, "--limit", "600", "--validation-size", "100", "--epochs", "1", "--finetune-epochs", "1", "--batch-size", "64",
                "--pipeline-samples", "60", "--pipeline-val-samples", "30", "--out", str(artifacts)])
    convert.main([*data, "--keras", str(artifacts / "mnist_cnn.keras"), "--calibration-size", "64",
                  "--out", str(artifacts)])
    evaluate.main([*data, "--models", str(artifacts), "--out", str(report), "--limit", "500",
                   "--latency-runs", "50"])
    return {"artifacts": artifacts, "report": report}


def test_train_writes_model_and_history(pipeline):
    artifacts = pipeline["artifacts"]
    assert (artifacts / "mnist_cnn.keras").stat().st_size > 100_000
    record = json.loads((artifacts / "training.json").read_text())
    assert record["train_images"] == 500 and record["validation_images"] == 100
    assert len(record["history"]["loss"]) == 2 and "val_accuracy" in record["history"]  # both phases
    assert sum(record["pipeline_train"]) > 40 and len(record["pipeline_train"]) == 11  # digits + not a digit
    assert record["calibration"]["temperature"] > 0 and 0.5 <= record["calibration"]["uncertain_below"] <= 0.95


def test_convert_writes_float32_and_int8(pipeline):
    from handler.classifier import DigitClassifier

    float_model = DigitClassifier(pipeline["artifacts"] / "mnist_cnn_float32.tflite")
    int8_model = DigitClassifier(pipeline["artifacts"] / "mnist_cnn_int8.tflite")
    assert float_model.input_dtype == np.float32
    assert int8_model.input_dtype == np.int8
    assert (pipeline["artifacts"] / "mnist_cnn_int8.tflite").stat().st_size < (
        pipeline["artifacts"] / "mnist_cnn_float32.tflite").stat().st_size / 2


def test_convert_tflite_agrees_with_keras(pipeline, mnist_test):
    """The conversion round trip: TFLite float32 and Keras give the same digit on >= 99.5% of a sample."""
    import keras

    from handler.classifier import DigitClassifier

    images = mnist_test[0][:1000].astype(np.float32) / 255.0
    keras_digits = keras.models.load_model(pipeline["artifacts"] / "mnist_cnn.keras").predict(
        images[..., np.newaxis], verbose=0).argmax(axis=1)
    tflite_digits = DigitClassifier(pipeline["artifacts"] / "mnist_cnn_float32.tflite").predict(images).argmax(axis=1)
    assert np.mean(keras_digits == tflite_digits) >= 0.995


def test_evaluate_writes_metrics_for_both_variants(pipeline):
    metrics = json.loads((pipeline["report"] / "metrics.json").read_text())
    assert set(metrics["variants"]) == {"float32", "int8"}
    for result in metrics["variants"].values():
        confusion = np.array(result["confusion_matrix"])
        assert confusion.shape == (10, 11) and confusion.sum() == 500  # the last column: refused as not a digit
        assert result["test_accuracy"] == pytest.approx(np.trace(confusion[:, :10]) / 500)
        assert 0.0 <= result["ece"] <= 1.0 and 0.0 <= result["uncertain"] <= 1.0
        assert set(result["per_class"]) == {str(d) for d in range(10)}
        assert result["size_bytes"] > 0 and result["mean_latency_us"] > 0
    assert metrics["shipped"]["variant"] in metrics["variants"]
    assert metrics["shipped"]["reason"].startswith(metrics["shipped"]["variant"])


def test_evaluate_ships_a_copy_of_the_chosen_variant(pipeline):
    metrics = json.loads((pipeline["report"] / "metrics.json").read_text())
    chosen = pipeline["artifacts"] / metrics["variants"][metrics["shipped"]["variant"]]["file"]
    assert (pipeline["artifacts"] / "mnist_cnn.tflite").read_bytes() == chosen.read_bytes()


def test_evaluate_writes_model_card_with_plots(pipeline):
    card = (pipeline["report"] / "MODEL_CARD.md").read_text()
    assert "## Intended use" in card and "## Known limits" in card and "float32" in card and "int8" in card
    for plot in ("confusion_matrix.png", "training_curves.png"):
        assert (pipeline["report"] / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

