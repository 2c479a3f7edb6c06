"""One line of handwritten digits -> one 28x28 model input per digit, left to right. Pure numpy + Pillow.

The ink map (``handler.ink.find_ink``) is cut into connected components; specks, bands entering from
the picture's edge and ink far off the line are dropped. The writing's slant is measured, and every
horizontal position below is taken along it (so slanted digits that overlap in x stay apart). Pieces
smaller than a digit (a 5's flag, a 7's bar, a dot) join the digit they stand over. Then candidates
are made: each piece alone, neighbouring pieces together (a broken loop, a 4 in two strokes) and wide
pieces cut in two or three along the slant at thin places (touching digits). All candidates are
classified in one call, and the reading with the best score, the classifier's confidence plus shape
priors (width, height, gaps and overlaps, ink cut through), is chosen by dynamic programming.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from handler.components import Runs, label_runs, paint
from handler.errors import UnusableImage
from handler.morphology import max_filter, neighbour_count, stroke_width
from handler.preprocess import center_by_mass, fit_to_box

Classify = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) -> (N, >= 10) probabilities

INK_LEVEL = 0.4  # of a typical stroke: pixels above this are the strokes that components are traced on
MIN_PIXELS = 4
BIG_AREA = 0.2  # of the largest component: the ones that set the line's height and place
SMALL = 0.45  # of the line height: shorter pieces are parts of a digit, not digits
SMALL_DIGIT = 0.3  # of the line height: a short piece over no digit is a digit written small when this tall
OFF_LINE = 0.75  # of the line height: ink whose span stays farther than this from the line's centre is dropped
LINE_LIKE = 5  # a component this many times wider than tall is a line, not a digit (it may be part of one)
CLUTTER_SIDE = 160  # px: clutter is grouped on a copy this size
EDGE_SPAN = 0.9  # of the picture's side: ink touching the edge and this long is a desk, a shadow or a frame
SLANTS = np.linspace(-0.6, 0.6, 13)  # x shift per row (positive: the tops lean right)
MAX_GROUP = 3  # pieces that may form one digit
WIDE = 0.45  # of the line height: wider pieces may be digits that touch, and are also tried cut
CUT_MARGIN = 0.08  # of the line height: a cut leaves at least this much on each side (a 1 is narrow)
MAX_CUTS = 5
PATH_WANDER = 0.02  # cost per px of a cut path's distance from its straight line, per row (a stroke pixel costs 1)
PATH_STEP = 0.05  # per diagonal step of a cut path
PATH_REACH = 0.25  # of the line height: how far a cut path may wander from its straight line
# Shape priors, in units of log-probability (tuned on model/numbers.py's development seeds).
TOO_WIDE = 2.0  # per line height of width beyond WIDE_FROM
WIDE_FROM = 0.7
TOO_SHORT = 7.0  # per line height of height under SHORT_FROM
SHORT_FROM = 0.77
GAP_JOINED = 20.0  # per line height of gap between pieces read as one digit
JOIN_APART = 3.5  # per pair of pieces read as one digit that stand side by side (1 - overlap)
OVERLAP_PARTED = 0.1  # per unit of overlap (of the narrower piece) between neighbours read as two digits
FIRST_CROSSING = 0.0  # for the first stroke a cut goes through (touching digits touch once)
CROSSING = 0.15  # per further stroke a cut goes through
ALONG = 1.25  # per line height of stroke a cut runs along
PER_DIGIT = 0.35  # every digit read costs this: fragments of one digit must earn their split
ODD_ASPECT = 5.0  # per unit of width / height outside the range MNIST's training digits of the class read span
# 2nd and 98th percentile of width along the slant / height of MNIST's training digits (x_train[:20000]), per class.
ASPECTS = ((0.55, 1.33), (0.0, 0.59), (0.53, 1.49), (0.44, 1.09), (0.47, 1.11), (0.49, 1.27), (0.40, 1.11),
           (0.45, 1.11), (0.43, 1.04), (0.40, 0.95))


@dataclass(frozen=True)
class Digit:
    """A digit of the line: its box (left, top, width, height) in the ink map's pixels, what the model read."""

    box: tuple[int, int, int, int]
    model_input: np.ndarray
    probabilities: np.ndarray


@dataclass
class _Line:
    labels: np.ndarray  # (H, W) int32 component per pixel, -1 off the strokes
    ink: np.ndarray
    slant: float
    centre_row: float
    height: float  # the typical digit's height, px
    stroke: float  # px

    def sheared_columns(self, top: int, bottom: int, left: int, right: int) -> np.ndarray:
        rows, cols = np.mgrid[top:bottom, left:right]
        return cols + self.slant * (rows - self.centre_row)


@dataclass
class _Piece:
    components: list[int]
    top: int
    bottom: int
    left: int
    right: int
    x0: float  # extent along the slant
    x1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass(frozen=True)
class _Candidate:
    box: tuple[int, int, int, int]  # top, bottom, left, right of its stroke pixels
    width: float  # along the slant, in line heights
    height: float  # in line heights
    image: np.ndarray


def read_line(ink: np.ndarray, classify: Classify, *, max_digits: int) -> list[Digit]:
    """The digits of the one line of writing in ``ink`` (float (H, W), 1 = a typical stroke), left to right."""
    line, pieces = _pieces(ink)
    if len(pieces) > 2 * max_digits + 2:  # fragments are joined already: this is not one short number
        raise UnusableImage(f"too many digits: the picture holds more than {max_digits} (the most a number may have)")
    options = _options(line, pieces)
    candidates = [c for option in options for c in option.candidates]
    probabilities = digit_columns(classify(np.stack([c.image for c in candidates])))
    reading = _best_reading(pieces, options, dict(zip(map(id, candidates), probabilities, strict=True)))
    if len(reading) > max_digits:
        raise UnusableImage(f"too many digits: the picture holds {len(reading)}, a number may have at most {max_digits}")
    return [Digit(box=(c.box[2], c.box[0], c.box[3] - c.box[2], c.box[1] - c.box[0]), model_input=c.image,
                  probabilities=p) for c, p in reading]


def digit_columns(probabilities: np.ndarray) -> np.ndarray:
    """P(0)..P(9) of each row, whether the model has 10 outputs or an eleventh "not a digit" one."""
    return np.asarray(probabilities)[:, :10]


# ---- components to pieces -------------------------------------------------------------------------
def _pieces(ink: np.ndarray) -> tuple[_Line, list[_Piece]]:
    mask = ink > INK_LEVEL
    mask &= neighbour_count(mask) >= 3  # lone pixels and pairs are noise
    runs = label_runs(mask)
    if runs.count == 0:
        raise UnusableImage("no digit found: no stroke is dark or bright enough against the background")
    stats = _component_stats(runs, runs.count)
    keep = _on_the_line(stats, mask.shape) & ~_in_edge_bands(runs, mask)
    height = _line_height(stats, keep)
    labels = paint(runs, mask.shape)
    centre_row = float(np.mean(stats["centre_row"][keep]))
    slant = _slant(runs, stats, keep, height, centre_row)
    line = _Line(labels, ink, slant, centre_row, height, max(1.0, stroke_width(mask.astype(np.float32))))
    x0, x1 = _sheared_extent(runs, slant, centre_row)
    pieces = [_Piece([int(k)], int(stats["top"][k]), int(stats["bottom"][k]), int(stats["left"][k]),
                     int(stats["right"][k]), float(x0[k]), float(x1[k])) for k in np.flatnonzero(keep)]
    pieces = _join_small(pieces, height)
    if not pieces:
        raise UnusableImage("no digit found: no stroke of digit size")
    return line, sorted(pieces, key=lambda p: p.x0 + p.x1)


def _component_stats(runs: Runs, count: int) -> dict[str, np.ndarray]:
    def reduce(ufunc: np.ufunc, values: np.ndarray, initial: int) -> np.ndarray:
        out = np.full(count, initial, dtype=np.int64)
        ufunc.at(out, runs.label, values)
        return out

    top, bottom = reduce(np.minimum, runs.row, 1 << 30), reduce(np.maximum, runs.row + 1, -1)
    left, right = reduce(np.minimum, runs.start, 1 << 30), reduce(np.maximum, runs.end, -1)
    area = np.bincount(runs.label, weights=runs.length, minlength=count)
    row_mass = np.bincount(runs.label, weights=runs.length * runs.row, minlength=count)
    return {"top": top, "bottom": bottom, "left": left, "right": right, "area": area,
            "centre_row": row_mass / np.maximum(area, 1)}


def _edge_band(top: np.ndarray, bottom: np.ndarray, left: np.ndarray, right: np.ndarray,
               shape: tuple[int, int]) -> np.ndarray:
    """Boxes along a whole edge of the picture (the desk past the paper, a shadow, a frame): not writing.
    A number drawn from one side of a canvas to the other touches two edges, but runs along neither."""
    rows, cols = shape
    sideways = ((left == 0) | (right == cols)) & (bottom - top >= EDGE_SPAN * rows)
    lengthways = ((top == 0) | (bottom == rows)) & (right - left >= EDGE_SPAN * cols)
    return sideways | lengthways


def _in_edge_bands(runs: Runs, mask: np.ndarray) -> np.ndarray:
    """Per component: whether it lies in clutter that, with gaps of a few pixels closed, is an edge band
    (a desk's texture is many specks and blobs; on a reduced copy they are one band)."""
    factor = max(1, -(-max(mask.shape) // CLUTTER_SIDE))
    rows, cols = -(-mask.shape[0] // factor), -(-mask.shape[1] // factor)
    padded = np.zeros((rows * factor, cols * factor), dtype=bool)
    padded[: mask.shape[0], : mask.shape[1]] = mask
    pooled = padded.reshape(rows, factor, cols, factor).any(axis=(1, 3))
    groups = label_runs(pooled)
    stats = _component_stats(groups, groups.count)
    band = _edge_band(stats["top"], stats["bottom"], stats["left"], stats["right"], pooled.shape)
    group_of = paint(groups, pooled.shape)[runs.row // factor, runs.start // factor]
    in_band = np.zeros(runs.count, dtype=bool)
    in_band[runs.label] = band[group_of]
    return in_band


def _on_the_line(stats: dict[str, np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """Components that may be writing: not specks, not long bands from the edge, not far off the line."""
    top, bottom, left, right, area = (stats[k] for k in ("top", "bottom", "left", "right", "area"))
    keep = (area >= MIN_PIXELS) & ~_edge_band(top, bottom, left, right, shape)
    big = _big(stats, keep)
    if not big.any():
        raise UnusableImage("no digit found: no stroke of digit size")
    centre = (top + bottom) / 2
    middle = (left + right) / 2
    weights = area[big]
    if np.count_nonzero(big) >= 2 and np.ptp(middle[big]) > 0:  # the line may slope: fit its centre
        slope, offset = np.polyfit(middle[big], centre[big], 1, w=np.sqrt(weights))
    else:
        slope, offset = 0.0, float(np.average(centre[big], weights=weights))
    height = float(np.median((bottom - top)[big]))
    expected = slope * middle + offset
    near = (bottom >= expected - OFF_LINE * height) & (top <= expected + OFF_LINE * height)
    return keep & near


def _big(stats: dict[str, np.ndarray], keep: np.ndarray) -> np.ndarray:
    """The components that set the line's height and place: large, and not lines (a page edge, a rule)."""
    height, width = stats["bottom"] - stats["top"], stats["right"] - stats["left"]
    shaped = keep & (width < LINE_LIKE * height) & (height > 2)
    if not shaped.any():
        return shaped
    return shaped & (stats["area"] >= BIG_AREA * stats["area"][shaped].max())


def _line_height(stats: dict[str, np.ndarray], keep: np.ndarray) -> float:
    big = _big(stats, keep)
    if not big.any():
        raise UnusableImage("no digit found: no stroke of digit size")
    return max(4.0, float(np.median((stats["bottom"] - stats["top"])[big])))


def _sheared_extent(runs: Runs, slant: float, centre_row: float) -> tuple[np.ndarray, np.ndarray]:
    shift = slant * (runs.row - centre_row)
    x0 = np.full(runs.count, np.inf)
    x1 = np.full(runs.count, -np.inf)
    np.minimum.at(x0, runs.label, runs.start + shift)
    np.maximum.at(x1, runs.label, runs.end + shift)
    return x0, x1


def _slant(runs: Runs, stats: dict[str, np.ndarray], keep: np.ndarray, height: float, centre_row: float) -> float:
    """The shear that makes the tall components narrowest: the writing's slant."""
    tall = keep & (stats["bottom"] - stats["top"] >= 0.6 * height)
    chosen = tall[runs.label]
    if not chosen.any():
        return 0.0
    widths = []
    for slant in SLANTS:
        x0, x1 = _sheared_extent(runs, slant, centre_row)
        widths.append(float(np.sum((x1 - x0)[tall])))
    return float(SLANTS[int(np.argmin(widths))])


def _join_small(pieces: list[_Piece], height: float) -> list[_Piece]:
    """Pieces shorter than a digit join the digit-sized piece they overlap most (or lie nearest to)."""
    small = [p for p in pieces if p.bottom - p.top < SMALL * height]
    kept = [p for p in pieces if p.bottom - p.top >= SMALL * height]
    for piece in sorted(small, key=lambda p: -(p.bottom - p.top)):
        targets = kept or [q for q in small if q is not piece]
        overlap = [min(piece.x1, q.x1) - max(piece.x0, q.x0) for q in targets]
        best = int(np.argmax(overlap)) if overlap else -1
        if best >= 0 and overlap[best] > -0.15 * height:
            _absorb(targets[best], piece)
        elif piece.bottom - piece.top >= SMALL_DIGIT * height:
            kept.append(piece)  # a digit written small, apart from the others
    return kept


def _absorb(target: _Piece, piece: _Piece) -> None:
    target.components += piece.components
    target.top, target.bottom = min(target.top, piece.top), max(target.bottom, piece.bottom)
    target.left, target.right = min(target.left, piece.left), max(target.right, piece.right)
    target.x0, target.x1 = min(target.x0, piece.x0), max(target.x1, piece.x1)


# ---- candidates and the best reading --------------------------------------------------------------
@dataclass(frozen=True)
class _Option:
    """One step of a reading: pieces [start, end) read as ``candidates`` (one digit, or the parts of a cut)."""

    start: int
    end: int
    candidates: list[_Candidate]
    gaps: float = 0.0  # line heights of space between joined pieces
    apart: float = 0.0  # joined pieces side by side: sum of (1 - overlap of the narrower)
    crossings: float = 0.0  # strokes the cuts go through
    along: float = 0.0  # line heights of stroke the cuts run along

    def cost(self) -> float:
        crossed = FIRST_CROSSING * min(self.crossings, 1.0) + CROSSING * max(0.0, self.crossings - 1.0)
        return GAP_JOINED * self.gaps + JOIN_APART * self.apart + crossed + ALONG * self.along


def _options(line: _Line, pieces: list[_Piece]) -> list[_Option]:
    """Every way the reading may use pieces: alone, joined with their next neighbours, cut in two or three."""
    options: list[_Option] = []
    height = line.height
    for start in range(len(pieces)):
        for end in range(start + 1, min(len(pieces), start + MAX_GROUP) + 1):
            group = pieces[start:end]
            if end - start > 1 and max(p.x1 for p in group) - min(p.x0 for p in group) > 1.6 * height:
                break
            pairs = list(zip(group, group[1:], strict=False))
            gaps = sum(max(0.0, b.x0 - a.x1) for a, b in pairs) / height
            apart = sum(1.0 - float(np.clip(_overlap(a, b), 0.0, 1.0)) for a, b in pairs)
            candidate = _candidate(line, group)
            if candidate is not None:
                options.append(_Option(start, end, [candidate], gaps, apart))
        piece = pieces[start]
        if piece.width > WIDE * height:
            options += _cut_options(line, piece, start)
    return options


def _overlap(a: _Piece, b: _Piece) -> float:
    """How much of the narrower piece's extent along the slant the other covers (negative: a gap)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0)) / max(1.0, min(a.width, b.width))


def _cut_options(line: _Line, piece: _Piece, index: int) -> list[_Option]:
    """The piece cut in two (or three, when wide) along the cheapest paths through the thin places."""
    paths = {c: _cut_path(line, piece, piece.x0 + c) for c in _cut_places(line, piece)}
    splits: list[tuple[int, ...]] = [(c,) for c in paths]
    if piece.width > 2 * WIDE * line.height:
        splits += [pair for pair in combinations(sorted(paths), 2) if pair[1] - pair[0] >= 0.25 * line.height]
    options: list[_Option] = []
    for split in splits:
        bounds = [paths[c][0] for c in split]
        for left, right in zip(bounds, bounds[1:], strict=False):
            np.maximum(right, left, out=right)  # paths may not cross
        edges: list[np.ndarray | None] = [None, *bounds, None]
        parts = [_candidate(line, [piece], (a, b)) for a, b in zip(edges, edges[1:], strict=False)]
        if all(part is not None for part in parts):
            options.append(_Option(index, index + 1, parts,  # type: ignore[arg-type]
                                   crossings=sum(paths[c][1] for c in split),
                                   along=sum(paths[c][2] for c in split) / line.height))
    return options


def _cut_path(line: _Line, piece: _Piece, at: float) -> tuple[np.ndarray, int, int]:
    """The cheapest top-to-bottom path near the slanted line at sheared x ``at``: few stroke pixels, little
    wandering. Returns (the first column right of the path, per row of the piece), strokes crossed, stroke
    pixels on the path."""
    core = np.isin(line.labels[piece.top : piece.bottom, piece.left : piece.right], piece.components)
    rows, width = core.shape
    ink = np.zeros((rows, width + 1), dtype=np.float64)
    ink[:, :width] = core
    base = np.clip(at - line.slant * (np.arange(piece.top, piece.bottom) - line.centre_row) - piece.left, 0, width)
    offsets = np.abs(np.arange(width + 1)[np.newaxis, :] - base[:, np.newaxis])
    cost = ink + PATH_WANDER * offsets
    cost[offsets > PATH_REACH * line.height] = np.inf
    total = cost[0].copy()
    moves = np.zeros((rows, width + 1), dtype=np.int8)
    for row in range(1, rows):
        left = np.concatenate([[np.inf], total[:-1]]) + PATH_STEP  # came from x - 1
        right = np.concatenate([total[1:], [np.inf]]) + PATH_STEP  # came from x + 1
        choices = np.stack([left, total, right])
        moves[row] = np.argmin(choices, axis=0)
        total = cost[row] + choices[moves[row], np.arange(width + 1)]
    path = np.empty(rows, dtype=np.int64)
    path[-1] = int(np.argmin(total))
    for row in range(rows - 1, 0, -1):
        path[row - 1] = path[row] + moves[row, path[row]] - 1
    on = ink[np.arange(rows), path] > 0
    return path + piece.left, int(np.count_nonzero(on[1:] & ~on[:-1]) + on[0]), int(np.count_nonzero(on))


def _cut_places(line: _Line, piece: _Piece) -> list[int]:
    """Up to MAX_CUTS thin places of the ink along the slant (offsets from ``piece.x0``)."""
    columns = line.sheared_columns(piece.top, piece.bottom, piece.left, piece.right)
    core = np.isin(line.labels[piece.top : piece.bottom, piece.left : piece.right], piece.components)
    bins = np.floor(columns[core] - piece.x0).astype(np.int64)
    size = int(np.ceil(piece.width)) + 1
    profile = np.bincount(np.clip(bins, 0, size - 1), minlength=size).astype(np.float64)
    profile = np.convolve(profile, [0.25, 0.5, 0.25], mode="same")
    margin = max(1, round(CUT_MARGIN * line.height))
    inner = np.arange(margin, size - margin)
    if inner.size == 0:
        return []
    minima = [int(c) for c in inner if profile[c] <= profile[c - 1] and profile[c] <= profile[min(c + 1, size - 1)]]
    cuts: list[int] = []
    for c in sorted(minima or [int(inner[np.argmin(profile[inner])])], key=lambda c: profile[c]):
        if all(abs(c - other) >= 0.1 * line.height for other in cuts):
            cuts.append(c)
        if len(cuts) == MAX_CUTS:
            break
    return cuts


def _candidate(line: _Line, group: list[_Piece], bounds: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
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
    crop = line.ink[top + r0 : top + r1, left + c0 : left + c1] * kept[r0:r1, c0:c1]
    box = (top + int(rows[0]), top + int(rows[-1]) + 1, left + int(cols[0]), left + int(cols[-1]) + 1)
    width = float(np.ptp(line.sheared_columns(top, bottom, left, right)[core])) + 1
    return _Candidate(box, width / line.height, (box[1] - box[0]) / line.height, center_by_mass(fit_to_box(crop)))


def _shape_cost(candidate: _Candidate, digit: int) -> float:
    low, high = ASPECTS[digit]
    aspect = candidate.width / max(candidate.height, 1e-6)
    return (TOO_WIDE * max(0.0, candidate.width - WIDE_FROM) + TOO_SHORT * max(0.0, SHORT_FROM - candidate.height)
            + ODD_ASPECT * (max(0.0, low - aspect) + max(0.0, aspect - high)) + PER_DIGIT)


def _best_reading(pieces: list[_Piece], options: list[_Option],
                  probabilities: dict[int, np.ndarray]) -> list[tuple[_Candidate, np.ndarray]]:
    """The highest-scoring sequence of options covering every piece once, left to right (dynamic programming)."""
    count = len(pieces)
    best = [-np.inf] * (count + 1)
    best[0] = 0.0
    chosen: list[_Option | None] = [None] * (count + 1)
    parted = [0.0] + [OVERLAP_PARTED * max(0.0, _overlap(a, b)) for a, b in zip(pieces, pieces[1:], strict=False)]
    for option in sorted(options, key=lambda o: o.start):
        if not np.isfinite(best[option.start]):
            continue
        score = best[option.start] - option.cost() - parted[option.start]
        for candidate in option.candidates:
            read = probabilities[id(candidate)]
            digit = int(np.argmax(read))
            score += float(np.log(max(float(read[digit]), 1e-6))) - _shape_cost(candidate, digit)
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
