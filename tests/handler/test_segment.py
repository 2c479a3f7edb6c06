"""Reading one line of digits from an ink map: synthetic strokes, the shipped classifier."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from handler.errors import UnusableImage
from handler.pieces import Piece, find_pieces
from handler import segment
from handler.segment import digit_columns, read_line
from handler.service import load_classifier
from tests.conftest import SHIPPED_MODEL

PEN = 9
Shape = list[tuple[float, float]]


@pytest.fixture(scope="module")
def classify():
    return load_classifier(SHIPPED_MODEL).predict


def ink(strokes: list[Shape], size: tuple[int, int] = (420, 160), ellipses: list[tuple] = ()) -> np.ndarray:
    """float (H, W) ink map, 1 on the strokes: polylines and ellipse outlines drawn with a round pen."""
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        draw.line(stroke, fill=255, width=PEN, joint="curve")
    for box in ellipses:
        draw.ellipse(box, outline=255, width=PEN)
    return np.asarray(image, dtype=np.float32) / 255.0


ONE = [(0, 0), (0, 100)]
SEVEN = [(0, 0), (55, 0), (20, 100)]


def at(stroke: Shape, dx: float, dy: float = 30) -> Shape:
    return [(x + dx, y + dy) for x, y in stroke]


def test_read_line_two_separated_digits_give_two_boxes_left_to_right(classify):
    digits = read_line(ink([at(ONE, 80), at(SEVEN, 200)]), classify, max_digits=12)
    assert [str(d.probabilities.argmax()) for d in digits] == ["1", "7"]
    (x1, _, w1, _), (x2, _, w2, _) = (d.box for d in digits)
    assert x1 + w1 <= x2  # apart, and in writing order
    assert x1 <= 80 - PEN // 2 + 1 and x2 + w2 >= 255  # each box holds its digit's strokes


def test_read_line_wide_gap_is_still_one_number(classify):
    digits = read_line(ink([at(SEVEN, 40), at(ONE, 360)], size=(520, 160)), classify, max_digits=12)
    assert [str(d.probabilities.argmax()) for d in digits] == ["7", "1"]


def test_read_line_splits_a_touching_pair(classify):
    # The 7's bar starts on the 1's stroke: one connected piece of ink, two digits.
    pair = ink([at(ONE, 100), at(SEVEN, 104)])
    assert len(find_pieces(pair)[1]) == 1
    assert "".join(str(d.probabilities.argmax()) for d in read_line(pair, classify, max_digits=12)) == "17"


def test_read_line_keeps_a_five_with_a_separate_flag_as_one_digit(classify):
    body = [(100, 40), (96, 85), (112, 78), (135, 80), (150, 95), (152, 115), (140, 130), (118, 136), (98, 128)]
    flag = [(106, 34), (150, 34)]  # lifted pen: the flag does not touch the body
    digits = read_line(ink([body, flag], size=(260, 180)), classify, max_digits=12)
    assert [str(d.probabilities.argmax()) for d in digits] == ["5"]


def test_read_line_ignores_a_band_along_the_edge(classify):
    page = ink([at(ONE, 80), at(SEVEN, 200)])
    page[:, :25] = np.random.default_rng(0).random((page.shape[0], 25)) > 0.5  # the desk past the paper
    assert [str(d.probabilities.argmax()) for d in read_line(page, classify, max_digits=12)] == ["1", "7"]


def test_read_line_more_digits_than_allowed_is_unusable(classify):
    ones = [at(ONE, 30 + 40 * i) for i in range(14)]
    with pytest.raises(UnusableImage, match="too many digits"):
        read_line(ink(ones, size=(620, 160)), classify, max_digits=12)


def test_read_line_blank_is_unusable(classify):
    with pytest.raises(UnusableImage, match="no digit"):
        read_line(np.zeros((100, 300), dtype=np.float32), classify, max_digits=12)


def test_read_line_classifies_every_candidate_in_one_call(classify):
    calls = []

    def counting(images: np.ndarray) -> np.ndarray:
        calls.append(len(images))
        return classify(images)

    read_line(ink([at(ONE, 80), at(SEVEN, 200)]), counting, max_digits=12)
    assert len(calls) == 1


def test_digit_columns_reads_the_ten_digits_of_an_eleven_class_model():
    eleven = np.array([[0.1] * 9 + [0.05, 0.05]])
    assert digit_columns(eleven).shape == (1, 10)
    assert digit_columns(eleven)[0, 9] == pytest.approx(0.05)


def test_read_line_ignores_a_solid_desk_strip_that_stops_short_of_the_edge(classify):
    page = ink([at(ONE, 80), at(SEVEN, 200)])
    page[:, 385:412] = 1.0  # the desk past the paper, a few pixels in from the border the paper was sampled on
    assert [str(d.probabilities.argmax()) for d in read_line(page, classify, max_digits=12)] == ["1", "7"]


def test_read_line_ignores_a_speckled_strip_that_stops_short_of_the_edge(classify):
    page = ink([at(ONE, 80), at(SEVEN, 200)])
    page[:, 380:410] = np.random.default_rng(1).random((page.shape[0], 30)) > 0.6
    assert [str(d.probabilities.argmax()) for d in read_line(page, classify, max_digits=12)] == ["1", "7"]


def test_read_line_clutter_along_the_top_does_not_set_the_line(classify):
    page = ink([at(ONE, 80, 100), at(SEVEN, 200, 100)], size=(420, 260))
    rng = np.random.default_rng(2)
    for left, right in ((0, 170), (190, 420)):  # a desk's texture in two blobs, heavier than the digits
        page[:40, left:right] = rng.random((40, right - left)) > 0.3
    assert [str(d.probabilities.argmax()) for d in read_line(page, classify, max_digits=12)] == ["1", "7"]


def test_read_line_splits_two_overlapping_zeros(classify):
    # Pushed together until one's loop runs into the other's: no path between them avoids the strokes.
    pair = ink([], size=(300, 180), ellipses=[(60, 30, 130, 140), (118, 30, 188, 140)])
    assert len(find_pieces(pair)[1]) == 1
    assert "".join(str(d.probabilities.argmax()) for d in read_line(pair, classify, max_digits=12)) == "00"


def test_a_cut_through_a_closed_loop_counts_the_loop_and_a_cut_beside_it_does_not():
    # A 0 with a 1 touching its right side: cuts inside the 0 halve its loop, the cut at the 1 does not.
    page = ink([[(172, 30), (172, 140)]], size=(260, 180), ellipses=[(60, 30, 170, 140)])
    line, pieces = find_pieces(page)
    assert len(pieces) == 1
    cuts = segment._cut_options(line, pieces[0], 0)
    halves = sorted((option.candidates[0].box[3], option.looped) for option in cuts if len(option.candidates) == 2)
    assert all(looped > 0.2 for right, looped in halves if right < 150)  # through the loop: all of it counted
    assert halves[-1][0] > 160 and halves[-1][1] == 0  # between the 0 and the 1
    assert segment.LOOP_CUT > 0


def test_a_short_candidate_read_as_one_costs_more_than_the_same_shape_read_as_another_digit():
    # A stroke cut off a digit reads as a confident 1 and is often shorter than the line; a written 1 is not.
    def cost(digit: int, height: float) -> float:
        candidate = segment._Candidate((0, 0, 0, 0), width=0.3 * height, height=height, image=np.zeros((28, 28)))
        return segment._shape_cost(candidate, digit)

    def extra(height: float) -> float:  # what the 1 pays beyond a 7 of the same aspect
        return cost(1, height) - cost(7, height)

    assert extra(1.2) == pytest.approx(extra(1.0))  # a full-height 1 pays nothing for its height
    assert extra(0.75) - extra(1.0) == pytest.approx(segment.ONE_SHORT * (1.0 - 0.75)) and segment.ONE_SHORT > 0
    assert extra(0.6) > extra(0.75)


def test_a_short_one_cut_from_a_sure_digit_is_charged_less_for_its_height_and_wins_over_the_two_read_as_one():
    # A 1 pressed against an 8 comes out of the cut short (the cut rounds the joint), the 8 beside it reads sure.
    # Read as one candidate the two look like an 8, a little less sure: the reading "18" must win.
    def read(digit: int, p: float) -> np.ndarray:
        probabilities = np.full(11, (1 - p) / 10)
        probabilities[digit] = p
        return probabilities

    one = segment._Candidate((0, 0, 0, 0), width=0.17, height=0.8, image=np.zeros((28, 28)))
    eight = segment._Candidate((0, 0, 0, 0), width=0.68, height=1.0, image=np.zeros((28, 28)))
    both = segment._Candidate((0, 0, 0, 0), width=0.84, height=1.0, image=np.zeros((28, 28)))
    sure = {id(one): read(1, 0.99), id(eight): read(8, 0.995), id(both): read(8, 0.88)}
    sure[id(both)][10] = 0.1  # the two squeezed into one input: some of it "not a digit"
    excused = segment._candidate_score(one, sure[id(one)], cut_beside_digit=True)
    assert excused - segment._candidate_score(one, sure[id(one)]) == pytest.approx(
        (segment.ONE_SHORT - segment.ONE_SHORT_BESIDE) * 0.2) and segment.ONE_SHORT_BESIDE < segment.ONE_SHORT
    assert segment._parts_score([one, eight], sure) == pytest.approx(
        excused + segment._candidate_score(eight, sure[id(eight)]))
    unsure = {**sure, id(eight): read(8, 0.6)}  # beside an unsure part, a short 1 is likelier a cut-off stroke
    assert segment._parts_score([one, eight], unsure) == pytest.approx(
        segment._candidate_score(one, sure[id(one)]) + segment._candidate_score(eight, unsure[id(eight)]))
    piece = Piece(components=[1], top=0, bottom=1, left=0, right=1, x0=0.0, x1=1.0)  # its box is not read here
    cut = segment._Option(0, 1, [one, eight], along=0.1)  # the cut crosses the joint, a tenth of the line high
    reading = segment._best_reading([piece], [segment._Option(0, 1, [both]), cut], sure)
    assert [c for c, _ in reading] == [one, eight]


def test_the_parts_of_a_cut_know_the_closed_loops_they_hold_whole():
    # A 0 with a 1 touching its right side: the cut at the 1 leaves the 0's loop whole in its left part; a cut
    # through the 0 leaves it in neither part. Uncut, the piece holds it.
    page = ink([[(172, 30), (172, 140)]], size=(260, 180), ellipses=[(60, 30, 170, 140)])
    line, pieces = find_pieces(page)
    options = segment._options(line, pieces)
    cuts = [option for option in options if len(option.candidates) == 2]
    loops = {loop for option in cuts for loop, _ in option.cut_loops}
    assert len(loops) == 1
    beside = max(cuts, key=lambda option: option.candidates[0].box[3])
    assert beside.looped == 0 and beside.candidates[0].loops == loops and not beside.candidates[1].loops
    through = [option for option in cuts if 90 < option.candidates[0].box[3] < 150]  # across the middle of the 0
    assert through and all(not part.loops for option in through for part in option.candidates)
    (alone,) = [option for option in options if len(option.candidates) == 1]
    assert alone.candidates[0].loops == loops


def test_a_cut_pays_for_a_loop_only_when_a_candidate_holding_it_reads_as_a_loop_digit():
    # Touching digits enclose paper between them (a 2's tail run into a 3) that must be cut through to part
    # them; a 0's or a 6's loop is read as that digit by some candidate that holds it whole.
    loop = (0, 1)
    holder = segment._Candidate((0, 0, 0, 0), width=0.6, height=1.0, image=np.zeros((28, 28)), loops=frozenset({loop}))
    cut = segment._Option(0, 1, [], cut_loops=((loop, 0.3),))
    assert cut.looped == pytest.approx(0.3)
    assert cut.cost(frozenset()) == pytest.approx(0.0)
    assert cut.cost(frozenset({loop})) == pytest.approx(segment.LOOP_CUT * 0.3)

    def reading(digit: int) -> np.ndarray:
        probabilities = np.full(11, 0.01)
        probabilities[digit] = 0.9
        return probabilities

    holding = segment._Option(0, 1, [holder])
    for digit in range(10):
        own = segment._own_loops([holding, cut], {id(holder): reading(digit)})
        assert own == ({loop} if digit in (0, 4, 6, 8, 9) else set())


def test_read_line_shears_steeply_leaning_writing_back_to_a_slight_lean(classify):
    # Ones leaning 0.6 px per row (an italic script font): read as MNIST digits leaning at most UPRIGHT_LEAN.
    leaning_one = [(60, 0), (0, 100)]
    digits = read_line(ink([at(leaning_one, 60), at(leaning_one, 200), at(leaning_one, 340)], size=(520, 160)),
                       classify, max_digits=12)
    assert [str(d.probabilities.argmax()) for d in digits] == ["1", "1", "1"]
    image = digits[0].model_input
    columns = np.arange(image.shape[1])
    top, bottom = ((part.sum(axis=0) @ columns) / part.sum() for part in (image[:14], image[14:]))
    assert top - bottom < 4.0  # the halves' centres are 14 rows apart: ~1.8 px at a 0.2 lean, ~5.5 px unsheared


def test_sheared_stands_a_leaning_stroke_upright_and_trims_to_it():
    leaning = np.zeros((10, 12), dtype=np.float32)
    for row in range(10):
        leaning[row, 8 - row // 2] = 1.0  # tops lean right, 0.5 px per row
    upright = segment._sheared(leaning, 0.5)
    ink_columns = np.flatnonzero((upright > 0.3).any(axis=0))
    assert upright.shape[0] == 10 and np.ptp(ink_columns) <= 1
    assert upright.shape[1] <= ink_columns.size + 2  # one column of paper each side at most
    assert segment._sheared(leaning, 0.0) is leaning


def outlined(strokes: list[Shape], size: tuple[int, int] = (420, 160)) -> np.ndarray:
    """float (H, W) ink map of the strokes drawn hollow, as an outlined font draws them: a thin line round a broad pen."""
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        draw.line(stroke, fill=255, width=15, joint="curve")
    broad = np.asarray(image, dtype=np.float32) / 255.0
    inside = np.asarray(image.filter(ImageFilter.MinFilter(5)), dtype=np.float32) / 255.0
    return broad - inside


def test_an_outlined_stroke_is_read_filled_in_but_a_digits_loop_stays_open():
    line, pieces = find_pieces(outlined([at(ONE, 80)]))
    assert len(pieces) == 1
    piece = pieces[0]
    core = line.labels[piece.top : piece.bottom, piece.left : piece.right] >= 0
    assert core[:, core.shape[1] // 2].mean() > 0.9  # the inside of the outline is stroke now
    assert line.ink[piece.top + 50, (piece.left + piece.right) // 2] >= 1.0

    line, pieces = find_pieces(ink([], ellipses=[(80, 30, 140, 130)]))  # a 0: its loop is paper still
    zero = pieces[0]
    assert line.labels[(zero.top + zero.bottom) // 2, (zero.left + zero.right) // 2] == -1

