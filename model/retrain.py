"""
Title: Retrain the digit model on users' corrections, and ship it only if it is better
Description: Feedback -> preprocess_auto -> fine-tune with MNIST replay -> TFLite -> the promotion rule.

Reads every record of the feedback store (a local folder or ``s3://bucket/prefix``), holds a fixed
share of the corrections out (by image hash), fine-tunes the shipped Keras model on the rest mixed with
MNIST training images (replay, so it does not forget), converts it (``model/convert.py``) and compares it
with the shipped model (``model/promotion.py``). Only a model that passes is promoted: it replaces
``model/artifacts/`` (what ``sam build`` ships) and gets an entry in the model history of
``model/metrics.json`` and ``model/MODEL_CARD.md``. Otherwise the current model stays and the reasons
are printed. A report of what was used and measured goes to ``--out`` either way.

    python -m model.retrain --feedback s3://bucket/feedback/ --data ../shared/data/mnist.npz
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

from model import convert  # noqa: E402
from model.data import ARTIFACTS, load_mnist  # noqa: E402
from model.feedback_data import FeedbackSet, load_feedback  # noqa: E402
from model.feedback_plan import TrainingPlan, plan_training  # noqa: E402
from model.feedback_report import DEFAULT_REPLAY, add_arguments, caps_from, plan_table  # noqa: E402
from model.model_history import history_entry  # noqa: E402
from model.promotion import Decision, Evaluation, Rule, default_conditions, judge, promote  # noqa: E402

MODEL_DIR = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--data", help="path to mnist.npz (default: ../shared/data/mnist.npz)")
    parser.add_argument("--artifacts", type=Path, default=ARTIFACTS, help="the shipped model; replaced on promotion")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR, help="metrics.json and MODEL_CARD.md")
    parser.add_argument("--replay", type=int, default=DEFAULT_REPLAY, help="MNIST training images mixed in")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4, help="small: a nudge, not a new model")
    parser.add_argument("--mnist-limit", type=int, help="judge on the first N test images (default: all 10,000)")
    parser.add_argument("--real-per-kind", type=int, default=100, help="real pictures per condition, for the rule")
    parser.add_argument("--calibration-size", type=int, default=1000, help="for the int8 conversion")
    parser.add_argument("--latency-runs", type=int, default=2000, help="for the promoted model's metrics")
    parser.add_argument("--dry-run", action="store_true", help="judge the candidate but never promote it")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=Path("build/retrain"), help="candidate model and report")
    return parser.parse_args(argv)


"""
## Prepare the data
"""


def replay_sample(x_train: np.ndarray, y_train: np.ndarray, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random sample of MNIST training images, scaled to [0, 1] as the corrections are."""
    chosen = np.random.default_rng(seed).choice(len(x_train), size=min(size, len(x_train)), replace=False)
    return x_train[chosen].astype(np.float32) / 255.0, y_train[chosen].astype(np.int64)


def fine_tuning_set(plan: TrainingPlan, replay: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    x_feedback, y_feedback = plan.fine_tune_arrays()
    x = np.concatenate([replay[0], x_feedback])[..., np.newaxis]
    return x, np.concatenate([replay[1], y_feedback])


"""
## Fine-tune the shipped model
"""


def outputs_logits(model: keras.Model) -> bool:
    """True when the last layer has no softmax: the model answers logits (10 digits, or 11 with "not a digit")."""
    last = model.layers[-1]
    return not (isinstance(last, keras.layers.Softmax) or getattr(last.activation if hasattr(last, "activation")
                                                                   else None, "__name__", "") == "softmax")


def prepare_for_fine_tuning(model: keras.Model, learning_rate: float) -> keras.Model:
    # Batch norm stays in inference mode (keras-io's fine-tuning advice): a few corrections per batch
    # must not move the statistics every other digit is normalised with.
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=outputs_logits(model)),
        metrics=["accuracy"],
    )
    return model


def fine_tune(model: keras.Model, x: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> dict[str, list[float]]:
    verbose = 1 if sys.stdout.isatty() else 2
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=True, verbose=verbose)
    return {name: [float(v) for v in values] for name, values in history.history.items()}


"""
## Convert and judge
"""


def shipped_variant(model_dir: Path) -> str:
    metrics_path = model_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return metrics.get("shipped", {}).get("variant", "int8")


def convert_candidate(model: keras.Model, args: argparse.Namespace) -> Path:
    """Save the fine-tuned model and convert it as ``make train`` does; the candidate folder holds both."""
    candidate = args.out / "candidate"
    candidate.mkdir(parents=True, exist_ok=True)
    model.save(candidate / "mnist_cnn.keras")
    convert.main(["--keras", str(candidate / "mnist_cnn.keras"), "--calibration-size", str(args.calibration_size),
                  "--seed", str(args.seed), "--out", str(candidate), *(["--data", args.data] if args.data else [])])
    return candidate


def write_report(out: Path, feedback: FeedbackSet, plan: TrainingPlan, before: Evaluation | None,
                 after: Evaluation | None, decision: Decision | None, outcome: str) -> dict:
    report = {
        "feedback": {"location": feedback.location, "records": feedback.records,
                     "readable": len(feedback.corrections), "skipped": [vars(p) for p in feedback.problems]},
        "used": plan.summary(),
        "before": vars(before) if before else None,
        "after": vars(after) if after else None,
        "decision": decision.to_dict() if decision else None,
        "outcome": outcome,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "retrain.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "RETRAIN.md").write_text(markdown(report))
    return report


def markdown(report: dict) -> str:
    used, feedback = report["used"], report["feedback"]
    lines = [
        "# Retraining on feedback", "",
        f"`{feedback['location']}`: {feedback['records']} records, {feedback['readable']} readable and consistent, "
        f"{len(feedback['skipped'])} skipped.", "",
        f"Used: {used['fine_tune_images']} corrections ({used['fine_tune_copies']} with copies) and "
        f"{used['replay_images']} MNIST training images; {used['held_out']} corrections held out; "
        f"{used['duplicates_dropped']} duplicates dropped; {used['contested_images']} images with conflicting labels "
        f"left out. Caps: {used['caps']}.", "",
        *plan_table(used),
        "", *[f"- skipped `{p['key']}` ({p['kind']}): {p['reason']}" for p in feedback["skipped"]], "",
    ]
    if report["decision"]:
        lines += ["| check | current | candidate | passed |", "| --- | ---: | ---: | --- |",
                  *[f"| {c['name']} | {c['before']:.2%} | {c['after']:.2%} | {'yes' if c['passed'] else 'NO'} |"
                    for c in report["decision"]["checks"]], ""]
    return "\n".join([*lines, f"**{report['outcome']}**", ""])


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    keras_path, current = args.artifacts / "mnist_cnn.keras", args.artifacts / "mnist_cnn.tflite"
    if not keras_path.is_file():
        raise SystemExit(f"no Keras model at {keras_path}: retraining fine-tunes it (make train writes it)")

    # Corrections: read, checked, preprocessed as /predict does, deduplicated, capped, split by hash.
    feedback = load_feedback(args.feedback, concurrency=args.concurrency)
    plan = plan_training(feedback.corrections, replay_size=args.replay, caps=caps_from(args))
    print(f"{feedback.records} records: {len(feedback.corrections)} usable, {len(feedback.problems)} skipped; "
          f"fine-tuning on {len(plan.fine_tune)} ({plan.fine_tune_copies} with copies), {len(plan.held_out)} held out")
    if not plan.fine_tune or not plan.held_out:
        outcome = "kept the current model: " + ("nothing to fine-tune on" if not plan.fine_tune else
                                                 "no held-out corrections to judge a new model by")
        print(outcome)
        return write_report(args.out, feedback, plan, None, None, None, outcome)

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    x, y = fine_tuning_set(plan, replay_sample(x_train, y_train, args.replay, args.seed))
    model = prepare_for_fine_tuning(keras.models.load_model(keras_path), args.learning_rate)
    fine_tune(model, x, y, args)
    candidate_dir = convert_candidate(model, args)
    variant = shipped_variant(args.model_dir)

    # Judge both models on the same images: MNIST test, real pictures per condition, held-out corrections.
    limit = args.mnist_limit or len(x_test)
    mnist = (x_test[:limit].astype(np.float32) / 255.0, y_test[:limit])
    conditions = default_conditions(per_kind=args.real_per_kind)
    held_out = plan.held_out_arrays()
    before, after, decision = judge(current, convert.variant_path(candidate_dir, variant), mnist=mnist,
                                    held_out=held_out, conditions=conditions, rule=Rule())
    for check in decision.checks:
        print(f"{'pass' if check.passed else 'FAIL'}  {check.name}: {check.before:.2%} -> {check.after:.2%}")

    if not decision.promote:
        outcome = "kept the current model: " + "; ".join(decision.reasons)
    elif args.dry_run:
        outcome = "the candidate passed the rule; not promoted (--dry-run)"
    else:
        entry = history_entry(location=feedback.location, records=feedback.records, skipped=len(feedback.problems),
                              plan_summary=plan.summary(), mnist_images=limit, before=vars(before), after=vars(after))
        version = promote(candidate_dir, variant, artifacts=args.artifacts, model_dir=args.model_dir, mnist=mnist,
                          latency_runs=args.latency_runs, entry=entry)
        outcome = f"promoted: model version {version} ships as {args.artifacts / 'mnist_cnn.tflite'}"
    print(outcome)
    return write_report(args.out, feedback, plan, before, after, decision, outcome)


if __name__ == "__main__":
    main()
