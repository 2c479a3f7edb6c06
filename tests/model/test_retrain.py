"""make retrain: corrections of one confusable pair -> a short fine-tune -> promoted only by the rule.

The base model is a small one trained here in seconds (the shipped architecture, 4,000 images, two
epochs), so the tests never touch model/artifacts; MNIST is judged on 1,000 test images and the real
pictures on 5 per condition (the command's defaults are 10,000 and 100).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from handler.feedback import LocalFeedbackStore, S3FeedbackStore
from tests.conftest import MNIST_PATH
from tests.model.feedback_builders import confusable_corrections, store, write_corrupt

SHORT = ["--data", str(MNIST_PATH), "--replay", "4000", "--epochs", "2", "--learning-rate", "3e-4",
         "--max-label-share", "0.03", "--real-per-kind", "10", "--calibration-size", "100", "--latency-runs", "20"]


@pytest.fixture(scope="module")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quickly trained model of the shipped architecture, converted, shipped as int8 in its own folder."""
    import keras

    from model import convert
    from model.data import load_mnist, to_model_input
    from model.train import build_model

    keras.utils.set_random_seed(0)
    (x_train, y_train), _ = load_mnist(MNIST_PATH)
    model = build_model()
    for layer in model.layers:  # settle the batch-norm statistics within 126 steps
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.9
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(to_model_input(x_train[:4000]), y_train[:4000], epochs=2, batch_size=64, verbose=0)
    folder = tmp_path_factory.mktemp("base")
    model.save(folder / "mnist_cnn.keras")
    convert.main(["--data", str(MNIST_PATH), "--keras", str(folder / "mnist_cnn.keras"), "--calibration-size", "100",
                  "--out", str(folder)])
    shutil.copyfile(folder / "mnist_cnn_int8.tflite", folder / "mnist_cnn.tflite")
    return folder


def copy_of(base_model: Path, folder: Path) -> dict[str, Path]:
    """A fresh copy of the base model as the shipped artifacts, and an empty model folder for metrics and card."""
    shutil.copytree(base_model, folder / "artifacts")
    (folder / "model").mkdir()
    return {"artifacts": folder / "artifacts", "model": folder / "model", "out": folder / "out"}


@pytest.fixture
def shipped(base_model: Path, tmp_path: Path) -> dict[str, Path]:
    return copy_of(base_model, tmp_path)


def retrain(feedback: str, shipped: dict[str, Path], *extra: str) -> dict:
    from model import retrain as command

    return command.main(["--feedback", feedback, "--artifacts", str(shipped["artifacts"]),
                         "--model-dir", str(shipped["model"]), "--out", str(shipped["out"]), *SHORT, *extra])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@pytest.fixture(scope="module")
def confusable() -> list:
    return confusable_corrections(60)


@pytest.fixture(scope="module")
def promoted(base_model: Path, confusable, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One retrain on a local folder: 60 corrections of long-flagged 1s read as 7, and corrupt records."""
    folder = tmp_path_factory.mktemp("promoted")
    store(LocalFeedbackStore(folder / "fb"), confusable)
    corrupt = write_corrupt(folder / "fb")
    shipped = copy_of(base_model, folder)
    previous = digest(shipped["artifacts"] / "mnist_cnn.tflite")
    return {"report": retrain(str(folder / "fb"), shipped), "previous": previous, "corrupt": corrupt, **shipped}


@pytest.mark.slow
def test_retrain_promotes_a_model_that_reads_the_corrections_better(promoted) -> None:
    report = promoted["report"]
    assert report["after"]["held_out"] > report["before"]["held_out"]
    assert report["after"]["mnist"] >= report["before"]["mnist"] - 0.0005
    assert report["decision"]["promote"], report["outcome"]
    version = digest(promoted["artifacts"] / "mnist_cnn.tflite")
    assert version != promoted["previous"]
    assert report["outcome"].startswith(f"promoted: model version {version}")


@pytest.mark.slow
def test_retrain_records_the_promotion_in_the_model_history(promoted) -> None:
    metrics = json.loads((promoted["model"] / "metrics.json").read_text())
    [entry] = metrics["history"]
    assert entry["previous_version"] == promoted["previous"]
    assert entry["version"] == digest(promoted["artifacts"] / "mnist_cnn.tflite")
    assert entry["data"]["records"] == 67 and entry["data"]["skipped"] == 7
    assert entry["data"]["held_out"] + entry["data"]["fine_tune_images"] == 60
    assert entry["after"]["held_out"] > entry["before"]["held_out"]
    assert metrics["shipped"]["test_accuracy"] == pytest.approx(entry["after"]["mnist"], abs=1e-6)
    card = (promoted["model"] / "MODEL_CARD.md").read_text()
    assert "## Model history" in card and f"`{promoted['previous']}` -> `{entry['version']}`" in card


@pytest.mark.slow
def test_retrain_skips_and_reports_corrupt_records(promoted) -> None:
    report = promoted["report"]
    assert {p["key"]: p["kind"] for p in report["feedback"]["skipped"]} == promoted["corrupt"]
    assert report["feedback"]["readable"] == 60
    text = (promoted["out"] / "RETRAIN.md").read_text()
    assert all(f"`{key}` ({kind})" in text for key, kind in promoted["corrupt"].items())


@pytest.mark.slow
def test_retrain_reads_feedback_from_s3(bucket: str, confusable, shipped) -> None:
    store(S3FeedbackStore(bucket), confusable)
    before = digest(shipped["artifacts"] / "mnist_cnn.tflite")
    report = retrain(f"s3://{bucket}/feedback/", shipped, "--dry-run")
    assert report["feedback"]["readable"] == 60
    assert report["after"]["held_out"] > report["before"]["held_out"]
    assert report["outcome"] == "the candidate passed the rule; not promoted (--dry-run)"
    assert digest(shipped["artifacts"] / "mnist_cnn.tflite") == before


@pytest.mark.slow
def test_retrain_keeps_the_current_model_when_the_candidate_regresses(confusable, shipped, tmp_path: Path) -> None:
    store(LocalFeedbackStore(tmp_path / "fb"), confusable)
    before = digest(shipped["artifacts"] / "mnist_cnn.tflite")
    # A step size fifty times too large: a deliberately damaged candidate.
    report = retrain(str(tmp_path / "fb"), shipped, "--learning-rate", "0.015")
    assert not report["decision"]["promote"]
    # Refused as the rule says: MNIST drops, or the damaged int8 file cannot even run (which one varies).
    assert report["outcome"].startswith(("kept the current model: MNIST test accuracy drops",
                                         "kept the current model: the candidate cannot be run"))
    assert digest(shipped["artifacts"] / "mnist_cnn.tflite") == before
    assert not (shipped["model"] / "metrics.json").exists()


def test_retrain_keeps_the_model_when_nothing_can_be_used(tmp_path: Path) -> None:
    from model import retrain as command

    write_corrupt(tmp_path / "fb")
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "mnist_cnn.keras").write_bytes(b"not read: nothing to train on")
    report = command.main(["--feedback", str(tmp_path / "fb"), "--artifacts", str(tmp_path / "artifacts"),
                           "--out", str(tmp_path / "out")])
    assert report["outcome"] == "kept the current model: nothing to fine-tune on"
    assert len(report["feedback"]["skipped"]) == 7


def test_retrain_needs_the_keras_model(tmp_path: Path) -> None:
    from model import retrain as command

    with pytest.raises(SystemExit, match="no Keras model"):
        command.main(["--feedback", str(tmp_path), "--artifacts", str(tmp_path)])


@pytest.mark.parametrize(("activation", "logits"), [(None, True), ("softmax", False)])
def test_outputs_logits_follows_the_last_layer(activation: str | None, logits: bool) -> None:
    """Today's model ends in a 10-way softmax; the next one answers 11 logits ("not a digit" last)."""
    import keras

    from model.retrain import outputs_logits

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(11 if logits else 10, activation=activation)])
    assert outputs_logits(model) is logits
    assert np.asarray(model(np.zeros((1, 28, 28, 1)))).shape == (1, 11 if logits else 10)
