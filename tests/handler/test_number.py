"""POST /predict/number: the contract of issue 16 (number, confidence, uncertain, digits with boxes)."""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from handler.decode import DecodedImage
from handler import number
from handler.errors import UnusableImage
from handler.number import box_scale, read_digits, to_digit, to_number
from handler.segment import Digit
from handler.service import Calibration
from tests.utils import encode_image, invoke

SIZE = (2000, 800)  # larger than the work side: boxes must be scaled back
# Strokes of "1", "7", "4" in the picture's own pixels, and the box each lies in (left, top, right, bottom).
STROKES = {
    "1": [[(420, 200), (400, 600)]],
    "7": [[(800, 210), (1080, 210), (900, 600)]],
    "4": [[(1420, 200), (1300, 470), (1540, 470)], [(1480, 320), (1480, 610)]],
}
PEN = 28


def picture(digits: str = "174", size: tuple[int, int] = SIZE) -> Image.Image:
    image = Image.new("RGB", size, (245, 245, 240))
    draw = ImageDraw.Draw(image)
    for digit in digits:
        for stroke in STROKES[digit]:
            draw.line(stroke, fill=(20, 20, 30), width=PEN, joint="curve")
    return image


def stroke_box(digit: str) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the digit's ink, drawn alone."""
    ink = np.asarray(picture(digit).convert("L")) < 128
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def post(client, data: bytes, content_type: str = "image/png", **params):
    return client.post("/predict/number", params=params, files={"file": ("number.png", data, content_type)})


def test_number_reads_digits_left_to_right(client):
    response = post(client, png(picture()))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "174"
    assert [d["digit"] for d in body["digits"]] == ["1", "7", "4"]


def test_number_confidence_is_the_product_of_the_digits(client):
    body = post(client, png(picture())).json()
    assert body["confidence"] == pytest.approx(math.prod(d["confidence"] for d in body["digits"]))
    assert body["uncertain"] == any(d["uncertain"] for d in body["digits"])


def test_number_boxes_are_in_the_pictures_own_pixels(client):
    for digit in picture_digits(post(client, png(picture())).json()):
        x, y, width, height = digit["box"]
        left, top, right, bottom = stroke_box(digit["digit"])
        tolerance = 5  # two work pixels at 2000 -> 768
        assert abs(x - left) <= tolerance and abs(y - top) <= tolerance
        assert abs(x + width - right) <= tolerance and abs(y + height - bottom) <= tolerance


def picture_digits(body: dict) -> list[dict]:
    assert body["number"] == "174"
    return body["digits"]


def test_number_boxes_follow_exif_rotation(client):
    """Stored sideways with orientation 6: boxes are in the upright picture, as a viewer shows it."""
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = picture().transpose(Image.Transpose.ROTATE_90)  # what a phone stores for orientation 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=92, exif=exif)
    digits = picture_digits(post(client, buffer.getvalue(), "image/jpeg").json())
    x, y, width, height = digits[1]["box"]
    left, top, right, bottom = stroke_box("7")
    assert abs(x - left) <= 10 and abs(y - top) <= 10 and abs(x + width - right) <= 10


def test_number_explain_answers_each_digits_28x28_input(client):
    body = post(client, png(picture()), explain="true").json()
    for digit in body["digits"]:
        image = Image.open(io.BytesIO(base64.b64decode(digit["model_input"].split(",", 1)[1])))
        assert image.size == (28, 28)


def test_number_without_explain_has_no_model_input(client):
    assert all(d["model_input"] is None for d in post(client, png(picture())).json()["digits"])


def test_number_blank_picture_is_422(client):
    response = post(client, encode_image(np.full((200, 600), 250, dtype=np.uint8)))
    assert response.status_code == 422
    assert "no digit" in response.json()["detail"]


def test_number_more_digits_than_the_setting_is_422(client, monkeypatch):
    from handler.config import get_settings

    monkeypatch.setenv("MAX_NUMBER_DIGITS", "2")
    get_settings.cache_clear()
    response = post(client, png(picture()))
    assert response.status_code == 422
    assert "too many digits" in response.json()["detail"] and "2" in response.json()["detail"]


def test_number_text_file_is_415(client):
    assert post(client, b"hello", "text/plain").status_code == 415


def test_number_undecodable_bytes_is_400(client):
    response = post(client, b"\x89PNG\r\n\x1a\nbroken")
    assert response.status_code == 400 and "decode" in response.json()["detail"]


def test_number_missing_file_is_400(client):
    response = client.post("/predict/number", data={"other": "x"}, files={"image": ("d.png", b"\x89PNG", "image/png")})
    assert response.status_code == 400 and "file" in response.json()["detail"]


def test_number_is_documented_in_openapi(client):
    operation = client.get("/openapi.json").json()["paths"]["/predict/number"]["post"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(operation["responses"])
    assert "product" in operation["description"]


@pytest.mark.parametrize("payload", ["2.0", "1.0"])
def test_number_through_lambda_handler(payload: str):
    status, body, _ = invoke("POST", "/predict/number", files=[("file", "n.png", png(picture()), "image/png")],
                             payload=payload)
    assert status == 200 and body["number"] == "174"


def test_digit_under_the_threshold_is_uncertain():
    probabilities = np.array([0.5, 0.3, 0.2] + [0.0] * 7, dtype=np.float32)
    calibration = Calibration(uncertain_below=0.9)
    digit = to_digit(Digit((0, 0, 5, 5), np.zeros((28, 28)), probabilities), (1.0, 1.0), calibration, explain=False)
    sure = to_digit(Digit((9, 0, 5, 5), np.zeros((28, 28)), np.eye(10)[3]), (1.0, 1.0), calibration, explain=False)
    number = to_number([sure, digit])
    assert digit.uncertain and not sure.uncertain
    assert number.uncertain and number.number == "30" and number.confidence == pytest.approx(0.5)


@pytest.mark.parametrize(("stored", "decoded", "scale"), [
    ((2000, 800), (1024, 410), (2000 / 1024, 800 / 410)),
    ((800, 2000), (1024, 410), (2000 / 1024, 800 / 410)),  # stored sideways (EXIF 6 or 8)
])
def test_box_scale_maps_work_pixels_to_the_upright_upload(stored, decoded, scale):
    image = DecodedImage(rgb=np.zeros((decoded[1], decoded[0], 3), np.uint8), alpha=None, original_size=stored,
                         format="PNG")
    assert box_scale(image) == pytest.approx(scale)


class _Reader:
    """Stands in for ``read_line``: the picture as given reads ``first``, the inverted one ``second`` (a digit
    string and its confidence per digit, or an error)."""

    def __init__(self, first, second) -> None:
        self.readings, self.calls = {"as given": first, "inverted": second}, []

    def __call__(self, ink, classify, *, max_digits):
        which = "as given" if ink[0, 0] == 0 else "inverted"
        self.calls.append(which)
        reading = self.readings[which]
        if isinstance(reading, Exception):
            raise reading
        text, confidence = reading
        return [Digit((0, 0, 1, 1), np.zeros((28, 28)), np.eye(10)[int(d)] * confidence) for d in text]


_NO_MODEL = type("NoModel", (), {"predict": None})()  # read_line is stood in for: the model is never asked


def _second_look(monkeypatch, first, second, alpha=None):
    reader = _Reader(first, second)
    monkeypatch.setattr(number, "find_ink", lambda rgb, alpha: rgb[..., 0].astype(np.float32))
    monkeypatch.setattr(number, "read_line", reader)
    image = DecodedImage(np.zeros((4, 4, 3), dtype=np.uint8), alpha, (4, 4), "PNG")
    return "".join(str(d.probabilities.argmax()) for d in read_digits(image, _NO_MODEL, max_digits=12)), reader.calls


def test_a_confident_reading_is_not_read_again(monkeypatch):
    assert _second_look(monkeypatch, ("17", 0.9), ("44", 1.0)) == ("17", ["as given"])


def test_an_unsure_reading_is_read_inverted_and_the_more_confident_kept(monkeypatch):
    # Light ink on a mid-tone paper under uneven light: find_ink takes the paper's shading for the ink.
    assert _second_look(monkeypatch, ("11", 0.2), ("74", 0.95)) == ("74", ["as given", "inverted"])
    assert _second_look(monkeypatch, ("11", 0.2), ("74", 0.1)) == ("11", ["as given", "inverted"])


def test_a_picture_with_no_digit_either_way_keeps_the_first_error(monkeypatch):
    with pytest.raises(UnusableImage, match="first"):
        _second_look(monkeypatch, UnusableImage("first"), UnusableImage("second"))
    assert _second_look(monkeypatch, UnusableImage("first"), ("7", 0.9))[0] == "7"


def test_a_transparent_picture_is_read_once_its_alpha_is_the_ink(monkeypatch):
    alpha = np.full((4, 4), 255, dtype=np.uint8)
    assert _second_look(monkeypatch, ("11", 0.2), ("74", 0.95), alpha=alpha) == ("11", ["as given"])
