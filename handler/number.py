"""The work behind POST /predict/number: bytes in, a ``NumberPrediction`` out. No web framework here."""

from __future__ import annotations

import math

from handler.classifier import DigitClassifier
from handler.config import Settings
from handler.decode import DecodedImage, decode_image
from handler.errors import UnusableImage
from handler.ink import find_ink
from handler.schemas import DigitInNumber, NumberPrediction
from handler.segment import Digit, read_line
from handler.service import Calibration, check_upload, png_data_url

# A number shares the picture among its digits: read at 1.5 times a single digit's work side (decode.WORK_SIDE),
# so each digit of a long number in a photo still spans enough pixels (1024 read no better here, 4x slower).
NUMBER_WORK_SIDE = 768
NUMBER_MIN_SIDE = 576  # a JPEG decodes reduced no further than this on its longest side (decode.MIN_WORK_SIDE)
INVERTED_LOOK_BELOW = 0.1  # a reading this unsure is tried again with the picture's colours inverted


def read_number(data: bytes, content_type: str | None, settings: Settings, classifier: DigitClassifier, *,
                calibration: Calibration = Calibration(), explain: bool = False) -> NumberPrediction:
    """Check and decode one upload, find the digits of its line and read them (one interpreter call)."""
    check_upload(data, settings.MAX_UPLOAD_BYTES)
    image = decode_image(data, max_pixels=settings.MAX_IMAGE_PIXELS, work_side=NUMBER_WORK_SIDE,
                         min_side=NUMBER_MIN_SIDE, declared_type=content_type)
    digits = read_digits(image, classifier, max_digits=settings.MAX_NUMBER_DIGITS)
    scale = box_scale(image)
    return to_number([to_digit(digit, scale, calibration, explain=explain) for digit in digits])


def read_digits(image: DecodedImage, classifier: DigitClassifier, *, max_digits: int) -> list[Digit]:
    """The line's digits. An opaque picture read with little confidence, or not at all, is read once more
    with its colours inverted, and the more confident reading kept: under uneven light ``find_ink`` takes
    ink on bright paper to be dark, and light ink on a mid-tone paper (chalk on kraft) then reads as junk."""
    def inverted() -> list[Digit]:
        return read_line(find_ink(255 - image.rgb, None), classifier.predict, max_digits=max_digits)

    try:
        first = read_line(find_ink(image.rgb, image.alpha), classifier.predict, max_digits=max_digits)
    except UnusableImage as failure:
        if image.alpha is not None:
            raise
        try:
            return inverted()
        except UnusableImage:
            raise failure from None
    if image.alpha is not None or reading_confidence(first) >= INVERTED_LOOK_BELOW:
        return first
    try:
        second = inverted()
    except UnusableImage:
        return first
    return second if reading_confidence(second) > reading_confidence(first) else first


def reading_confidence(digits: list[Digit]) -> float:
    """The number's confidence as answered: the product of its digits' (``to_digit``)."""
    return math.prod(float(digit.probabilities.max()) for digit in digits)


def box_scale(image: DecodedImage) -> tuple[float, float]:
    """(x, y) factors from the decoded (reduced, upright) pixels to the upright picture as uploaded.

    ``original_size`` is as stored, before EXIF rotation: a picture stored sideways has its sides swapped,
    which the reduced picture's aspect shows (a square one scales the same either way).
    """
    height, width = image.rgb.shape[:2]
    stored_w, stored_h = image.original_size
    aspect = width / height
    if abs(aspect - stored_h / stored_w) < abs(aspect - stored_w / stored_h):
        stored_w, stored_h = stored_h, stored_w
    return stored_w / width, stored_h / height


def to_digit(digit: Digit, scale: tuple[float, float], calibration: Calibration, *, explain: bool) -> DigitInNumber:
    """As a /predict answer: ``confidence`` counts the chance that the piece is no digit, ``probabilities`` are
    the ten digits' given that it is one."""
    index = int(digit.probabilities.argmax())
    confidence = float(digit.probabilities[index])
    probabilities = digit.probabilities / max(float(digit.probabilities.sum()), 1e-12)
    left, top, width, height = digit.box
    box = [math.floor(left * scale[0]), math.floor(top * scale[1]),
           math.ceil(width * scale[0]), math.ceil(height * scale[1])]
    return DigitInNumber(
        digit=str(index), confidence=confidence, uncertain=confidence < calibration.uncertain_below,
        probabilities=[round(float(p), 6) for p in probabilities], box=box,
        model_input=png_data_url(digit.model_input) if explain else None,
    )


def to_number(digits: list[DigitInNumber]) -> NumberPrediction:
    return NumberPrediction(
        number="".join(d.digit for d in digits), confidence=math.prod(d.confidence for d in digits),
        uncertain=any(d.uncertain for d in digits), digits=digits,
    )
