"""
Title: An ensemble of the trained digit CNNs, as one model
Description: Averages the calibrated logits of several `model/train.py` runs (same split, other seeds) and
fits one temperature for the average on the validation split; saved as one Keras model, so conversion,
the service and its single interpreter call stay as they are.

    python -m model.ensemble --members run1/mnist_cnn.keras run2/mnist_cnn.keras --out model/artifacts
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

from model.calibration import calibrate  # noqa: E402
from model.data import ARTIFACTS, load_mnist, to_model_input  # noqa: E402
from model.train import INPUT_SHAPE, pipeline_set, split_train_validation  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=Path, nargs="+", required=True, help="saved models of model/train.py")
    parser.add_argument("--data", help="path to mnist.npz")
    parser.add_argument("--cache", type=Path, help="where model/train.py kept its synthesised sets")
    parser.add_argument("--out", type=Path, default=ARTIFACTS)
    return parser.parse_args(argv)


def combine(members: list[keras.Model]) -> keras.Model:
    """One model whose logits are the mean of the members' (each already calibrated on its own)."""
    image = keras.Input(shape=INPUT_SHAPE, name="image")
    logits = [member(image) for member in members]
    mean = layers.Average(name="mean_logits")(logits) if len(logits) > 1 else logits[0]
    return keras.Model(image, mean, name="mnist_cnn_ensemble")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    records = [json.loads((path.parent / "training.json").read_text()) for path in args.members]
    first = records[0]
    if any((r["split_seed"], r["pipeline_seed"]) != (first["split_seed"], first["pipeline_seed"]) for r in records):
        raise SystemExit("members must share --split-seed and --pipeline-seed: one validation split for all")
    members = [keras.models.load_model(path) for path in args.members]
    for index, member in enumerate(members):
        member.name = f"member_{index}"

    (x_train, y_train), _ = load_mnist(args.data)  # the test set stays untouched here
    _, (x_val, y_val) = split_train_validation(x_train, y_train, first["validation_images"],
                                                        first["split_seed"])
    count = first.get("pipeline_val_samples", 3000)  # the same synthesised validation pictures as the members'
    pipeline_val = pipeline_set(x_val, y_val, count, first["pipeline_seed"] + 1, args.cache, "val")
    x_check, y_check = np.concatenate([x_val, pipeline_val[0]]), np.concatenate([y_val, pipeline_val[1]])

    ensemble = combine(members)
    logits = ensemble.predict(to_model_input(x_check), batch_size=512, verbose=0)
    calibration = calibrate(logits, y_check, mnist_count=len(y_val))
    print(f"{len(members)} members: temperature {calibration['temperature']:.3f}, validation ECE "
          f"{calibration['ece_before']:.4f} -> {calibration['ece_after']:.4f}, accuracy {calibration['accuracy']:.4f}, "
          f"uncertain below {calibration['uncertain_below']}")
    calibrated = keras.Sequential([ensemble, layers.Rescaling(1 / calibration["temperature"], name="temperature")],
                                  name="mnist_cnn")
    args.out.mkdir(parents=True, exist_ok=True)
    calibrated.save(args.out / "mnist_cnn.keras")
    record = {**first, "members": [{"path": str(p), "seed": r["seed"], "calibration": r["calibration"]}
                                   for p, r in zip(args.members, records, strict=True)],
              "calibration": calibration}
    (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
