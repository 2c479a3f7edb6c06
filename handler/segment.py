"""One line of handwritten digits -> one 28x28 model input per digit, left to right. Pure numpy + Pillow.

The ink map (``handler.ink.find_ink``) becomes pieces (``handler.pieces``: connected components without
clutter, along the writing's slant, a 5's flag or a 7's bar joined to its digit). Then candidates are
made: each piece alone, neighbouring pieces together (a broken loop, a 4 in two strokes), and wide pieces
cut in two or three along the cheapest paths through thin places and along straight slanted lines
(touching digits, overlapping ones). All candidates are classified in one interpreter call, and the
reading with the best score, the classifier's confidence less its "not a digit" output (a fragment, two
digits in one input) plus shape priors (width, height, aspect for the digit read, gaps and overlaps, ink
the cuts run along, closed loops of a digit they cut through), is chosen by dynamic programming.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
from PIL import Image

from handler.errors import UnusableImage
from handler.components import label_runs, paint
from handler.morphology import max_filter
from handler.pieces import MIN_PIXELS, Line, Piece, find_pieces
from handler.preprocess import center_by_mass, fit_to_box

NOT_A_DIGIT = 10  # the column of handler.classifier.NOT_A_DIGIT (not imported: that module loads LiteRT)
Classify = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) -> (N, >= 10) probabilities

VIEWS = ((0, 0), (2, -2), (-2, 2))  # (down, right) shifts of each candidate's 28x28 input, read together
CROP_SIDE = 80  # px: candidate crops at least twice this size are reduced towards it before fitting
MAX_GROUP = 3  # pieces that may form one digit
MAX_JOINED = 1.6  # of the line height: pieces spanning more than this together are not one digit
WIDE = 0.45  # of the line height: wider pieces may be digits that touch, and are also tried cut
CUT_MARGIN = 0.08  # of the line height: a cut leaves at least this much on each side (a 1 is narrow)
CUT_STEP = 0.08  # of the line height: cuts are sought near slanted lines this far apart
MAX_CUTS = 5  # cheapest cuts combined in pairs, for a piece wide enough to be three digits
PATH_WANDER = 0.02  # cost per px of a cut path's distance from its straight line, per row (a stroke pixel costs 1)
PATH_STEP = 0.05  # per diagonal step of a cut path
PATH_CELLS = 1_000_000  # paths sought together at most (a few MB each array); a huge scribble takes turns
PATH_REACH = 0.25  # of the line height: how far a cut path may wander from its straight line
# MNIST's digits lean a little (x shift per row up to about this); writing leaning more (an italic script font, a
# hurried hand) is sheared back to this lean before it is read: the classifier reads a steeply leaning 8 as a 1 and a 9.
UPRIGHT_LEAN = 0.2
INKLESS = 0.01  # of a typical stroke: columns of a sheared crop this faint hold no ink
# Shape priors, in units of log-probability (tuned on model/numbers.py's development seeds).
TOO_WIDE = 0.59  # per line height of width beyond WIDE_FROM
WIDE_FROM = 0.88
TOO_SHORT = 3.1  # per line height of height under SHORT_FROM
SHORT_FROM = 0.84
# A stroke cut off a digit (a 0's side, a 4's diagonal, an 8's lobe) reads as a confident 1, and is often shorter
# than the line; a 1 written beside the other digits is seldom short (dev seeds: +0.4 points, 3-5 and 1.0 alike).
ONE_SHORT = 4.0  # per line height of height under ONE_SHORT_FROM, for a candidate read as 1
ONE_SHORT_FROM = 1.0
# ...but a 1 pressed against another digit comes out of the cut short too (the cut rounds the joint and leaves the 1's
# end to its neighbour): a 1 cut from a part read SURE_BESIDE sure as another digit pays ONE_SHORT_BESIDE instead
# (dev seeds, 3,780 numbers: 8 set right, 1 broken; excused wholly, 12 and 5).
SURE_BESIDE, ONE_SHORT_BESIDE = 0.95, 1.0
GAP_JOINED = 0.1  # per line height of gap between pieces read as one digit
JOIN_APART = 0.45  # per pair of pieces read as one digit that stand side by side (1 - overlap)
OVERLAP_PARTED = 0.73  # per unit of overlap (of the narrower piece) between neighbours read as two digits
ALONG = 1.58  # per line height of stroke a cut runs along
LOOP_CUT = 8.0  # per square line height of closed loop a cut runs through (a 0 or 6 halved reads as two digits)
# ...when the loop is some digit's own: a candidate holding it whole (the uncut piece, a part of another cut) reads as
# one of these. Touching digits enclose paper between them (a 2's tail run into a 3, a 1 against a 3's back) that no
# candidate reads as a loop digit, and the cut that parts them must run through it (dev seeds: +0.2 points, own and
# independent alike; a confidence threshold on that reading only lost).
LOOP_DIGITS = frozenset({0, 4, 6, 8, 9})
NOT_DIGIT_COST = 3.0  # per unit of P(not a digit), on top of the digit's log-probability it lowers (dev seeds 1-2)
PER_DIGIT = -0.08  # per digit read (tuned: slightly negative, a reading of more digits is not held back)
ODD_ASPECT = 0.61  # per unit of width / height outside the range MNIST's training digits of the class read span
# 2nd and 98th percentile of width along the slant / height of MNIST's training digits (x_train[:20000]), per class.
ASPECTS = ((0.55, 1.33), (0.0, 0.59), (0.53, 1.49), (0.44, 1.09), (0.47, 1.11), (0.49, 1.27), (0.40, 1.11),
           (0.45, 1.11), (0.43, 1.04), (0.40, 0.95))


@dataclass(frozen=True)
class Digit:
    """A digit of the line: its box (left, top, width, height) in the ink map's pixels, what the model read."""

    box: tuple[int, int, int, int]
    model_input: np.ndarray
    probabilities: np.ndarray


Loop = tuple[int, int]  # a closed loop of the line: (index of its piece, its label in that piece's box)


@dataclass(frozen=True)
class _Candidate:
    box: tuple[int, int, int, int]  # top, bottom, left, right of its stroke pixels
    width: float  # along the slant, in line heights
    height: float  # in line heights
    image: np.ndarray
    loops: frozenset[Loop] = frozenset()  # the closed loops of its piece that it holds whole


def read_line(ink: np.ndarray, classify: Classify, *, max_digits: int) -> list[Digit]:
    """The digits of the one line of writing in ``ink`` (float (H, W), 1 = a typical stroke), left to right."""
    line, pieces = find_pieces(ink)
    if len(pieces) > 2 * max_digits + 2:  # fragments are joined already: this is not one short number
        raise UnusableImage(f"too many digits: the picture holds more than {max_digits} (the most a number may have)")
    options = _options(line, pieces)
    candidates = [c for option in options for c in option.candidates]
    probabilities = read_candidates(classify, [c.image for c in candidates])
    reading = _best_reading(pieces, options, dict(zip(map(id, candidates), probabilities, strict=True)))
    if len(reading) > max_digits:
        raise UnusableImage(f"too many digits: the picture holds {len(reading)}, a number may have at most {max_digits}")
    return [Digit(box=(c.box[2], c.box[0], c.box[3] - c.box[2], c.box[1] - c.box[0]), model_input=c.image,
                  probabilities=digit_columns(p[np.newaxis])[0]) for c, p in reading]


def read_candidates(classify: Classify, images: list[np.ndarray]) -> np.ndarray:
    """P(0)..P(9) (and P(not a digit), when the model has it) of each image, averaged over VIEWS: an image that
    is really one digit reads the same in each, a fragment or two digits in one often does not."""
    views = [np.roll(np.stack(images), shift, axis=(1, 2)) for shift in VIEWS]
    readings = np.asarray(classify(np.concatenate(views)))
    return readings.reshape(len(VIEWS), len(images), -1).mean(axis=0)


def digit_columns(probabilities: np.ndarray) -> np.ndarray:
    """P(0)..P(9) of each row, whether the model has 10 outputs or an eleventh "not a digit" one."""
    return np.asarray(probabilities)[:, :10]


@dataclass(frozen=True)
class _Option:
    """One step of a reading: pieces [start, end) read as ``candidates`` (one digit, or the parts of a cut)."""

    start: int
    end: int
    candidates: list[_Candidate]
    gaps: float = 0.0  # line heights of space between joined pieces
    apart: float = 0.0  # joined pieces side by side: sum of (1 - overlap of the narrower)
    along: float = 0.0  # line heights of stroke the cuts run along
    cut_loops: tuple[tuple[Loop, float], ...] = ()  # the closed loops the cuts run through, square line heights each

    @property
    def looped(self) -> float:
        """Square line heights of the closed loops the cuts run through."""
        return sum(area for _, area in self.cut_loops)

    def cost(self, own_loops: frozenset[Loop] | set[Loop] = frozenset()) -> float:
        """What the option costs, its cuts charged for the loops among ``own_loops`` (a digit's) they run through."""
        looped = sum(area for loop, area in self.cut_loops if loop in own_loops)
        return GAP_JOINED * self.gaps + JOIN_APART * self.apart + ALONG * self.along + LOOP_CUT * looped


def _options(line: Line, pieces: list[Piece]) -> list[_Option]:
    """Every way the reading may use pieces: alone, joined with their next neighbours, cut in two or three."""
    options: list[_Option] = []
    height = line.height
    for start in range(len(pieces)):
        for end in range(start + 1, min(len(pieces), start + MAX_GROUP) + 1):
            group = pieces[start:end]
            if end - start > 1 and max(p.x1 for p in group) - min(p.x0 for p in group) > MAX_JOINED * height:
                break
            pairs = list(zip(group, group[1:], strict=False))
            gaps = sum(max(0.0, b.x0 - a.x1) for a, b in pairs) / height
            apart = sum(1.0 - float(np.clip(_overlap(a, b), 0.0, 1.0)) for a, b in pairs)
            candidate = _candidate(line, group)
            if candidate is not None:
                options.append(_Option(start, end, [candidate], gaps, apart))
        piece = pieces[start]
        if piece.width > WIDE * height:
            holes, hole_area = _holes(line, piece)
            options += _cut_options(line, piece, start, (holes, hole_area))
            alone = next((o for o in options if (o.start, o.end, len(o.candidates)) == (start, start + 1, 1)), None)
            if alone is not None:  # uncut, the piece holds all its loops
                whole = frozenset((start, int(label)) for label in np.flatnonzero(hole_area))
                alone.candidates[0] = replace(alone.candidates[0], loops=whole)
    return options


def _overlap(a: Piece, b: Piece) -> float:
    """How much of the narrower piece's extent along the slant the other covers (negative: a gap)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0)) / max(1.0, min(a.width, b.width))


def _cut_options(line: Line, piece: Piece, index: int, holes: tuple[np.ndarray, np.ndarray] | None = None,
                 ) -> list[_Option]:
    """The piece cut in two (or three, when wide) along the cheapest paths near evenly spaced slanted lines;
    ``holes``: the piece's closed loops (``_holes``), when known already."""
    margin = CUT_MARGIN * line.height
    bases = np.arange(piece.x0 + margin, piece.x1 - margin + 1e-6, CUT_STEP * line.height)
    paths: dict[bytes, tuple[float, np.ndarray, int]] = {}
    cells = (piece.bottom - piece.top) * (piece.right - piece.left + 1)
    for chunk in np.array_split(bases, max(1, -(-len(bases) * cells // PATH_CELLS))):  # memory stays bounded
        found_paths, along_paths = _cut_paths(line, piece, chunk)
        for base, path, along in zip(np.tile(chunk, len(found_paths) // len(chunk)), found_paths, along_paths,
                                     strict=True):
            paths.setdefault(path.tobytes(), (float(base), path, int(along)))  # two lines often find one path
    holes, hole_area = holes if holes is not None else _holes(line, piece)
    found = sorted(paths.values(), key=lambda p: p[0])
    splits: list[tuple[tuple[float, np.ndarray, int], ...]] = [(p,) for p in found]
    if piece.width > 2 * WIDE * line.height:
        cheapest = sorted(found, key=lambda p: p[2])[:MAX_CUTS]
        splits += [pair for pair in combinations(sorted(cheapest, key=lambda p: p[0]), 2)
                   if pair[1][0] - pair[0][0] >= 0.25 * line.height]
    options: list[_Option] = []
    for split in splits:
        bounds = [np.maximum.accumulate([p[1] for p in split])[i] for i in range(len(split))]  # paths never cross
        edges: list[np.ndarray | None] = [None, *bounds, None]
        parts = [_candidate(line, [piece], (a, b)) for a, b in zip(edges, edges[1:], strict=False)]
        if all(part is not None for part in parts):
            along = sum(p[2] for p in split) / line.height
            crossed = sorted(set().union(*(_crossed(holes, p[1] - piece.left) for p in split)))
            cut_loops = tuple(((index, label), float(hole_area[label]) / line.height**2) for label in crossed)
            held = [_held(holes, a, b, piece.left) for a, b in zip(edges, edges[1:], strict=False)]
            parts = [replace(part, loops=frozenset((index, label) for label in labels))  # type: ignore[arg-type]
                     for part, labels in zip(parts, held, strict=True)]
            options.append(_Option(index, index + 1, parts, along=along, cut_loops=cut_loops))
    return options


def _holes(line: Line, piece: Piece) -> tuple[np.ndarray, np.ndarray]:
    """The piece's closed loops: paper it encloses (label per pixel of its box, -1 elsewhere) and their areas.
    Touching digits that overlap enclose only a sliver between them; a 0, 6, 8 or 9 encloses its loop."""
    core = np.isin(line.labels[piece.top : piece.bottom, piece.left : piece.right], piece.components)
    padded = np.pad(~core, 1, constant_values=True)  # the paper around the piece is one component
    paper = label_runs(padded)
    labels = paint(paper, padded.shape)
    labels = np.where(labels == labels[0, 0], -1, labels)[1:-1, 1:-1]
    return labels, np.bincount(labels[labels >= 0], minlength=paper.count)


def _crossed(holes: np.ndarray, path: np.ndarray) -> set[int]:
    """The closed loops (labels) that a cut (its first column right of the cut per row, in the box) runs through."""
    rows = np.arange(len(path))
    columns = np.clip(path, 0, holes.shape[1] - 1)
    crossed = np.unique(holes[rows, columns])
    return {int(label) for label in crossed[crossed >= 0]}


def _held(holes: np.ndarray, left_bound: np.ndarray | None, right_bound: np.ndarray | None, left: int) -> set[int]:
    """The closed loops (labels) lying wholly between a part's per-row column bounds (the line's columns; None:
    the box's edge), in a piece box starting at column ``left``."""
    columns = np.arange(left, left + holes.shape[1])[np.newaxis, :]
    inside = np.ones(holes.shape, dtype=bool)
    if left_bound is not None:
        inside &= columns >= left_bound[:, np.newaxis]
    if right_bound is not None:
        inside &= columns < right_bound[:, np.newaxis]
    labels = np.unique(holes[holes >= 0])
    outside = np.unique(holes[(holes >= 0) & ~inside])
    return {int(label) for label in np.setdiff1d(labels, outside)}


def _cut_paths(line: Line, piece: Piece, bases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each sheared x in ``bases``: the cheapest top-to-bottom path near the slanted line there (few
    stroke pixels, little wandering), as the first column right of it per row of the piece, and the stroke
    pixels on it; then the slanted lines themselves. All at once: (2N, rows) columns and (2N,) counts."""
    core = np.isin(line.labels[piece.top : piece.bottom, piece.left : piece.right], piece.components)
    rows, width = core.shape
    ink = np.zeros((rows, width + 1), dtype=np.float64)
    ink[:, :width] = core
    shift = line.slant * (np.arange(piece.top, piece.bottom) - line.centre_row) + piece.left
    lines = np.clip(bases[:, np.newaxis] - shift[np.newaxis, :], 0, width)  # (N, rows)
    offsets = np.abs(np.arange(width + 1)[np.newaxis, np.newaxis, :] - lines[..., np.newaxis])
    cost = ink[np.newaxis] + PATH_WANDER * offsets
    cost[offsets > PATH_REACH * line.height] = np.inf
    total = cost[:, 0].copy()
    moves = np.zeros(cost.shape, dtype=np.int8)
    wall = np.full((len(bases), 1), np.inf)
    for row in range(1, rows):
        choices = np.stack([np.concatenate([wall, total[:, :-1]], axis=1) + PATH_STEP,  # came from x - 1
                            total,
                            np.concatenate([total[:, 1:], wall], axis=1) + PATH_STEP])  # came from x + 1
        moves[:, row] = np.argmin(choices, axis=0)
        total = cost[:, row] + np.take_along_axis(choices, moves[:, row][np.newaxis], axis=0)[0]
    paths = np.empty((len(bases), rows), dtype=np.int64)
    paths[:, -1] = np.argmin(total, axis=1)
    every = np.arange(len(bases))
    for row in range(rows - 1, 0, -1):
        paths[:, row - 1] = paths[:, row] + moves[every, row, paths[:, row]] - 1
    # The slanted lines themselves too: through two digits that overlap, every path crosses strokes, and the
    # cheapest one often wanders into a loop; the straight cut through the overlap leaves each digit whole.
    paths = np.concatenate([paths, np.ceil(lines).astype(np.int64)])
    along = ink[np.arange(rows)[np.newaxis, :], paths].sum(axis=1)
    return paths + piece.left, along


def _candidate(line: Line, group: list[Piece], bounds: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
               ) -> _Candidate | None:
    """The 28x28 input of the pieces' ink, between the per-row column ``bounds`` of a cut; None when empty."""
    top, bottom = min(p.top for p in group), max(p.bottom for p in group)
    left, right = min(p.left for p in group), max(p.right for p in group)
    labels = line.labels[top:bottom, left:right]
    core = np.isin(labels, [c for p in group for c in p.components])
    columns = np.arange(left, right)[np.newaxis, :]
    if bounds[0] is not None:
        core &= columns >= bounds[0][:, np.newaxis]
    if bounds[1] is not None:
        core &= columns < bounds[1][:, np.newaxis]
    rows, cols = np.flatnonzero(core.any(axis=1)), np.flatnonzero(core.any(axis=0))
    if rows.size == 0 or np.count_nonzero(core) < MIN_PIXELS:
        return None
    # Soft stroke edges (under INK_LEVEL) belong to the digit beside them, but never another digit's strokes.
    kept = max_filter(core, 3) & ~((labels >= 0) & ~core)
    r0, r1 = max(0, rows[0] - 1), min(core.shape[0], rows[-1] + 2)
    c0, c1 = max(0, cols[0] - 1), min(core.shape[1], cols[-1] + 2)
    crop = _shrunk(line.ink[top + r0 : top + r1, left + c0 : left + c1] * kept[r0:r1, c0:c1])
    crop = _sheared(crop, float(np.sign(line.slant)) * max(0.0, abs(line.slant) - UPRIGHT_LEAN))
    box = (top + int(rows[0]), top + int(rows[-1]) + 1, left + int(cols[0]), left + int(cols[-1]) + 1)
    width = float(np.ptp(line.sheared_columns(top, bottom, left, right)[core])) + 1
    return _Candidate(box, width / line.height, (box[1] - box[0]) / line.height, center_by_mass(fit_to_box(crop)))


def _sheared(crop: np.ndarray, shear: float) -> np.ndarray:
    """The crop with each row shifted left by ``shear`` px per row above its middle (right below it): writing leaning
    that much (tops right, positive) stands upright. Trimmed to its ink, and the one px of paper the crop had."""
    if shear == 0.0:
        return crop
    rows, cols = crop.shape
    extra = int(np.ceil(abs(shear) * rows))
    offset = (shear - abs(shear)) * rows / 2  # an output column x reads the input at x - shear * row + offset
    image = Image.fromarray(crop.astype(np.float32), mode="F")
    sheared = image.transform((cols + extra, rows), Image.Transform.AFFINE, (1.0, -shear, offset + shear * 0.5, 0.0, 1.0, 0.0),
                              resample=Image.Resampling.BILINEAR)
    sheared_crop = np.asarray(sheared, dtype=np.float32)
    columns = np.flatnonzero(sheared_crop.max(axis=0) > INKLESS)
    if columns.size == 0:
        return crop
    return sheared_crop[:, max(0, columns[0] - 1) : columns[-1] + 2]


def _shrunk(crop: np.ndarray) -> np.ndarray:
    """A large crop averaged down by a whole factor first: ``fit_to_box`` works at 80 px, and costs grow with size."""
    factor = max(crop.shape) // CROP_SIDE
    if factor < 2:
        return crop
    return np.asarray(Image.fromarray(crop.astype(np.float32), mode="F").reduce(factor), dtype=np.float32)


def _shape_cost(candidate: _Candidate, digit: int, *, cut_beside_digit: bool = False) -> float:
    """What a candidate's shape costs as one ``digit``: too wide, too short (a 1 more so, less when ``cut_beside_digit``:
    cut from a sure other digit), or not shaped like that digit."""
    low, high = ASPECTS[digit]
    aspect = candidate.width / max(candidate.height, 1e-6)
    short = TOO_SHORT * max(0.0, SHORT_FROM - candidate.height)
    if digit == 1:
        short += (ONE_SHORT_BESIDE if cut_beside_digit else ONE_SHORT) * max(0.0, ONE_SHORT_FROM - candidate.height)
    return (TOO_WIDE * max(0.0, candidate.width - WIDE_FROM) + short
            + ODD_ASPECT * (max(0.0, low - aspect) + max(0.0, aspect - high)) + PER_DIGIT)


def _candidate_score(candidate: _Candidate, read: np.ndarray, *, cut_beside_digit: bool = False) -> float:
    """log P(the digit read) less its shape's cost; P(not a digit), where the model has it, counts again: a cut
    that leaves a fragment, or two digits squeezed into one input, is what that output learnt to refuse."""
    digits = digit_columns(read[np.newaxis])[0]
    digit = int(np.argmax(digits))
    refused = float(read[NOT_A_DIGIT]) if len(read) > NOT_A_DIGIT else 0.0
    return (float(np.log(max(float(digits[digit]), 1e-6))) - NOT_DIGIT_COST * refused
            - _shape_cost(candidate, digit, cut_beside_digit=cut_beside_digit))


def _parts_score(candidates: list[_Candidate], probabilities: dict[int, np.ndarray]) -> float:
    """The candidates' scores together: in a cut in two, a 1 beside a part read ``SURE_BESIDE`` sure as another digit
    is scored as cut beside a digit."""
    reads = [digit_columns(probabilities[id(c)][np.newaxis])[0] for c in candidates]
    read_as = [int(np.argmax(r)) for r in reads]
    beside = [len(candidates) == 2 and read_as[i] == 1 and read_as[1 - i] != 1
              and float(reads[1 - i].max()) >= SURE_BESIDE for i in range(len(candidates))]
    return sum(_candidate_score(c, probabilities[id(c)], cut_beside_digit=b)
               for c, b in zip(candidates, beside, strict=True))


def _own_loops(options: list[_Option], probabilities: dict[int, np.ndarray]) -> set[Loop]:
    """The closed loops that are a digit's own: held whole by a candidate read as a loop digit (``LOOP_DIGITS``)."""
    return {loop for option in options for candidate in option.candidates if candidate.loops
            and int(np.argmax(digit_columns(probabilities[id(candidate)][np.newaxis])[0])) in LOOP_DIGITS
            for loop in candidate.loops}


def _best_reading(pieces: list[Piece], options: list[_Option],
                  probabilities: dict[int, np.ndarray]) -> list[tuple[_Candidate, np.ndarray]]:
    """The highest-scoring sequence of options covering every piece once, left to right (dynamic programming)."""
    own_loops = _own_loops(options, probabilities)
    count = len(pieces)
    best = [-np.inf] * (count + 1)
    best[0] = 0.0
    chosen: list[_Option | None] = [None] * (count + 1)
    parted = [0.0] + [OVERLAP_PARTED * max(0.0, _overlap(a, b)) for a, b in zip(pieces, pieces[1:], strict=False)]
    for option in sorted(options, key=lambda o: o.start):
        if not np.isfinite(best[option.start]):
            continue
        score = best[option.start] - option.cost(own_loops) - parted[option.start]
        score += _parts_score(option.candidates, probabilities)
        if score > best[option.end]:
            best[option.end], chosen[option.end] = score, option
    reading: list[tuple[_Candidate, np.ndarray]] = []
    end = count
    while end > 0:
        option = chosen[end]
        assert option is not None  # every piece alone is an option, so each end is reached
        reading[:0] = [(c, probabilities[id(c)]) for c in option.candidates]
        end = option.start
    return reading
