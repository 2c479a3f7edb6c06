"""handler/service.py on arrays: answers from probabilities, refusals, the uncertain threshold."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from handler.config import Settings
from handler.errors import UnusableImage
from handler.preprocess import DigitPicture
from handler.service import (
    SECOND_LOOK_ANGLES, Calibration, calibration_for, check_one_digit, cropped_close_look, load_calibration, second_look,
    to_prediction,
)


def row(digits: list[float], none: float | None = None) -> np.ndarray:
    return np.array(digits + ([] if none is None else [none]), dtype=np.float32)


def test_to_prediction_confidence_counts_the_chance_of_no_digit():
    probabilities = row([0.0] * 7 + [0.6, 0.1, 0.0], none=0.3)
    prediction = to_prediction(probabilities, "auto", calibration=Calibration(uncertain_below=0.8))
    assert prediction.digit == "7" and prediction.confidence == pytest.approx(0.6)
    assert prediction.probabilities[7] == pytest.approx(6 / 7, abs=1e-5)
    assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-5)


def test_to_prediction_is_uncertain_below_the_threshold_only():
    calibration = Calibration(uncertain_below=0.9)
    sure = to_prediction(row([0.95] + [0.005] * 9, none=0.005), "auto", calibration=calibration)
    unsure = to_prediction(row([0.85] + [0.015] * 9, none=0.015), "auto", calibration=calibration)
    assert sure.uncertain is False and unsure.uncertain is True


def test_check_one_digit_refuses_from_the_calibrated_threshold_on():
    calibration = Calibration(not_a_digit_above=0.9)
    with pytest.raises(UnusableImage, match="no digit found.*/predict/number"):
        check_one_digit(row([0.005] * 10, none=0.95), calibration)
    check_one_digit(row([0.02] * 10, none=0.8), calibration)  # likelier no digit, but under the threshold
    check_one_digit(row([0.1] * 10), calibration)  # a ten-output model never refuses


def test_calibration_comes_from_the_model_metrics(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"calibration": {"uncertain_below": 0.73, "not_a_digit_above": 0.88, "ece": 1}}))
    assert load_calibration(metrics) == Calibration(uncertain_below=0.73, not_a_digit_above=0.88)
    assert load_calibration(tmp_path / "missing.json") == Calibration()


def test_uncertain_setting_overrides_the_metrics(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"calibration": {"uncertain_below": 0.73}}))
    assert calibration_for(Settings(MODEL_METRICS_PATH=metrics)).uncertain_below == pytest.approx(0.73)
    assert calibration_for(Settings(MODEL_METRICS_PATH=metrics, UNCERTAIN_BELOW=0.5)).uncertain_below == 0.5


class ReadsByAngle:
    """A stand-in classifier: a turned view (its ink leans) reads as a sure 7; it records each call's batch size."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, images: np.ndarray) -> np.ndarray:
        self.calls.append(len(images))
        return np.stack([row([0.0] * 7 + [0.99, 0.01, 0.0], none=0.0) for _ in images])


def bar_picture() -> DigitPicture:
    ink = np.zeros((40, 12), dtype=np.float32)
    ink[:, 4:8] = 1.0
    return DigitPicture(np.zeros((28, 28), dtype=np.float32), ink)


def test_second_look_reads_only_unsure_pictures_again_all_views_in_one_call():
    sure, unsure = row([0.0] * 7 + [0.95, 0.05, 0.0], none=0.0), row([0.0] * 7 + [0.5, 0.5, 0.0], none=0.0)
    classifier = ReadsByAngle()
    looked = second_look(classifier, [bar_picture(), bar_picture()], np.stack([sure, unsure]))  # type: ignore[arg-type]
    assert classifier.calls == [len(SECOND_LOOK_ANGLES)]
    assert np.array_equal(looked[0], sure)
    # the views' logits averaged with the picture's own: 7 now leads 8, and the row still sums to 1
    assert looked[1].argmax() == 7 and looked[1][7] > 0.5 > looked[1][8] and np.isclose(looked[1].sum(), 1.0)


def test_second_look_leaves_pictures_read_as_they_came_alone():
    unsure = row([0.0] * 7 + [0.5, 0.5, 0.0], none=0.0)
    classifier = ReadsByAngle()
    looked = second_look(classifier, [DigitPicture(np.zeros((28, 28), np.float32))], unsure[np.newaxis])  # type: ignore[arg-type]
    assert classifier.calls == [] and np.array_equal(looked[0], unsure)


def test_second_look_takes_a_likely_non_digit_again_even_when_a_digit_leads():
    likely_none = row([0.0] * 7 + [0.95, 0.0, 0.0], none=0.6)  # unnormalised on purpose: only the gate matters
    classifier = ReadsByAngle()
    second_look(classifier, [bar_picture()], likely_none[np.newaxis])  # type: ignore[arg-type]
    assert classifier.calls == [len(SECOND_LOOK_ANGLES)]


class ReadsCloseSurer:
    """A stand-in classifier: the picture read as cropped close (all ones) is a sure 8, anything else an unsure 3."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, images: np.ndarray) -> np.ndarray:
        self.calls.append(len(images))
        return np.stack([row([0.0] * 8 + [0.97, 0.03], none=0.0) if image.min() == 1.0
                         else row([0.0] * 3 + [0.6] + [0.4 / 6] * 6, none=0.0) for image in images])


def test_cropped_close_look_keeps_the_surer_reading_of_an_unsure_picture():
    close = DigitPicture(np.ones((28, 28), np.float32))
    unsure = DigitPicture(np.zeros((28, 28), np.float32), cropped_close=lambda: close)
    classifier = ReadsCloseSurer()
    first = classifier.predict(np.stack([unsure.model_input]))
    pictures, probabilities = cropped_close_look(classifier, [unsure], first)  # type: ignore[arg-type]
    assert pictures[0] is close and probabilities[0].argmax() == 8


def test_cropped_close_look_leaves_a_sure_reading_alone():
    def never() -> DigitPicture:
        raise AssertionError("a sure reading is not read again")

    sure = DigitPicture(np.ones((28, 28), np.float32), cropped_close=never)
    classifier = ReadsCloseSurer()
    pictures, probabilities = cropped_close_look(classifier, [sure], classifier.predict(sure.model_input[np.newaxis]))  # type: ignore[arg-type]
    assert pictures[0] is sure and probabilities[0].argmax() == 8


def test_a_photo_cropped_close_to_its_digit_is_read():
    # A bold 8 whose loops run into the frame's edges, with a camera's noise: taken for a desk at first.
    from handler.service import load_classifier, model_input_for, read_digits
    from tests.handler.test_ink import digit_cropped_close

    picture = digit_cropped_close().astype(np.float32) * 0.85
    noisy = np.clip(picture + np.random.default_rng(0).normal(0.0, 3.0, picture.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="PNG")
    settings = Settings()
    prepared = model_input_for(buffer.getvalue(), "image/png", "auto", settings)
    [prediction] = read_digits(load_classifier(settings.MODEL_PATH), [prepared], "auto",
                               calibration=calibration_for(settings))
    assert prediction.digit == "8"


def test_cropped_close_look_reads_every_unsure_picture_in_one_call():
    close = DigitPicture(np.ones((28, 28), np.float32))
    unsure = [DigitPicture(np.zeros((28, 28), np.float32), cropped_close=lambda: close) for _ in range(3)]
    classifier = ReadsCloseSurer()
    first = classifier.predict(np.stack([picture.model_input for picture in unsure]))
    pictures, probabilities = cropped_close_look(classifier, unsure, first)  # type: ignore[arg-type]
    assert classifier.calls == [3, 3] and all(picture is close for picture in pictures)
    assert (probabilities.argmax(axis=1) == 8).all()
