"""Finding the ink: alpha, colour distance from the paper, uneven light, normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from handler.errors import UnusableImage
from handler.ink import (
    _settles_in_another_hue, as_uint8, border_pixels, find_ink, flatten_light, ink_from_colour, normalize_ink, off_page,
    to_grey, without_lines,
)

PAPER, INK = (235, 230, 220), (30, 30, 40)


def seven(size=(120, 160), paper=PAPER, ink=INK, width=6) -> np.ndarray:
    """uint8 RGB: a 7 drawn with a ``width`` px pen on ``paper``."""
    image = Image.new("RGB", size, paper)
    w, h = size
    ImageDraw.Draw(image).line([(w * 0.3, h * 0.3), (w * 0.7, h * 0.3), (w * 0.45, h * 0.75)], fill=ink, width=width)
    return np.asarray(image)


def stroke_mask(size=(120, 160), width=6) -> np.ndarray:
    return seven(size, paper=(0, 0, 0), ink=(255, 255, 255), width=width)[..., 0] > 127


def test_to_grey_weighs_channels_like_pillow():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    expected = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float32) / 255
    assert np.allclose(to_grey(rgb), expected, atol=1 / 255)


def test_as_uint8_scales_floats_and_keeps_uint8():
    assert as_uint8(np.array([0.0, 0.5, 1.0])).tolist() == [0, 128, 255]
    data = np.array([3, 200], dtype=np.uint8)
    assert as_uint8(data) is data


def test_find_ink_is_one_on_strokes_and_zero_on_paper():
    ink = find_ink(seven())
    mask = stroke_mask()
    assert np.median(ink[mask]) == 1.0 and ink[~mask].max() < 0.5


def test_find_ink_is_the_same_for_either_polarity():
    dark_on_light, light_on_dark = find_ink(seven()), find_ink(255 - seven())
    assert np.abs(dark_on_light - light_on_dark).mean() < 0.01


def test_find_ink_reads_coloured_ink_of_the_paper_s_brightness():
    red, green = (200, 60, 60), (70, 130, 50)  # nearly equal luminance: a grey conversion loses the digit
    assert np.ptp(to_grey(np.array([[red, green]], dtype=np.uint8))) < 0.06
    ink = find_ink(seven(paper=green, ink=red))
    assert np.median(ink[stroke_mask()]) == 1.0 and ink[~stroke_mask()].max() < 0.5


def test_find_ink_uses_alpha_when_the_background_is_transparent():
    alpha = np.where(stroke_mask(), 255, 0).astype(np.uint8)
    black = np.zeros((*alpha.shape, 3), dtype=np.uint8)  # canvas exports: black ink on (0, 0, 0, 0)
    ink = find_ink(black, alpha)
    assert np.array_equal(ink > 0.5, stroke_mask())


def test_find_ink_treats_holes_in_an_opaque_picture_as_paper():
    rgb = seven()
    alpha = np.full(rgb.shape[:2], 255, dtype=np.uint8)
    alpha[5:15, 5:15] = 0  # a transparent hole whose pixels are black
    rgb = rgb.copy()
    rgb[5:15, 5:15] = 0
    ink = find_ink(rgb, alpha)
    assert ink[5:15, 5:15].max() == 0.0


def test_flatten_light_leaves_evenly_lit_paper_alone():
    rgb = seven()
    assert flatten_light(rgb, np.array(PAPER, dtype=np.uint8)) is rgb


def test_flatten_light_evens_out_a_gradient():
    rgb = np.full((300, 400, 3), PAPER, dtype=np.float32) * np.linspace(0.5, 1.0, 400)[np.newaxis, :, np.newaxis]
    flat = flatten_light(rgb.astype(np.uint8), np.array(PAPER, dtype=np.uint8))
    assert np.abs(flat.astype(np.float32) - PAPER).max() <= 3


def test_find_ink_reads_strokes_in_a_deep_shadow_as_strongly_as_in_light():
    rgb = seven(size=(400, 300), width=10).astype(np.float32)
    rgb[:, :200] *= 0.35  # a shadow over the left half of the page, digit included
    ink = find_ink(rgb.astype(np.uint8))
    mask = stroke_mask(size=(400, 300), width=10)
    shaded, lit = mask.copy(), mask.copy()
    shaded[:, 190:], lit[:, :210] = False, False
    assert np.median(ink[shaded]) > 0.9 and np.median(ink[lit]) > 0.9
    assert (ink[~mask] > 0.5).mean() < 0.01  # the shadow itself is not ink


def test_ink_from_colour_is_the_largest_channel_difference():
    rgb = np.full((20, 20, 3), 200, dtype=np.uint8)
    rgb[10, 10] = (200, 90, 170)
    assert ink_from_colour(rgb)[10, 10] == 110 and ink_from_colour(rgb)[0, 0] == 0


def test_normalize_ink_blank_raises():
    with pytest.raises(UnusableImage, match="no digit"):
        normalize_ink(np.zeros((50, 50), dtype=np.uint8))


def test_normalize_ink_too_little_contrast_raises():
    faint = np.zeros((50, 50), dtype=np.uint8)
    faint[20:30, 20:30] = 15  # 6% of full scale: paper noise, not a digit
    with pytest.raises(UnusableImage):
        normalize_ink(faint)


def test_normalize_ink_ignores_paper_noise():
    noise = np.random.default_rng(0).normal(20, 4, (80, 80)).clip(0, 255).astype(np.uint8)
    noise[30:50, 38:42] = 200
    ink = normalize_ink(noise)
    assert (ink[:25] == 0).mean() > 0.99 and ink[30:50, 38:42].min() == 1.0


def test_normalize_ink_reads_strokes_past_camera_noise_left_mostly_at_zero():
    # Flattening leaves most of a noisy page at exactly 0 (no median deviation to measure), and the noise's tail
    # just above the floor holds nearly as many pixels as a thin 8's strokes: the border's noise ceiling tells.
    rng = np.random.default_rng(1)
    distance = np.where(rng.random((300, 300)) < 0.45, rng.integers(13, 21, (300, 300)), 0).astype(np.uint8)
    stroke = np.zeros((300, 300), dtype=bool)
    stroke[60:240, 120:132] = stroke[60:240, 170:182] = stroke[60:72, 120:182] = stroke[228:240, 120:182] = True
    distance[stroke] = rng.integers(180, 220, int(stroke.sum()))
    ink = normalize_ink(distance)
    assert ink[stroke].mean() > 0.9 and (ink[:50] == 0).mean() > 0.99


def photo_of_seven(size=(480, 360), light=None) -> np.ndarray:
    """A 7 on paper, lit by ``light`` (a float multiplier field of the picture's shape), with a camera's noise."""
    rgb = seven(size=size, width=8).astype(np.float32)
    if light is not None:
        rgb = rgb * light[..., np.newaxis]
    rgb += np.random.default_rng(0).normal(0.0, 3.0, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def soft_band(size=(480, 360), depth=0.45, centre=0.8, half=0.12, softness=0.04) -> np.ndarray:
    """A soft diagonal shadow band (darker and larger in total than the digit), away from the 7."""
    ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    across = (xs + ys) / (size[0] + size[1])
    return 1 - depth / (1 + np.exp(np.clip(-(half - np.abs(across - centre)) / softness, -60, 60)))


def test_find_ink_ignores_a_soft_shadow_band_and_keeps_the_digit():
    ink = find_ink(photo_of_seven(light=soft_band()))
    digit = stroke_mask(size=(480, 360), width=8)
    assert ink[digit].mean() > 0.8
    band = (soft_band() < 0.7) & ~np.pad(digit, 20)[20:-20, 20:-20]
    assert ink[band].mean() < 0.05  # the band is paper in the shade, not ink


def test_find_ink_reads_a_digit_in_a_corner_when_a_shadow_band_covers_the_middle():
    # The middle's colour (the band's) is taken for the page's and the lit page for a desk beyond it, which leaves
    # nothing: then the whole border is the paper, and the band is flattened as a shadow.
    image = Image.new("RGB", (480, 360), PAPER)
    ImageDraw.Draw(image).line([(40, 40), (110, 40), (70, 130)], fill=INK, width=7)
    rgb = np.asarray(image).astype(np.float32) * soft_band(depth=0.4, centre=0.5, half=0.2, softness=0.004)[..., np.newaxis]
    rgb = np.clip(rgb + np.random.default_rng(3).normal(0.0, 3.0, rgb.shape), 0, 255).astype(np.uint8)
    ink = find_ink(rgb)
    assert ink[38:43, 50:100].mean() > 0.7  # the 7's bar
    assert ink[200:, 250:].max() < 0.2  # the band and the page below it are paper


def test_find_ink_takes_dark_ink_on_light_paper_beside_a_lamp_hotspot():
    ys, xs = np.mgrid[0:360, 0:480].astype(np.float32)
    hotspot = 0.75 + 0.5 * np.exp(-(((xs - 400) ** 2 + (ys - 80) ** 2) / 60.0**2))  # saturates the paper
    ink = find_ink(photo_of_seven(light=hotspot))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.8
    assert ink[60:100, 380:420].max() < 0.2  # the bright spot is not "light ink"


def test_find_ink_removes_the_lines_of_ruled_paper_under_uneven_light():
    image = Image.fromarray(photo_of_seven(light=soft_band(depth=0.3)))
    draw = ImageDraw.Draw(image)
    for y in range(20, 360, 30):
        draw.line([(0, y), (480, y + 3)], fill=(150, 170, 210), width=2)
    ink = find_ink(np.asarray(image))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.7
    lines_far_from_digit = np.zeros((360, 480), dtype=bool)
    lines_far_from_digit[318:326, 300:] = True  # the line at y = 320, right of the 7
    assert ink[lines_far_from_digit].max() < 0.25  # far under the 0.5 at which preprocess counts a pixel as ink


def test_find_ink_takes_the_page_not_the_desk_filling_most_of_the_border():
    rng = np.random.default_rng(1)
    desk = np.zeros((360, 480, 3), dtype=np.float32) + (120, 80, 45)  # wood, with grain
    desk += rng.normal(0.0, 6.0, (360, 1, 1)) + rng.normal(0.0, 3.0, desk.shape)
    picture = np.clip(desk, 0, 255).astype(np.uint8)
    page = photo_of_seven()
    picture[90:270] = page[90:270]  # a page across the middle: the desk above and below it, most of the border
    ink = find_ink(picture)
    digit = stroke_mask(size=(480, 360), width=8)
    assert ink[digit].mean() > 0.8
    assert ink[100:260][~digit[100:260]].mean() < 0.05  # the page around the 7 is paper


def ruled(picture: Image.Image, slope: float, colour=(150, 170, 210), width=2) -> Image.Image:
    draw = ImageDraw.Draw(picture)
    for y in range(-60, 420, 30):
        draw.line([(0, y), (480, y + slope * 480)], fill=colour, width=width)
    return picture


def test_find_ink_removes_ruled_lines_from_a_picture_too_smooth_to_pass_for_a_photo():
    # Blur and JPEG smooth a photo's noise away: without it the picture reads as rendered, and its page's lines stay.
    # Thin lines: too few of the border's pixels for uneven light (that path removed lines already).
    page = Image.fromarray(seven(size=(360, 480), width=10))
    picture = ruled(page, slope=0.0, width=1).filter(ImageFilter.GaussianBlur(1.0))
    ink = find_ink(np.asarray(picture))
    digit = stroke_mask(size=(360, 480), width=10)
    assert ink[digit].mean() > 0.7
    assert ink[:100][~digit[:100]].max() < 0.1  # the lines above the 7 are gone


def test_find_ink_removes_ruled_lines_seen_askew():
    ink = find_ink(np.asarray(ruled(Image.fromarray(photo_of_seven()), slope=0.1)))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.7
    # Right of the 7, where the lines that cross the whole picture run (shorter pieces cut by the corners stay:
    # they touch the picture's edge, where preprocess drops what touches it)
    assert ink[120:300, 400:].max() < 0.25


def test_find_ink_removes_thick_faint_lines_but_keeps_a_pen_bar_drawn_along_one():
    picture = ruled(Image.fromarray(photo_of_seven()), slope=0.0, width=10)  # a blurred photo's lines: 10 px
    ImageDraw.Draw(picture).line([(144, 108), (336, 108)], fill=INK, width=8)  # the 7's bar, over a line
    ink = find_ink(np.asarray(picture))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.7
    assert ink[300:340, 400:].max() < 0.25


def test_find_ink_reads_a_big_light_digit_on_a_dark_photographed_page():
    rng = np.random.default_rng(2)
    picture = Image.fromarray(np.clip(rng.normal(12, 3, (360, 480, 3)), 0, 255).astype(np.uint8))
    ImageDraw.Draw(picture).ellipse([90, 20, 390, 340], outline=(240, 235, 220), width=70)  # a bold 0 filling the frame
    ink = find_ink(np.asarray(picture))
    assert ink[180, 100:140].mean() > 0.8  # the ring is ink
    assert ink[180, 240] < 0.1 and ink[5:15, 5:15].max() < 0.1  # its hole and the page are not


def test_find_ink_keeps_a_marker_stroke_wider_than_the_light_window_on_an_evenly_dark_page_whole():
    # An evenly dark border is a dark page under even light: nothing to flatten. An opening as wide as a fifth of the
    # frame, which "flattening" would use, takes a marker blob wider than that for lit paper and cuts it out.
    rng = np.random.default_rng(5)
    picture = Image.fromarray(np.clip(rng.normal(12, 3, (300, 300, 3)), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    draw.ellipse([80, 40, 220, 170], fill=(250, 250, 235))  # a fat 8's top lobe, 140 px across
    draw.ellipse([70, 140, 230, 280], fill=(250, 250, 235))
    draw.ellipse([135, 195, 165, 235], fill=(12, 12, 12))  # the small hole the marker left in the bottom lobe
    ink = find_ink(np.asarray(picture))
    assert ink[60:150, 110:190].min() > 0.8  # the lobe's middle is ink, not a hole cut by the flattening
    assert ink[215, 150] < 0.1 and ink[5:15, 5:15].max() < 0.1


def grained_desk(shape=(360, 480), colour=(110, 105, 100), seed=3) -> np.ndarray:
    """A desk's surface: grain streaks (sharp, stroke-like to an edge detector) along a diagonal."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    streaks = np.sin((xs + ys) * 2 * np.pi / 9) * 35 + np.random.default_rng(seed).normal(0.0, 4.0, shape)
    return np.clip(np.asarray(colour, dtype=np.float32) + streaks[..., np.newaxis], 0, 255).astype(np.uint8)


def test_find_ink_drops_a_grained_desk_beyond_the_page_s_edge():
    picture = grained_desk()
    picture[:, :400] = photo_of_seven()[:, :400]  # the page's edge at x = 400, the desk beyond it
    ink = find_ink(picture)
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.8
    assert ink[:, 396:].max() < 0.25  # none of the grain is ink


def test_off_page_marks_the_desk_and_a_finger_not_a_soft_shadow():
    picture = grained_desk()
    picture[:, :400] = photo_of_seven()[:, :400]
    ImageDraw.Draw(image := Image.fromarray(picture)).rectangle([180, 300, 230, 360], fill=(200, 140, 110))  # a finger
    paper = np.array(PAPER, dtype=np.uint8)
    beyond = off_page(np.asarray(image), paper)
    assert beyond[:, 404:].all() and beyond[310:, 190:220].all()
    assert not beyond[stroke_mask(size=(480, 360), width=8)].any() and not beyond[:, :170].any()
    # A shadow band entering from the edge is as dark, but fades: it is the page, in the shade.
    assert off_page(photo_of_seven(light=soft_band(depth=0.5, centre=0.95)), paper) is None


def squared_paper(picture: Image.Image, spacing=24, colour=(165, 185, 215)) -> Image.Image:
    draw = ImageDraw.Draw(picture)
    for step in range(spacing // 2, max(picture.size), spacing):
        draw.line([(0, step), (picture.width, step)], fill=colour, width=1)
        draw.line([(step, 0), (step, picture.height)], fill=colour, width=1)
    return picture


def test_find_ink_removes_squared_paper_where_its_lines_cross_too():
    ink = find_ink(np.asarray(squared_paper(Image.fromarray(photo_of_seven()))))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.6  # the 7's bar lies along a line (y = 108)
    assert ink[200:, 300:].max() < 0.25  # no dot left where two lines crossed


def test_find_ink_drops_a_blurred_fingertip_entering_from_the_edge():
    finger = Image.new("L", (480, 360), 0)
    ImageDraw.Draw(finger).rounded_rectangle([420, -40, 470, 150], radius=25, fill=255)  # 2% of the border
    finger = np.asarray(finger.filter(ImageFilter.GaussianBlur(4)), dtype=np.float32)[..., np.newaxis] / 255
    picture = photo_of_seven() * (1 - finger) + np.array([150, 95, 70]) * finger  # out of focus, as it is close
    ink = find_ink(np.clip(picture, 0, 255).astype(np.uint8))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.8
    assert ink[:140, 410:].max() < 0.25


def test_off_page_takes_a_one_channel_picture():
    picture = grained_desk()[..., :1].copy()
    picture[:, :400, 0] = to_grey(photo_of_seven())[:, :400] * 255
    beyond = off_page(picture, np.array([np.uint8(to_grey(np.array([[PAPER]], dtype=np.uint8))[0, 0] * 255)]))
    assert beyond is not None and beyond[:, 404:].all() and not beyond[:, :380].any()


def test_find_ink_drops_a_pen_whose_shaft_is_narrower_than_a_bold_stroke():
    # A pen held from the bottom edge: its grip and its shaft are the same dark blue, and the shaft is thinner
    # than the opening that keeps a desk's fill off the digit.
    image = Image.fromarray(photo_of_seven())
    ImageDraw.Draw(image).rectangle([382, 290, 422, 360], fill=(25, 45, 135))  # the grip, entering from the edge
    ImageDraw.Draw(image).line([(402, 290), (410, 150)], fill=(25, 45, 135), width=9)
    ink = find_ink(np.asarray(image))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.8
    assert ink[140:, 370:440].max() < 0.25  # none of the pen


def test_find_ink_drops_a_round_pen_whose_shaft_is_lit_lighter_than_its_grip():
    # A red pen from the bottom edge, its round shaft lit: a light stripe down the middle, its sides in shade. The
    # shaft is 30-60 levels from the grip's colour: still the pen, not ink of another colour.
    image = Image.fromarray(photo_of_seven())
    draw = ImageDraw.Draw(image)
    draw.rectangle([382, 290, 422, 360], fill=(170, 28, 28))  # the grip, entering from the edge
    draw.line([(404, 290), (404, 150)], fill=(150, 20, 20), width=11)  # the shaft's shaded sides
    draw.line([(404, 290), (404, 150)], fill=(215, 80, 80), width=5)  # and its lit middle
    ink = find_ink(np.asarray(image))
    assert ink[stroke_mask(size=(480, 360), width=8)].mean() > 0.8
    assert ink[140:, 370:440].max() < 0.25  # none of the pen


def test_off_page_keeps_a_digit_of_another_colour_touching_the_pen():
    image = Image.fromarray(photo_of_seven())
    ImageDraw.Draw(image).rectangle([280, 290, 320, 360], fill=(20, 20, 25))  # a black pen's grip
    ImageDraw.Draw(image).line([(300, 290), (300, 200)], fill=(20, 20, 25), width=9)  # and its shaft
    ImageDraw.Draw(image).line([(300, 230), (380, 230)], fill=(40, 40, 200), width=8)  # blue ink touching it
    beyond = off_page(np.asarray(image), np.array(PAPER, dtype=np.uint8))
    assert beyond is not None and beyond[205:355, 298:302].all()
    assert not beyond[226:234, 330:380].any()


def uneven_page_on_a_light_desk(seed=4) -> np.ndarray:
    """A 7 on paper lit brighter towards the right, the page's edge at x = 400 and beyond it a desk nearly as light
    as the paper but of a warmer hue, with wavy grain: 25-45 from the paper, under the desk test's 40 in places."""
    page = photo_of_seven(light=np.linspace(0.86, 1.06, 480)[np.newaxis, :] * np.ones((360, 1), np.float32))
    ys, xs = np.mgrid[0:360, 0:480].astype(np.float32)
    waves = 8 * np.sin(ys * 2 * np.pi / 14 + 0.5 * np.sin(xs / 9)) + np.random.default_rng(seed).normal(0, 3, ys.shape)
    desk = np.array([198, 190, 174], dtype=np.float32) + waves[..., np.newaxis]
    picture = np.where((xs >= 400)[..., np.newaxis], desk, page.astype(np.float32))
    return np.clip(picture, 0, 255).astype(np.uint8)


def test_off_page_marks_a_light_desk_of_another_hue_by_its_sharp_edge():
    picture = uneven_page_on_a_light_desk()
    paper = np.round(np.median(border_pixels(picture[:, :400]), axis=0)).astype(np.uint8)
    beyond = off_page(picture, paper)
    assert beyond is not None and beyond[:, 408:].mean() > 0.95
    assert not beyond[stroke_mask(size=(480, 360), width=8)].any() and not beyond[:, :380].any()


def digit_cropped_close() -> np.ndarray:
    """A clean, rendered 8 cropped close: its loops run along and past the frame's edges, no margin of paper."""
    image = Image.new("RGB", (140, 200), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([6, -4, 134, 100], outline=(20, 20, 20), width=16)
    draw.ellipse([-6, 88, 146, 204], outline=(20, 20, 20), width=16)
    return np.asarray(image)


def test_find_ink_reads_a_clean_digit_cropped_close_as_ink_not_as_a_desk():
    # Its strokes along the border are not a desk beyond the page, and its light paper means dark ink, however
    # much of the frame the digit covers (the border's spread still calls for flattening).
    picture = digit_cropped_close()
    strokes = picture[..., 0] < 128
    ink = find_ink(picture)
    # Flattened, the strokes keep their ink within sharp_only's reach of their edges: most of these 16 px ones.
    assert ink[strokes].mean() > 0.7 and ink[~strokes].max() < 0.1


def test_off_page_never_takes_the_frame_s_middle_for_what_lies_beyond_the_page():
    # A vignette can darken a page's border to the desk's colour: the desk is then taken for the paper, and the
    # page, entering from the frame's edges and ending sharply at the desk, looks like what lies beyond it.
    picture = grained_desk()
    picture[:, :400] = photo_of_seven()[:, :400]
    desk = np.median(grained_desk()[:, 400:].reshape(-1, 3), axis=0).astype(np.uint8)
    assert off_page(picture, desk) is None


def region_ending(inside: int, past: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A light desk of another hue along the left edge (columns 0-9), ``inside`` levels from the paper at its own
    edge and ``past`` in the columns past it (1, 2... px): (small, reached, to_paper, paper)."""
    paper = np.array([220, 219, 221], dtype=np.int16)
    small = np.broadcast_to(paper, (40, 40, 3)).copy()
    small[:, :10] = (192, 187, 177)
    reached = np.zeros((40, 40), dtype=bool)
    reached[:, :10] = True
    to_paper = np.full((40, 40), past[-1], dtype=np.int16)
    to_paper[:, :10] = inside
    to_paper[:, 10 : 10 + len(past)] = past
    return small, reached, to_paper, paper


def test_a_light_desk_settles_within_a_seventh_of_its_step_a_lamp_s_hotspot_does_not():
    assert _settles_in_another_hue(*region_ending(39, [20, 13, 10, 9, 9, 9, 9, 9]))  # 4 of 30 left at 2 px: a desk
    assert not _settles_in_another_hue(*region_ending(39, [20, 15, 11, 10, 8, 6, 4, 2]))  # 5 of 29, and still fading


def test_a_grained_desk_s_blurred_edge_settles_by_four_pixels_past_it():
    # Its level at 4 px is the one it keeps (a page's noise); a lamp's hotspot is still fading there.
    assert _settles_in_another_hue(*region_ending(31, [25, 19, 16, 15, 15, 16, 16, 17]))
    assert not _settles_in_another_hue(*region_ending(54, [39, 34, 31, 30, 28, 24, 22, 20]))



def test_without_lines_keeps_a_stroke_written_along_a_faint_ruled_line():
    distance = np.zeros((240, 320), dtype=np.uint8)
    distance[30::40, :] = 60  # printed lines, 1 px, faint beside the ink
    distance[31::40, :] = 60
    distance[40:92, 100:104] = 200  # a stroke down to a line...
    distance[110:112, 100:160] = 200  # ... and one along the next line (rows 110-111), as a 2's base
    distance[70:112, 156:160] = 200
    kept = without_lines(distance)
    assert (kept[110:112, 100:160] == 200).all() and (kept[40:92, 100:104] == 200).all()
    assert not kept[110:112, :90].any() and not kept[110:112, 170:].any() and not kept[30:32].any()
