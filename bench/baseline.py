"""The original app's path, the baseline every figure is compared with: a Keras dense MNIST network loaded
with TensorFlow, ``model.predict`` per request, and a naive resize of any image to 28x28.

Three commands, each run in its own process by ``bench.run`` (TensorFlow never enters the others):

    python -m bench.baseline train --out bench/.cache/baseline/mlp.keras [--epochs 5] [--limit N]
    python -m bench.baseline warm --model M --inputs DIR --out FILE [--scale 0.1]
    python -m bench.baseline cold --model M --image FILE --out FILE
"""

from __future__ import annotations

import time

STARTED = time.time()  # the cold command's process start, as close as Python can read it

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The classic Keras MNIST MLP: two dense layers of 512 with dropout, softmax out.
HIDDEN_UNITS = 512
DROPOUT = 0.2
EPOCHS = 5
BATCH_SIZE = 128
SEED = 1234
MODEL_BATCHES = (1, 32)
# ~70x slower than ours per request: fewer samples than our worker's budgets, same uploads.
WARM_BUDGETS = {"png28_mnist": (60, 6.0), "jpeg_1mp_auto": (40, 5.0), "jpeg_12mp_auto": (20, 6.0),
                "batch16_mnist": (30, 5.0)}
MODEL_BUDGET = (60, 5.0)


def naive_input(data: bytes) -> Any:
    """What the original app did with any upload: greyscale, resize to 28x28, scale, flatten."""
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("L").resize((28, 28))
    return np.asarray(image, dtype=np.float32).reshape(1, 784) / 255.0


def train(out: Path, data: Path, *, epochs: int, limit: int | None) -> None:
    """Train the MLP on the MNIST training set (test set for the final accuracy only); save it + a card."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(SEED)
    with np.load(data) as mnist:
        x_train, y_train = mnist["x_train"][:limit], mnist["y_train"][:limit]
        x_test, y_test = mnist["x_test"], mnist["y_test"]
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(HIDDEN_UNITS, activation="relu"),
        keras.layers.Dropout(DROPOUT),
        keras.layers.Dense(HIDDEN_UNITS, activation="relu"),
        keras.layers.Dropout(DROPOUT),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(x_train.reshape(-1, 784) / 255.0, y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=0)
    seconds = time.perf_counter() - started
    _, accuracy = model.evaluate(x_test.reshape(-1, 784) / 255.0, y_test, verbose=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    card = {"architecture": f"784-{HIDDEN_UNITS}-{HIDDEN_UNITS}-10 MLP, dropout {DROPOUT}", "epochs": epochs,
            "train_images": len(x_train), "train_seconds": round(seconds, 1), "test_accuracy": round(float(accuracy), 4)}
    out.with_suffix(".json").write_text(json.dumps(card, indent=2))
    print(f"baseline MLP: test accuracy {accuracy:.4f} after {epochs} epochs on {len(x_train)} images")


def load(model_path: Path) -> Any:
    import keras

    return keras.models.load_model(model_path)


def answer(model: Any, uploads: list[bytes]) -> list[int]:
    """One request of the original app: naive inputs, one ``predict`` (batched, generously), argmax."""
    import numpy as np

    x = np.concatenate([naive_input(data) for data in uploads])
    return [int(d) for d in np.argmax(model.predict(x, verbose=0), axis=1)]


def warm(model_path: Path, inputs: Path, scale: float, out: Path) -> None:
    """Warm latencies of the same uploads as our worker, the model alone, and the peak RSS."""
    import numpy as np

    from bench.inputs import read_manifest, upload_bytes
    from bench.stats import Budget, peak_rss_mib, summarize, time_calls

    model = load(model_path)
    result: dict[str, Any] = {"warm": {}, "model_only": {}}
    for scenario in read_manifest(inputs):
        uploads = upload_bytes(inputs, scenario)
        budget = Budget(*WARM_BUDGETS[scenario.name]).scaled(scale)
        timings = time_calls(lambda uploads=uploads: answer(model, uploads), budget)
        digits = answer(model, uploads)
        result["warm"][scenario.name] = {
            **summarize(timings), "per_image": summarize(timings, per=len(uploads)),
            "digits": digits, "labels": scenario.labels, "correct": digits == scenario.labels,
        }
    result["peak_rss_mib"] = peak_rss_mib()
    x = np.random.default_rng(SEED).random((max(MODEL_BATCHES), 784), dtype=np.float32)
    for batch in MODEL_BATCHES:
        timings = time_calls(lambda b=batch: model.predict(x[:b], verbose=0), Budget(*MODEL_BUDGET).scaled(scale))
        result["model_only"][f"batch{batch}"] = summarize(timings, per=batch)
    out.write_text(json.dumps(result, indent=1))


def cold(model_path: Path, image: Path, out: Path) -> None:
    """A fresh process of the original app: import TensorFlow + Keras, load the model, answer once."""
    started = time.perf_counter()
    import keras  # noqa: F401 - importing is what is measured
    import tensorflow  # noqa: F401

    imported = time.perf_counter()
    model = load(model_path)
    loaded = time.perf_counter()
    digits = answer(model, [image.read_bytes()])
    done = time.perf_counter()
    out.write_text(json.dumps({
        "started_epoch": STARTED, "done_epoch": time.time(), "import_s": imported - started,
        "load_s": loaded - imported, "first_request_s": done - loaded, "digits": digits,
    }))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    trainer = commands.add_parser("train")
    trainer.add_argument("--out", type=Path, required=True)
    trainer.add_argument("--data", type=Path, required=True)
    trainer.add_argument("--epochs", type=int, default=EPOCHS)
    trainer.add_argument("--limit", type=int, help="train on the first N training images only (quick mode)")
    worker = commands.add_parser("warm")
    worker.add_argument("--model", type=Path, required=True)
    worker.add_argument("--inputs", type=Path, required=True)
    worker.add_argument("--scale", type=float, default=1.0)
    worker.add_argument("--out", type=Path, required=True)
    child = commands.add_parser("cold")
    child.add_argument("--model", type=Path, required=True)
    child.add_argument("--image", type=Path, required=True)
    child.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.command == "train":
        train(args.out, args.data, epochs=args.epochs, limit=args.limit)
    elif args.command == "warm":
        warm(args.model, args.inputs, args.scale, args.out)
    else:
        cold(args.model, args.image, args.out)


if __name__ == "__main__":
    main()
