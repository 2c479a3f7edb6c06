"""Each preprocessing step on tiny synthetic arrays: the 28x28 MNIST-like input the model reads."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from handler.errors import UnusableImage
from handler.morphology import stroke_width
from handler.preprocess import (
    BOX_SIZE, MNIST_SIZE, DigitPicture, center_by_mass, clear_border, despeckled, fit_to_box, ink_bounding_box,
    is_mnist_form, pick_digit, prepare_auto, preprocess_auto, preprocess_mnist,
)


def drawing(size=(200, 200), box=(60, 40, 140, 160), width=8, ink=(20, 20, 20), paper=(240, 240, 240)) -> np.ndarray:
    """uint8 RGB: a 4-like figure drawn inside ``box`` (left, top, right, bottom) with a ``width`` px pen."""
    image = Image.new("RGB", size, paper)
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    draw = ImageDraw.Draw(image)
    draw.line([(left + 0.6 * w, top), (left, top + 0.65 * h), (right, top + 0.65 * h)], fill=ink, width=width)
    draw.line([(left + 0.7 * w, top + 0.3 * h), (left + 0.7 * w, bottom)], fill=ink, width=width)
    return np.asarray(image)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / image.sum()), float((cols * image).sum() / image.sum())


def extent(image: np.ndarray, level: float = 0.1) -> tuple[int, int]:
    rows, cols = np.flatnonzero((image > level).any(axis=1)), np.flatnonzero((image > level).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def test_preprocess_auto_answers_28x28_floats_in_0_1():
    result = preprocess_auto(drawing())
    assert result.shape == (MNIST_SIZE, MNIST_SIZE) and result.dtype == np.float32
    assert result.min() == 0.0 and result.max() == pytest.approx(1.0, abs=0.02)


def test_preprocess_auto_blank_raises_unusable_image():
    with pytest.raises(UnusableImage, match="no digit"):
        preprocess_auto(np.full((64, 64, 3), 255, dtype=np.uint8))


def test_preprocess_auto_centres_an_off_centre_digit_by_mass_at_14_14():
    corner = drawing(size=(600, 400), box=(20, 300, 80, 380), width=5)
    row, col = centre_of_mass(preprocess_auto(corner))
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_preprocess_auto_fits_the_digit_in_the_20x20_box():
    assert max(extent(preprocess_auto(drawing()))) == BOX_SIZE


def test_preprocess_auto_reads_white_on_black_as_black_on_white():
    dark_on_light, light_on_dark = preprocess_auto(drawing()), preprocess_auto(255 - drawing())
    assert np.abs(dark_on_light - light_on_dark).max() < 0.05


def test_preprocess_auto_reads_a_transparent_canvas_like_ink_on_paper():
    mask = drawing(ink=(255, 255, 255), paper=(0, 0, 0))[..., 0]
    canvas = preprocess_auto(np.zeros((*mask.shape, 3), dtype=np.uint8), alpha=mask)
    assert np.abs(canvas - preprocess_auto(drawing())).max() < 0.05


def test_preprocess_auto_takes_floats_like_uint8():
    pixels = drawing()
    assert np.abs(preprocess_auto(pixels / 255.0) - preprocess_auto(pixels)).max() < 1e-6


def test_preprocess_auto_takes_greyscale_arrays():
    grey = drawing()[..., 0]
    assert np.abs(preprocess_auto(grey) - preprocess_auto(drawing())).max() < 0.05


def test_preprocess_auto_keeps_one_pixel_strokes():
    thin = drawing(size=(800, 800), box=(200, 150, 600, 650), width=1)
    result = preprocess_auto(thin)
    assert result.max() == pytest.approx(1.0, abs=0.02)
    assert 1.5 <= stroke_width(result) <= 3.0  # MNIST's pen, not a faint hairline


def test_preprocess_auto_ignores_a_far_speck():
    clean = drawing(size=(400, 400), box=(160, 140, 240, 260))
    specked = clean.copy()
    specked[20:23, 370:373] = 0  # a 3x3 speck of dust, far from the digit
    assert np.abs(preprocess_auto(specked) - preprocess_auto(clean)).max() < 0.05


def test_preprocess_mnist_keeps_the_28x28_image_as_given():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[3:9, 2:5] = 255  # deliberately off-centre: strict mode does not move it
    result = preprocess_mnist(np.stack([image] * 3, axis=-1))
    assert np.array_equal(result, image / np.float32(255))


def test_preprocess_mnist_other_size_raises_with_the_size():
    with pytest.raises(UnusableImage, match="28x28.*got 30x20"):
        preprocess_mnist(np.zeros((20, 30, 3), dtype=np.uint8))


def test_ink_bounding_box_ignores_an_isolated_speck():
    ink = np.zeros((100, 100), dtype=np.float32)
    ink[40:60, 45:50] = 1.0
    ink[5:7, 90:92] = 1.0
    assert ink_bounding_box(ink) == (40, 60, 45, 50)


def test_ink_bounding_box_keeps_a_detached_part_of_the_digit():
    ink = np.zeros((100, 100), dtype=np.float32)
    ink[30:34, 40:60] = 1.0  # a 5's top bar, lifted off the page
    ink[38:70, 40:44] = 1.0
    assert ink_bounding_box(ink) == (30, 70, 40, 60)


def test_ink_bounding_box_joins_a_heavy_part_written_apart_below_the_rest():
    ink = np.zeros((300, 300), dtype=np.float32)
    ink[90:96, 150:225] = 1.0  # a 5's flag and its stem (rows 90-185) ...
    ink[90:186, 150:156] = 1.0
    ink[211:217, 140:230] = 1.0  # ... and its bowl, as heavy, 25 px below: more than a fifth of either part
    ink[217:284, 224:230] = 1.0
    ink[278:284, 140:230] = 1.0
    assert ink_bounding_box(ink) == (90, 284, 140, 230)


def test_ink_bounding_box_leaves_a_light_remnant_as_far_below_apart():
    ink = np.zeros((300, 300), dtype=np.float32)
    ink[90:186, 150:160] = 1.0
    ink[211:214, 140:230] = 1.0  # a ruled line's remnant, 25 px below: light
    assert ink_bounding_box(ink) == (90, 186, 150, 160)


def test_ink_bounding_box_drops_clutter_far_from_the_digit():
    ink = np.zeros((200, 200), dtype=np.float32)
    ink[60:120, 90:96] = 1.0
    ink[150:200, 0:3] = 1.0  # the edge of the page or a ruler line, far away
    assert ink_bounding_box(ink) == (60, 120, 90, 96)


def test_ink_bounding_box_ignores_the_table_past_the_paper_s_edge():
    ink = np.zeros((300, 400), dtype=np.float32)
    ink[100:200, 190:200] = 1.0
    ink[:, :40] = 1.0  # the dark table along the left edge, much heavier than the digit
    assert ink_bounding_box(ink) == (100, 200, 190, 200)


def test_clear_border_removes_ink_connected_to_the_edge():
    mask = np.zeros((300, 400), dtype=bool)
    mask[100:200, 190:200] = True
    mask[250, 60:400] = True  # a slanted ruler line would do too: it only has to reach the edge
    mask[240:251, 60] = True
    cleared = clear_border(mask)
    assert cleared[100:200, 190:200].all() and not cleared[240:].any()


def test_clear_border_keeps_a_digit_that_touches_the_edge():
    mask = np.zeros((60, 40), dtype=bool)
    mask[:, 18:22] = True  # a tightly cropped 1, top to bottom
    assert np.array_equal(clear_border(mask), mask)


def test_clear_border_keeps_a_digit_in_the_corner_when_only_specks_lie_inside():
    # A camera's noise left specks all over the picture: together they span it, yet none is of digit size.
    mask = np.zeros((300, 400), dtype=bool)
    mask[0:80, 330:334] = mask[0:4, 300:334] = mask[76:80, 300:334] = mask[0:80, 300:304] = True  # a 0 in the corner
    specks = np.random.default_rng(2).integers(0, (300, 400), (40, 2))
    mask[specks[:, 0], specks[:, 1]] = True
    assert clear_border(mask)[10:70, 300:334].any()  # the 0 stays


def test_ink_bounding_box_blank_raises():
    with pytest.raises(UnusableImage):
        ink_bounding_box(np.zeros((10, 10), dtype=np.float32))


def test_fit_to_box_keeps_the_aspect_of_a_wide_digit():
    wide = np.zeros((40, 100), dtype=np.float32)
    wide[:4], wide[-4:], wide[:, :4], wide[:, -4:] = 1.0, 1.0, 1.0, 1.0  # a hollow 100x40 box
    height, width = fit_to_box(wide).shape
    assert width == BOX_SIZE and height == pytest.approx(BOX_SIZE * 0.4, abs=1)


def test_fit_to_box_keeps_the_aspect_of_a_tall_digit():
    tall = np.zeros((100, 30), dtype=np.float32)
    tall[:, 13:17] = 1.0
    tall[:4] = 1.0
    height, width = fit_to_box(tall).shape
    assert height == BOX_SIZE and width == pytest.approx(BOX_SIZE * 0.3, abs=1)


def test_fit_to_box_thickens_hairlines_to_mnist_width():
    ring = np.zeros((300, 200), dtype=np.float32)
    ImageDraw.Draw(image := Image.fromarray(ring, mode="F")).ellipse([2, 2, 197, 297], outline=1.0, width=1)
    fitted = fit_to_box(np.asarray(image))
    assert 1.5 <= stroke_width(fitted) <= 3.0


def test_fit_to_box_thins_marker_strokes_to_mnist_width():
    ring = Image.new("F", (200, 300), 0.0)
    ImageDraw.Draw(ring).ellipse([2, 2, 197, 297], outline=1.0, width=60)
    fitted = fit_to_box(np.asarray(ring))
    assert 1.5 <= stroke_width(fitted) <= 3.2
    assert fitted[fitted.shape[0] // 2, fitted.shape[1] // 2] == 0.0  # the 0 keeps its hole


def test_center_by_mass_puts_the_mass_at_14_14():
    digit = np.full((20, 12), 0.3, dtype=np.float32)
    digit[:10, :] = 1.0  # top-heavy: the box's centre and the mass's differ
    row, col = centre_of_mass(center_by_mass(digit))
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_center_by_mass_keeps_a_lopsided_digit_inside_the_field():
    digit = np.zeros((20, 12), dtype=np.float32)
    digit[:2, :] = 1.0  # all the mass at the top: centring it would push the digit out
    field = center_by_mass(digit)
    assert field.sum() == pytest.approx(digit.sum())


def test_center_by_mass_too_large_raises():
    with pytest.raises(ValueError, match="does not fit"):
        center_by_mass(np.ones((30, 10), dtype=np.float32))


def two_digits(gap: int) -> np.ndarray:
    """Two bars of digit size side by side on white, ``gap`` px apart (uint8 RGB)."""
    picture = np.full((120, 240, 3), 255, dtype=np.uint8)
    picture[20:100, 60:75] = 0
    picture[20:100, 75 + gap : 90 + gap] = 0
    picture[20:30, 75 + gap : 110 + gap] = 0
    return picture


def test_preprocess_auto_refuses_a_second_digit_beside_the_first():
    with pytest.raises(UnusableImage, match="several digits.*/predict/number"):
        preprocess_auto(two_digits(gap=60))


def test_preprocess_auto_keeps_a_digit_with_a_speck_beside_it():
    picture = two_digits(gap=60)
    picture[20:100, 135:200] = 255  # the second digit gone
    picture[50:53, 160:163] = 0  # a speck of dust where it was
    assert preprocess_auto(picture).shape == (28, 28)


def reads(*, seven: list[float], one: list[float]):
    """A stand-in classifier for ``two_digits``: the candidate with a bar on top (the wider) reads ``seven``,
    the plain bar ``one`` (11 columns: ten digits, then "not a digit")."""
    def classify(inputs: np.ndarray) -> np.ndarray:
        assert len(inputs) == 2  # both candidates in one call
        widths = (inputs > 0.5).any(axis=1).sum(axis=1)
        return np.array([seven if width == widths.max() else one for width in widths], dtype=np.float32)
    return classify


def digit(value: int, p: float, *, none: float = 0.0) -> list[float]:
    row = [(1.0 - p - none) / 9] * 10
    row[value] = p
    return row + [none]


def test_preprocess_auto_lets_the_model_keep_the_digit_beside_something_that_is_not_one():
    picture = two_digits(gap=60)
    left_only = two_digits(gap=60)
    left_only[:, 120:] = 255
    expected = preprocess_auto(left_only)
    chosen = preprocess_auto(picture, classify=reads(one=digit(1, 0.97), seven=digit(7, 0.1, none=0.85)))
    assert np.allclose(chosen, expected)


def test_preprocess_auto_takes_the_candidate_the_model_reads_as_a_digit():
    right_only = two_digits(gap=60)
    right_only[:, :100] = 255
    chosen = preprocess_auto(two_digits(gap=60), classify=reads(one=digit(1, 0.3, none=0.6), seven=digit(7, 0.95)))
    assert np.allclose(chosen, preprocess_auto(right_only))


def test_preprocess_auto_refuses_when_the_model_reads_two_digits_side_by_side():
    with pytest.raises(UnusableImage, match="several digits.*/predict/number"):
        preprocess_auto(two_digits(gap=60), classify=reads(one=digit(1, 0.97), seven=digit(7, 0.9)))


def test_pick_digit_works_with_a_ten_class_model():
    assert pick_digit(np.array([digit(1, 0.3)[:10], digit(7, 0.95)[:10]])) == 1


def test_preprocess_auto_prefers_a_tall_thin_digit_to_a_heavier_row_of_dots_below_it():
    picture = np.full((400, 240, 3), 250, dtype=np.uint8)
    picture[100:260, 115:121] = 20  # a thin 1
    for x in range(20, 220, 34):  # a drawing app's colour dots, heavier together than the 1
        picture[340:362, x : x + 22] = 40
    model_input = preprocess_auto(picture)
    rows, cols = np.nonzero(model_input > 0.5)
    assert np.ptp(rows) > 3 * np.ptp(cols)  # the 1: tall and narrow, not a row of dots


def test_preprocess_auto_keeps_a_part_of_the_digit_a_little_apart_beside_its_stem():
    image = Image.new("RGB", (200, 200), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle([120, 40, 128, 170], fill=(20, 20, 20))  # a 9's stem
    draw.ellipse([66, 48, 110, 92], outline=(20, 20, 20), width=6)  # its loop, 10 px to the left of it
    model_input = preprocess_auto(np.asarray(image))
    columns = np.flatnonzero((model_input > 0.5).any(axis=0))
    assert np.ptp(columns) > 8  # the loop is in, not a lone stem read as a 1


def test_preprocess_auto_reads_a_picture_already_in_mnist_form_as_mnist_mode_does():
    from tests.conftest import MNIST_PATH

    with np.load(MNIST_PATH) as data:
        digits = data["x_test"][:50]
    in_form = [d for d in digits if is_mnist_form(d / 255.0)]
    assert len(in_form) >= 45  # nearly all of MNIST's own digits
    for digit in in_form:
        assert np.array_equal(preprocess_auto(digit), preprocess_mnist(digit))


def test_prepare_auto_keeps_an_mnist_form_digit_as_it_is_with_its_ink_to_turn():
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 12:16] = 1.0
    prepared = prepare_auto(digit)
    assert np.array_equal(prepared.model_input, digit)
    assert prepared.ink is not None and np.array_equal(prepared.ink, digit[4:24, 12:16])


def test_is_mnist_form_needs_the_digit_fitted_and_centred_on_black():
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 12:16] = 1.0  # a 1: 20 px tall, centred
    assert is_mnist_form(digit)
    assert not is_mnist_form(np.roll(digit, 3, axis=1))  # off centre by 3 px
    assert not is_mnist_form(digit[2:26, 2:26])  # not 28x28
    small = np.zeros((28, 28), dtype=np.float32)
    small[9:19, 12:16] = 1.0  # 10 px tall: not fitted to MNIST's box
    assert not is_mnist_form(small)
    assert not is_mnist_form(1.0 - digit)  # dark ink on white


def test_preprocess_auto_finds_the_digit_under_a_dim_rooms_sensor_noise():
    clean = drawing(size=(300, 300), box=(110, 70, 190, 230), width=10)
    rng = np.random.default_rng(4)
    noisy = clean.copy()
    grains = rng.random(clean.shape[:2]) < 0.08  # dark grains all over the page
    noisy[grains] = 60
    assert np.abs(preprocess_auto(noisy) - preprocess_auto(clean)).mean() < 0.05


def test_despeckled_leaves_clean_strokes_alone():
    ink = np.zeros((60, 60), dtype=np.float32)
    ink[10:50, 29:31] = 1.0  # a 2 px stroke
    assert np.array_equal(despeckled(ink), ink)


def test_a_digit_picture_turns_its_ink_and_fits_each_view_anew():
    ink = np.ones((60, 6), dtype=np.float32)  # an upright bar (a 1), cropped to its ink as digit_boxes crops
    picture = DigitPicture(center_by_mass(fit_to_box(ink)), ink)
    upright, leaning = picture.turned([0.0, 10.0])
    assert np.allclose(upright, picture.model_input, atol=1e-5)
    assert leaning.shape == (28, 28) and not np.allclose(leaning, upright, atol=0.1)
    rows = np.flatnonzero(leaning.max(axis=1) > 0.5)
    assert rows[-1] - rows[0] + 1 >= 18  # fitted into the box again, not shrunk by the turn's wider frame
    assert DigitPicture(picture.model_input).turned([5.0]) == []  # a picture used as it came has no ink to turn


def test_prepare_auto_keeps_the_chosen_digit_s_ink():
    prepared = prepare_auto(two_digits(gap=60), classify=reads(one=digit(1, 0.3, none=0.6), seven=digit(7, 0.95)))
    assert prepared.ink is not None and np.allclose(prepared.model_input, center_by_mass(fit_to_box(prepared.ink)))
