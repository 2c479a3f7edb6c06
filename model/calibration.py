"""Honest confidence: temperature scaling, expected calibration error, and the "uncertain" threshold.

Pure numpy, so the evaluation scripts and tests use it without TensorFlow. Everything is fitted on
the validation split (MNIST validation images + pictures synthesised from them), never on test data.
"""

from __future__ import annotations

import numpy as np

NOT_A_DIGIT = 10
ECE_BINS = 15
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 241))
# "uncertain" when the answer's probability is under the threshold: the lowest on this grid at which the
# answers above it are right at least TARGET_PRECISION of the time on the validation pictures.
THRESHOLDS = np.round(np.arange(0.50, 0.951, 0.01), 2)
TARGET_PRECISION = 0.98
# A picture is refused as "not a digit" from this P(not a digit) on: the lowest on the grid at which at most
# MAX_REFUSED of the MNIST validation digits would be refused (a refused digit is a wrong answer).
REFUSALS = np.round(np.arange(0.50, 0.991, 0.01), 2)
MAX_REFUSED = 0.0005


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    probabilities = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, None))))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (a grid search: one parameter)."""
    losses = [nll(logits, labels, t) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by the answers in each."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    if confidence.size == 0:
        return 0.0
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        chosen = index == b
        if chosen.any():
            total += chosen.sum() * abs(correct[chosen].mean() - confidence[chosen].mean())
    return float(total / confidence.size)


def choose_threshold(confidence: np.ndarray, correct: np.ndarray) -> float:
    """The lowest threshold above which answers are right at least ``TARGET_PRECISION`` of the time."""
    for threshold in THRESHOLDS:
        kept = confidence >= threshold
        if kept.any() and correct[kept].mean() >= TARGET_PRECISION:
            return float(threshold)
    return float(THRESHOLDS[-1])


def choose_refusal(not_a_digit: np.ndarray) -> float:
    """The lowest P(not a digit) threshold that refuses at most ``MAX_REFUSED`` of these digit pictures."""
    for threshold in REFUSALS:
        if np.mean(not_a_digit >= threshold) <= MAX_REFUSED:
            return float(threshold)
    return float(REFUSALS[-1])


def service_answers(probabilities: np.ndarray, not_a_digit_above: float) -> tuple[np.ndarray, np.ndarray]:
    """(answer, confidence) as the service gives them: NOT_A_DIGIT from ``not_a_digit_above`` on, else the
    likeliest digit with its probability."""
    digits = probabilities[:, :NOT_A_DIGIT]
    answer = digits.argmax(axis=1)
    confidence = digits[np.arange(len(answer)), answer]
    if probabilities.shape[1] > NOT_A_DIGIT:
        refused = probabilities[:, NOT_A_DIGIT] >= not_a_digit_above
        answer = np.where(refused, NOT_A_DIGIT, answer)
        confidence = np.where(refused, probabilities[:, NOT_A_DIGIT], confidence)
    return answer, confidence


def calibrate(logits: np.ndarray, labels: np.ndarray, *, mnist_count: int) -> dict:
    """Temperature, ECE before and after, and the uncertain threshold, from validation logits.

    The first ``mnist_count`` rows are MNIST validation images, the rest synthesised pictures: the threshold
    is chosen on the pictures (the harder, realistic part), the temperature on everything."""
    labels = np.asarray(labels, dtype=np.int64)
    temperature = fit_temperature(logits, labels)
    before, after = softmax(logits), softmax(logits, temperature)
    refusal = choose_refusal(after[:mnist_count, NOT_A_DIGIT]) if logits.shape[1] > NOT_A_DIGIT else 1.0
    predicted_before, confidence_before = service_answers(before, refusal)
    predicted, confidence = service_answers(after, refusal)
    correct = predicted == labels
    pictures = slice(mnist_count, None)
    threshold = choose_threshold(confidence[pictures], correct[pictures]) if len(labels) > mnist_count else 0.8
    return {
        "temperature": round(temperature, 4),
        "ece_before": round(expected_calibration_error(confidence_before, predicted_before == labels), 5),
        "ece_after": round(expected_calibration_error(confidence, correct), 5),
        "uncertain_below": threshold,
        "target_precision": TARGET_PRECISION,
        "not_a_digit_above": refusal,
        "max_refused": MAX_REFUSED,
        "accuracy": round(float(correct.mean()), 5),
        "validation_rows": int(len(labels)),
    }
