"""Image -> the 28x28 input MNIST's model expects, the way MNIST itself was made. Pure numpy + Pillow.

MNIST digits are white ink on black, fitted into a 20x20 box with their aspect ratio kept, strokes
about two pixels wide, and centred by centre of mass in a 28x28 field. ``preprocess_auto`` brings any
picture of one digit there: it finds the ink (``handler.ink``: transparency, or distance from the
paper's colour with uneven light flattened), drops specks and clutter away from the digit, crops,
brings strokes to MNIST's width, fits and centres.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from PIL import Image

from handler.components import component_stats, label_runs
from handler.errors import UnusableImage
from handler.ink import as_uint8, find_ink, to_grey
from handler.morphology import (
    connected_to_edge, enlarged, grow, max_filter, max_pool, min_filter, neighbour_count, stroke_width, thin,
)

__all__ = ["DigitPicture", "prepare_auto", "preprocess_auto", "preprocess_mnist", "to_grey", "ink_bounding_box", "fit_to_box", "center_by_mass"]

MNIST_SIZE = 28
BOX_SIZE = 20  # MNIST fitted each digit into 20x20 before centring it in 28x28
FIT_SCALE = 4  # strokes are measured and adjusted at 4x the box (80 px) before the final shrink
STROKE_WIDTH = 2.0  # MNIST's median stroke width at 28x28 (2 x area / perimeter of ink > 0.5, x_train)
WIDTH_RANGE = (1.5, 3.0)  # strokes inside this range (MNIST's own spread) are left alone
MIN_FIT_WIDTH = 2.0  # px at 80: thinner strokes would fade in the shrink, so they are widened before it
MIN_INK_PIXELS = 4
MERGE_GAP = 0.2  # parts of one digit lie closer than this fraction of its size; farther ink is clutter
HEAVY_PART = 0.5  # of the digit's mass: a part written apart from the rest (a 5's flag), not clutter
CLEAR_SIDE = 128  # px: ink touching the picture's edge is traced on a copy this size
MIN_INSIDE = 0.04  # of the shorter side: ink inside smaller than this is a speck, not the digit
# Ink beside the digit at least this tall (of the digit's rows), heavy (of its ink) and wide (of its width)
# is a second digit.
SECOND_DIGIT_HEIGHT, SECOND_DIGIT_MASS, SECOND_DIGIT_WIDTH = 0.5, 0.25, 0.2
# A speckled ink map (camera noise in a dim room): this share of its pixels have at most LONE_NEIGHBOURS inked pixels
# in the 3x3 around them, themselves included (a grain alone or in a pair); a stroke's, even a 1 px line's, have 3 or
# more (on development pictures: under 3% of the ink of pictures that are not noisy, 57% and more of those that are).
SPECKLED, LONE_NEIGHBOURS = 0.3, 2
# Of such candidates the model judges which are digits: one read this surely (and not as "not a digit").
DIGIT_LIKE = 0.5
# A picture refused or read unsure is read again as cropped close to its digit (``DigitPicture.cropped_close``) when
# it is at least this on its shorter side: smaller ones get no desk logic to undo.
CLOSE_CROP_MIN_SIDE = 64
TURNED_FRINGE = 0.05  # a turned crop is cut to its ink above this: the bilinear turn smears a faint fringe
SEVERAL_DIGITS = "no single digit: the picture holds several digits side by side; /predict/number reads a number"
Box = tuple[int, int, int, int]  # (top, bottom, left, right) in the ink map
Classify = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) -> (N, 10 or 11) probabilities


def check_mnist_size(width: int, height: int) -> None:
    """Strict mode takes only MNIST's own 28x28; anything else is a 422 that says what it got."""
    if (width, height) != (MNIST_SIZE, MNIST_SIZE):
        raise UnusableImage(f"mnist mode needs a 28x28 image, got {width}x{height}: use mode=auto for other pictures")


def preprocess_mnist(rgb: np.ndarray) -> np.ndarray:
    """Strict mode: a 28x28 image used exactly as MNIST stores it (white on black), scaled to [0, 1]."""
    check_mnist_size(width=rgb.shape[1], height=rgb.shape[0])
    return to_grey(rgb)


@dataclass(frozen=True)
class DigitPicture:
    """What the model reads of one picture (``model_input``, (28, 28)), and the digit's ink it was fitted from
    (None in mnist mode, whose pictures are read exactly as given), for a second look."""

    model_input: np.ndarray
    ink: np.ndarray | None = None
    # The same picture read as cropped close to its digit (``_cropped_close``), for when this reading is unsure.
    cropped_close: Callable[[], DigitPicture | None] | None = field(default=None, compare=False, repr=False)
    spans_frame: bool = False  # the digit's box runs from one edge of the frame to the opposite one

    def turned(self, angles: Sequence[float]) -> list[np.ndarray]:
        """The digit's ink turned by each of ``angles`` (degrees, anticlockwise), each fitted and centred anew."""
        if self.ink is None:
            return []
        return [model_input_of(_trim(_turned(self.ink, angle), TURNED_FRINGE)) for angle in angles]


def preprocess_auto(rgb: np.ndarray, alpha: np.ndarray | None = None, *, classify: Classify | None = None) -> np.ndarray:
    """Any picture of one digit -> (28, 28) float32 in [0, 1], white ink on black, centred by mass.

    ``rgb``: (H, W, 3) or (H, W), uint8 or floats in [0, 1]; ``alpha`` likewise, when the file has one.
    Ink beside the digit that could be a second digit (a finger's tip, a page's edge, or really a digit) is
    judged by ``classify`` when given (``pick_digit``); without it, it is a 422.
    """
    return prepare_auto(rgb, alpha, classify=classify).model_input


def prepare_auto(rgb: np.ndarray, alpha: np.ndarray | None = None, *, classify: Classify | None = None) -> DigitPicture:
    """``preprocess_auto``, with the digit's ink kept beside the model's input."""
    if alpha is None and rgb.shape[:2] == (MNIST_SIZE, MNIST_SIZE) and is_mnist_form(grey := to_grey(rgb)):
        # already what the model reads: fitting it again would only blur it (its digit is kept to turn)
        rows, cols = np.flatnonzero(grey.max(axis=1) > 0), np.flatnonzero(grey.max(axis=0) > 0)
        return DigitPicture(grey, grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    rgb, alpha = as_uint8(rgb), None if alpha is None else as_uint8(alpha)
    may_be_close = alpha is None and min(rgb.shape[:2]) >= CLOSE_CROP_MIN_SIDE
    try:
        picture = _prepared(rgb, alpha, classify)
    except UnusableImage:
        # Perhaps cropped close: its digit, running into the frame's edge, was taken for a desk or clutter.
        close = _cropped_close(rgb, classify) if may_be_close else None
        if close is None:
            raise
        return close
    if may_be_close:
        return replace(picture, cropped_close=partial(_cropped_close, rgb, classify))
    return picture


def _cropped_close(rgb: np.ndarray, classify: Classify | None) -> DigitPicture | None:
    """The picture read as cropped close to its digit (ink running into the frame's edge kept), when the digit
    so found spans the frame from one edge to the opposite one; else None."""
    try:
        close = _prepared(rgb, None, classify, cropped_close=True)
    except UnusableImage:
        return None
    return close if close.spans_frame else None


def _prepared(rgb: np.ndarray, alpha: np.ndarray | None, classify: Classify | None, *,
              cropped_close: bool = False) -> DigitPicture:
    ink = despeckled(find_ink(rgb, alpha, beyond_page=not cropped_close))
    boxes = digit_boxes(ink, clear_edges=not cropped_close)
    crops = [ink[top:bottom, left:right] for top, bottom, left, right in boxes]
    inputs = [model_input_of(crop) for crop in crops]
    chosen = 0
    if len(inputs) > 1:
        if classify is None:
            raise UnusableImage(SEVERAL_DIGITS)
        chosen = pick_digit(classify(np.stack(inputs)))
    top, bottom, left, right = boxes[chosen]
    spans = (top == 0 and bottom == ink.shape[0]) or (left == 0 and right == ink.shape[1])
    return DigitPicture(inputs[chosen], crops[chosen], spans_frame=spans)


def model_input_of(crop: np.ndarray) -> np.ndarray:
    """The digit's cropped ink -> the (28, 28) input: fitted into 20x20, strokes MNIST-thick, centred by mass."""
    return center_by_mass(fit_to_box(crop))


def _turned(ink: np.ndarray, angle: float) -> np.ndarray:
    """``ink`` turned by ``angle`` degrees about its centre, the frame grown to hold all of it."""
    image = Image.fromarray(ink.astype(np.float32, copy=False), mode="F")
    return np.asarray(image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True), dtype=np.float32)


def despeckled(ink: np.ndarray, *, level: float = 0.5) -> np.ndarray:
    """``ink`` without a dim room's sensor noise: when most ink pixels have few inked neighbours (grains, not
    strokes), only what survives a 2x2 opening counts, with a pixel of margin for the strokes' soft edges."""
    mask = ink > level
    lone = np.count_nonzero(mask & (neighbour_count(mask) <= LONE_NEIGHBOURS))
    if lone < SPECKLED * np.count_nonzero(mask):
        return ink
    strokes = max_filter(max_filter(min_filter(mask, 2), 2), 3)
    return np.where(strokes, ink, 0.0).astype(np.float32)


def is_mnist_form(grey: np.ndarray) -> bool:
    """Whether a picture is already in MNIST's own form: 28x28, white ink on black with no stray pixel, the digit
    fitted to 20 px (its longest side 19 or 20) and centred by mass to within a pixel (all of MNIST's test digits)."""
    if grey.shape != (MNIST_SIZE, MNIST_SIZE):
        return False
    rows, cols = np.flatnonzero((grey > 0).any(axis=1)), np.flatnonzero((grey > 0).any(axis=0))
    if rows.size == 0 or rows[0] == 0 or cols[0] == 0 or rows[-1] == MNIST_SIZE - 1 or cols[-1] == MNIST_SIZE - 1:
        return False
    if max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 not in (BOX_SIZE - 1, BOX_SIZE):
        return False
    centre = (MNIST_SIZE - 1) / 2
    return max(abs(mass - centre) for mass in centre_of_mass(grey)) <= 1.0


def pick_digit(probabilities: np.ndarray) -> int:
    """Which of candidates side by side (``probabilities``, a row each) the model reads as a digit; a 422 when several read as digits
    (a number: /predict/number) and the surest one when none does (the model's answer then says it is unsure)."""
    digits = probabilities[:, :10]
    digit_like = digits.max(axis=1) >= DIGIT_LIKE
    if probabilities.shape[1] > 10:
        digit_like &= probabilities[:, 10] < DIGIT_LIKE
    if np.count_nonzero(digit_like) > 1:
        raise UnusableImage(SEVERAL_DIGITS)
    return int(np.argmax(digits.max(axis=1)))


def ink_bounding_box(ink: np.ndarray, *, level: float = 0.5) -> Box:
    """(top, bottom, left, right) of the digit: isolated specks and ink far from the digit are ignored;
    a 422 when ink beside it looks like a second digit."""
    boxes = digit_boxes(ink, level=level)
    if len(boxes) > 1:
        raise UnusableImage(SEVERAL_DIGITS)
    return boxes[0]


def digit_boxes(ink: np.ndarray, *, level: float = 0.5, clear_edges: bool = True) -> list[Box]:
    """The box of the digit, then those of ink beside it on the same line that looks like another digit.

    ``clear_edges=False``: ink running into the frame's edge is kept (a picture cropped close to its digit)."""
    mask = ink > level
    if np.count_nonzero(mask) < MIN_INK_PIXELS:
        raise UnusableImage("no digit found: no stroke is dark or bright enough against the background")
    kept = mask & (neighbour_count(mask) >= 3)  # a lone pixel or pair is noise; a 1 px line keeps its body
    mask = kept if np.count_nonzero(kept) >= MIN_INK_PIXELS else mask
    mask = clear_border(mask) if clear_edges else mask
    # Rows first, by mass times height: the digit is the tallest thing on the page, while a row of a drawing
    # app's colour dots, a strip of desk or a line's remnant can outweigh a thin 1.
    top, bottom = _main_span(mask.sum(axis=1), by_height=True, join_heavy=True)
    # Columns: parts of one digit lie within a fraction of its height (a 9's loop beside its stem, a 7's bar).
    left, right = _main_span(mask[top:bottom].sum(axis=0), size=bottom - top)
    columns = [(left, right), *second_digits(mask[top:bottom], left, right)]
    # Rows again, within each one's columns: clutter beside it is gone now.
    return [(*_main_span(mask[:, start:end].sum(axis=1), join_heavy=True), start, end) for start, end in columns]


def second_digits(band: np.ndarray, left: int, right: int) -> list[tuple[int, int]]:
    """[start, end) columns of ink beside the digit's that looks like another digit on the same line, not
    clutter: as tall as half the digit and at least ``SECOND_DIGIT_MASS`` of its ink."""
    band = min_filter(band, 2)  # strokes keep their core; 1 px remnants of ruled lines and noise go
    profile = band.sum(axis=0)
    main_mass = float(profile[left:right].sum())
    found = []
    for start, end in _groups(profile, left, right):
        rows = np.flatnonzero(band[:, start:end].any(axis=1))
        tall = rows.size and rows[-1] - rows[0] + 1 >= SECOND_DIGIT_HEIGHT * band.shape[0]
        wide = end - start >= SECOND_DIGIT_WIDTH * (right - left)  # not a fragment of a ruled line
        if tall and wide and profile[start:end].sum() >= SECOND_DIGIT_MASS * main_mass:
            found.append((start, min(end + 1, band.shape[1])))  # the 2 px minimum took the last column
    return found


def _groups(profile: np.ndarray, left: int, right: int) -> list[tuple[int, int]]:
    """[start, end) of the ink outside [left, right), parts closer than the digit's merge gap taken together."""
    gap = MERGE_GAP * (right - left) + 2
    filled = np.flatnonzero(profile)
    filled = filled[(filled < left) | (filled >= right)]
    groups: list[list[int]] = []
    for column in filled:
        if groups and column - groups[-1][1] <= gap and not (groups[-1][1] < left <= column):
            groups[-1][1] = int(column) + 1
        else:
            groups.append([int(column), int(column) + 1])
    return [(start, end) for start, end in groups]


def clear_border(mask: np.ndarray) -> np.ndarray:
    """``mask`` without the ink connected to the picture's edge, when ink of digit size lies inside it.

    The table past the paper, a page's edge, a ruled line, a finger: clutter enters from the edge,
    while people centre the digit they photograph. Traced on a max-pooled copy (gaps of a few pixels
    count as connected) by growing from the edge within the ink until nothing changes.
    """
    factor = max(1, -(-max(mask.shape) // CLEAR_SIDE))
    pooled = max_pool(mask, factor)
    reached = connected_to_edge(pooled)
    if not reached.any():
        return mask
    if _largest_extent(pooled & ~reached) < MIN_INSIDE * min(pooled.shape):
        return mask  # nothing of digit size apart from the edge: the digit itself touches it
    return mask & ~enlarged(reached, factor, mask.shape)


def _largest_extent(mask: np.ndarray) -> int:
    """The longer side of the largest box one connected piece of ``mask`` spans: specks scattered over the picture
    (a camera's noise) span it only together."""
    runs = label_runs(mask)
    if runs.count == 0:
        return 0
    box = component_stats(runs)
    return int(np.maximum(box["bottom"] - box["top"], box["right"] - box["left"]).max())


def _main_span(profile: np.ndarray, *, by_height: bool = False, size: int = 0,
               join_heavy: bool = False) -> tuple[int, int]:
    """[start, end) of the heaviest run of non-empty rows (``by_height``: mass times length), grown over
    nearby runs (parts of the digit) closer than ``MERGE_GAP`` of its extent, or of ``size`` when larger.

    ``join_heavy`` (rows: digits are not stacked): a run holding at least ``HEAVY_PART`` of the digit's mass is
    also joined when it lies within ``MERGE_GAP`` of the extent the two have together (a 5 whose flag, written
    apart, is as heavy as its bowl), where clutter (a line's remnant, a speck) is light."""
    filled = np.flatnonzero(profile)
    breaks = np.flatnonzero(np.diff(filled) > 1)
    starts = np.concatenate([[filled[0]], filled[breaks + 1]])
    ends = np.concatenate([filled[breaks], [filled[-1]]]) + 1
    masses = np.add.reduceat(profile, starts)  # each run's mass: the rows between runs are empty
    first = last = int(np.argmax(masses * (ends - starts) if by_height else masses))

    def joins(run: int, gap_to: int) -> bool:
        extent = max(ends[last] - starts[first], size)
        if gap_to <= MERGE_GAP * extent + 2:
            return True
        heavy = join_heavy and masses[run] >= HEAVY_PART * masses[first : last + 1].sum()
        return heavy and gap_to <= MERGE_GAP * (max(ends[last], ends[run]) - min(starts[first], starts[run])) + 2

    while True:  # merge a neighbouring run while the gap to it is small next to the digit's size
        if first > 0 and joins(first - 1, starts[first] - ends[first - 1]):
            first -= 1
        elif last < len(starts) - 1 and joins(last + 1, starts[last + 1] - ends[last]):
            last += 1
        else:
            return int(starts[first]), int(ends[last])


def fit_to_box(crop: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Scale the cropped digit so its longest side is ``box``, aspect kept, strokes MNIST-thick.

    Strokes outside MNIST's range are brought to its median width; the scale is chosen so the digit
    spans ``box`` pixels after that change (its skeleton is what gets scaled).
    """
    large, target = box * FIT_SCALE, STROKE_WIDTH * FIT_SCALE
    longest, width = max(crop.shape), stroke_width(crop)
    scale = large / longest
    low, high = (limit * FIT_SCALE for limit in WIDTH_RANGE)
    if not low <= width * scale <= high and longest > width:
        scale = (large - target) / (longest - width)
    if width * scale < MIN_FIT_WIDTH and scale < 1:  # thin strokes would fade out in the shrink: widen first
        size = max(2, round(MIN_FIT_WIDTH / scale - width) + 1)
        crop = max_filter(np.pad(crop, size // 2 + 1), size)
        width = stroke_width(crop)
    fitted = _resize(crop, scale)
    change = round(target - width * scale)
    if not low <= width * scale <= high:
        fitted = _trim(grow(fitted, change) if change > 0 else thin(fitted, -change))
    final = (max(1, round(fitted.shape[1] / FIT_SCALE)), max(1, round(fitted.shape[0] / FIT_SCALE)))
    digit = _resize_to(fitted, final)
    if max(digit.shape) > box:  # rounding and growth can add a pixel: fit again rather than overflow
        digit = _resize(digit, box / max(digit.shape))
    return np.clip(digit, 0.0, 1.0)


def _trim(values: np.ndarray, level: float = 0.01) -> np.ndarray:
    rows, cols = np.flatnonzero(values.max(axis=1) > level), np.flatnonzero(values.max(axis=0) > level)
    if rows.size == 0:
        return values
    return values[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _resize(values: np.ndarray, scale: float) -> np.ndarray:
    height, width = values.shape
    return _resize_to(values, (max(1, round(width * scale)), max(1, round(height * scale))))


def _resize_to(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    shrinking = size[0] < values.shape[1] or size[1] < values.shape[0]
    resample = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR  # area average keeps thin ink
    image = Image.fromarray(values.astype(np.float32), mode="F").resize(size, resample)
    return np.asarray(image, dtype=np.float32)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the image's centre of mass; its middle when it is blank."""
    height, width = image.shape
    row_mass, col_mass = image.sum(axis=1, dtype=np.float64), image.sum(axis=0, dtype=np.float64)
    total = float(row_mass.sum())
    if not total:
        return (height - 1) / 2, (width - 1) / 2
    return float(row_mass @ np.arange(height)) / total, float(col_mass @ np.arange(width)) / total


def center_by_mass(digit: np.ndarray, size: int = MNIST_SIZE) -> np.ndarray:
    """Place ``digit`` in a ``size`` x ``size`` field so its centre of mass is at the centre (as MNIST)."""
    height, width = digit.shape
    if height > size or width > size:
        raise ValueError(f"digit of shape {digit.shape} does not fit in {size}x{size}")
    com_row, com_col = centre_of_mass(digit)
    top = int(np.clip(round(size / 2 - com_row), 0, size - height))
    left = int(np.clip(round(size / 2 - com_col), 0, size - width))
    field = np.zeros((size, size), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    return field
