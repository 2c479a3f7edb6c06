"""The promotion rule: a retrained model replaces the shipped one only if it is better where it matters.

Against the current model, the candidate must (1) lose no more than 0.05 points of MNIST test accuracy,
(2) lose no more than one point on any condition of the real-picture report, and (3) read the held-out
corrections better. The real-picture check is pluggable: any callable that takes a ``.tflite`` file and
answers ``{condition: accuracy}``. Today it is ``model/evaluate_real.py``'s generated set per kind;
the independent real-picture report (``model/independent/report.py``, being written) plugs in the same way.
``promote`` then ships a candidate that passed and records it in the model history.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from handler.classifier import DigitClassifier
from handler.errors import DigitApiError
from model.card import write_model_card
from model.convert import VARIANTS, variant_path
from model.evaluate import SHIPPED_NAME, evaluate_model
from model.model_history import version_of

ConditionEvaluator = Callable[[Path], dict[str, float]]
Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Rule:
    max_mnist_drop: float = 0.0005  # 0.05 points of accuracy
    max_condition_drop: float = 0.01  # one point, on each condition


@dataclass(frozen=True)
class Evaluation:
    """One model's figures: MNIST test accuracy, accuracy per real-picture condition, on held-out corrections."""

    mnist: float
    conditions: dict[str, float]
    held_out: float
    held_out_images: int


@dataclass(frozen=True)
class Check:
    name: str
    before: float
    after: float
    passed: bool
    why: str


@dataclass
class Decision:
    checks: list[Check] = field(default_factory=list)

    @property
    def promote(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [check.why for check in self.checks if not check.passed]

    def to_dict(self) -> dict:
        return {"promote": self.promote, "reasons": self.reasons, "checks": [asdict(c) for c in self.checks]}


def accuracy(classifier: DigitClassifier, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of ``images`` read as their label (an 11th "not a digit" output, if any, counts as wrong)."""
    if len(images) == 0:
        return 0.0
    chunks = np.array_split(np.arange(len(images)), max(1, len(images) // 500))
    predicted = np.concatenate([classifier.predict(images[chunk]).argmax(axis=1) for chunk in chunks])
    return float(np.mean(predicted == labels))


def evaluate(model: Path, *, mnist: Split, held_out: Split, conditions: ConditionEvaluator) -> Evaluation:
    classifier = DigitClassifier(model)
    return Evaluation(mnist=accuracy(classifier, *mnist), conditions=conditions(model),
                      held_out=accuracy(classifier, *held_out), held_out_images=len(held_out[1]))


def decide(current: Evaluation, candidate: Evaluation, rule: Rule = Rule()) -> Decision:
    decision = Decision()
    drop = current.mnist - candidate.mnist
    decision.checks.append(Check(
        "MNIST test", current.mnist, candidate.mnist, drop <= rule.max_mnist_drop + 1e-12,
        f"MNIST test accuracy drops {drop:.2%} ({current.mnist:.2%} -> {candidate.mnist:.2%}), "
        f"more than the {rule.max_mnist_drop:.2%} allowed"))
    for name, before in current.conditions.items():
        after = candidate.conditions.get(name, 0.0)
        decision.checks.append(Check(
            f"real pictures: {name}", before, after, before - after <= rule.max_condition_drop + 1e-12,
            f"real pictures '{name}' drop {before - after:.1%} ({before:.1%} -> {after:.1%}), "
            f"more than the {rule.max_condition_drop:.0%} allowed"))
    improved = candidate.held_out_images > 0 and candidate.held_out > current.held_out
    decision.checks.append(Check(
        "held-out corrections", current.held_out, candidate.held_out, improved,
        "no held-out corrections to judge by" if candidate.held_out_images == 0 else
        f"the held-out corrections do not improve ({current.held_out:.1%} -> {candidate.held_out:.1%} "
        f"of {candidate.held_out_images})"))
    return decision


def judge(current: Path, candidate: Path, *, mnist: Split, held_out: Split, conditions: ConditionEvaluator,
          rule: Rule = Rule()) -> tuple[Evaluation, Evaluation | None, Decision]:
    """Both models on the same images, then the rule; a candidate that cannot even run is refused, not fatal."""
    before = evaluate(current, mnist=mnist, held_out=held_out, conditions=conditions)
    try:
        after = evaluate(candidate, mnist=mnist, held_out=held_out, conditions=conditions)
    except (RuntimeError, ValueError, DigitApiError) as error:  # e.g. a diverged fine-tune's int8 ranges
        return before, None, Decision([Check("candidate runs", 1.0, 0.0, False, f"the candidate cannot be run: {error}")])
    return before, after, decide(before, after, rule)


class RealPictureConditions:
    """``model/evaluate_real.py``'s generated pictures, accuracy per kind through the API's own pipeline.

    The pictures are generated and preprocessed once, then every model is read on the same inputs.
    """

    def __init__(self, seed: int = 0, per_kind: int = 100) -> None:
        self.seed, self.per_kind = seed, per_kind
        self._inputs: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    def _prepare(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        from model.evaluate_real import api_input
        from model.real_pictures import generate_set

        grouped: dict[str, tuple[list, list]] = {}
        for picture in generate_set(self.seed, self.per_kind):
            images, labels = grouped.setdefault(picture.kind, ([], []))
            try:
                images.append(api_input(picture.data).model_input)  # the first look: models compared alike
                labels.append(picture.label)
            except DigitApiError:  # the API answers an error: wrong, whatever the model
                images.append(np.zeros((28, 28), np.float32))
                labels.append(-1)
        return {kind: (np.stack(images), np.asarray(labels)) for kind, (images, labels) in grouped.items()}

    def __call__(self, model: Path) -> dict[str, float]:
        if self._inputs is None:
            self._inputs = self._prepare()
        classifier = DigitClassifier(model)
        return {kind: round(accuracy(classifier, *split), 6) for kind, split in self._inputs.items()}


def default_conditions(seed: int = 0, per_kind: int = 100) -> ConditionEvaluator:
    """The real-picture report the rule is wired to (``model/independent/report.py`` does not exist here yet)."""
    return RealPictureConditions(seed, per_kind)


def install(candidate: Path, variant: str, artifacts: Path) -> None:
    """The candidate's Keras model and both TFLite variants into ``artifacts``; ``variant`` as the shipped file."""
    shutil.copyfile(candidate / "mnist_cnn.keras", artifacts / "mnist_cnn.keras")
    for name in VARIANTS:
        shutil.copyfile(variant_path(candidate, name), variant_path(artifacts, name))
    shutil.copyfile(variant_path(candidate, variant), artifacts / SHIPPED_NAME)


def promote(candidate: Path, variant: str, *, artifacts: Path, model_dir: Path, mnist: Split, latency_runs: int,
            entry: dict) -> str:
    """Ship the candidate, measure it as ``model/evaluate.py`` does, append ``entry`` to the history: its version."""
    previous = version_of(artifacts / SHIPPED_NAME)
    install(candidate, variant, artifacts)
    version = version_of(artifacts / SHIPPED_NAME)
    metrics_path = model_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    images, labels = mnist
    calibration = metrics.get("calibration", {})  # kept: the fine-tune starts from the calibrated model
    metrics["variants"] = {name: evaluate_model(variant_path(artifacts, name), images, labels, latency_runs, calibration)
                           for name in VARIANTS}
    metrics["shipped"] = {
        "variant": variant, "file": SHIPPED_NAME, "test_accuracy": metrics["variants"][variant]["test_accuracy"],
        "test_images": len(labels),
        "reason": f"{variant} ships: fine-tuned on feedback by model/retrain.py, which judged this variant against "
                  "the one shipped before (see the model history).",
    }
    metrics["history"] = [*metrics.get("history", []), {
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "version": version, "previous_version": previous, **entry,
    }]
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    write_model_card(model_dir, metrics, training_path=artifacts / "training.json")
    return version
