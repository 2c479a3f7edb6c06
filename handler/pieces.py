"""One line of writing -> its pieces: the ink's connected components (an outlined font's hollow strokes filled in),
clutter dropped, the slant measured, parts smaller than a digit joined to the digit they stand over. Pure numpy;
used by ``handler.segment``.

Every horizontal position here is taken along the writing's slant ("sheared"), so slanted digits whose
boxes overlap in x still stand apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handler.components import Runs, component_stats, label_runs, paint
from handler.errors import UnusableImage
from handler.morphology import neighbour_count

INK_LEVEL = 0.4  # of a typical stroke: pixels above this are the strokes that components are traced on
MIN_PIXELS = 4
BIG_AREA = 0.2  # of the largest component: the ones that set the line's height and place
SMALL = 0.45  # of the line height: shorter pieces are parts of a digit, not digits
SMALL_DIGIT = 0.3  # of the line height: a short piece over no digit is a digit written small when this tall
OFF_LINE = 0.75  # of the line height: ink whose span stays farther than this from the line's centre is dropped
LINE_LIKE = 5  # a component this many times wider than tall is a line, not a digit (it may be part of one)
CLUTTER_SIDE = 160  # px: clutter is grouped on a copy this size
STRIP_SPAN = 0.75  # of the picture's side: a column (row) with ink along this much of it is in a strip
STRIP_WRITING = 0.7  # of the picture's height: writing this tall (cropped tight) may fill a strip's columns itself
CLUTTER_REACH = 2  # px of that copy: a photo's desk may stop a few px short of the edge (its border is the paper)
EDGE_SPAN = 0.9  # of the picture's side: ink touching the edge and this long is a desk, a shadow or a frame
# A solid block across the whole picture (the desk or the paper's edge in a photo, a few px in from the edge the
# border was sampled at) fills this much of its box; a digit's strokes fill far less, even a bold 1's.
SOLID_FILL = 0.75
SPECK = 0.1  # of the line height: components smaller than this each way are specks
TEXTURE_SPECKS = 6  # specks in one patch of half a line height: texture, not writing
# (rim px)^2 / area of paper enclosed by ink: about 13 for a disk or an oval, at most about 25 for a handwritten
# digit's loops (a 4's narrow triangle) on the development seeds; the inside of an outlined glyph's stroke is a
# sliver many times longer than wide (40-65).
ELONGATED = 36
SLANTS = np.linspace(-0.6, 0.6, 13)  # x shift per row (positive: the tops lean right)


@dataclass
class Line:
    labels: np.ndarray  # (H, W) int32 component per pixel, -1 off the strokes
    ink: np.ndarray
    slant: float
    centre_row: float
    height: float  # the typical digit's height, px

    def sheared_columns(self, top: int, bottom: int, left: int, right: int) -> np.ndarray:
        rows, cols = np.mgrid[top:bottom, left:right]
        return cols + self.slant * (rows - self.centre_row)


@dataclass
class Piece:
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


def find_pieces(ink: np.ndarray) -> tuple[Line, list[Piece]]:
    """The line (its strokes labelled, slant, height) and its pieces, left to right along the slant."""
    mask = ink > INK_LEVEL
    mask &= neighbour_count(mask) >= 3  # lone pixels and pairs are noise
    hollow = _hollow(mask)
    if hollow.any():  # an outlined glyph is read as the solid stroke it outlines
        mask |= hollow
        ink = np.where(hollow, np.maximum(ink, 1.0), ink)
    runs = label_runs(mask)
    if runs.count == 0:
        raise UnusableImage("no digit found: no stroke is dark or bright enough against the background")
    stats = component_stats(runs)
    keep = _on_the_line(stats, mask.shape, ~_in_edge_bands(runs, mask))
    height = _line_height(stats, keep)
    keep &= ~_texture(stats, keep, height)
    labels = paint(runs, mask.shape)
    centre_row = float(np.mean(stats["centre_row"][keep]))
    slant = _slant(runs, stats, keep, height, centre_row)
    line = Line(labels, ink, slant, centre_row, height)
    x0, x1 = _sheared_extent(runs, slant, centre_row)
    pieces = [Piece([int(k)], int(stats["top"][k]), int(stats["bottom"][k]), int(stats["left"][k]),
                     int(stats["right"][k]), float(x0[k]), float(x1[k])) for k in np.flatnonzero(keep)]
    pieces = _join_small(pieces, height)
    if not pieces:
        raise UnusableImage("no digit found: no stroke of digit size")
    return line, sorted(pieces, key=lambda p: p.x0 + p.x1)


def _hollow(mask: np.ndarray) -> np.ndarray:
    """Paper enclosed by ink in long thin slivers: the inside of an outlined (hollow) font's strokes, or the gap
    between a sketchy font's doubled lines. A digit's own loops are round or oval (``ELONGATED``)."""
    paper = label_runs(~mask)
    rows, cols = mask.shape
    edge = (paper.row == 0) | (paper.row == rows - 1) | (paper.start == 0) | (paper.end == cols)
    outside = np.zeros(paper.count, dtype=bool)
    outside[paper.label[edge]] = True
    inside = ~outside[paper.label]
    if not inside.any():
        return np.zeros_like(mask)
    row, start, end, label = paper.row[inside], paper.start[inside], paper.end[inside], paper.label[inside]
    # Rim pixels (paper with a stroke pixel beside it): those with ink above or below, counted along each run from
    # a running sum, and each run's two ends (ink left and right of it, by the run's definition).
    padded = np.pad(mask, ((1, 1), (0, 0)))
    vertical = np.zeros((rows, cols + 1), dtype=np.int32)
    np.cumsum(padded[:-2] | padded[2:], axis=1, out=vertical[:, 1:])
    rim = vertical[row, end] - vertical[row, start]
    rim += ~(vertical[row, start + 1] > vertical[row, start])  # the run's first pixel, unless counted already
    rim += (end - start > 1) & ~(vertical[row, end] > vertical[row, end - 1])  # its last
    area = np.bincount(label, weights=end - start, minlength=paper.count)
    perimeter = np.bincount(label, weights=rim, minlength=paper.count)
    thin = (perimeter**2 > ELONGATED * np.maximum(area, 1))[label]
    slivers = Runs(row[thin], start[thin], end[thin], np.zeros(np.count_nonzero(thin), dtype=np.int64), 1)
    return paint(slivers, mask.shape) >= 0


def _edge_band(top: np.ndarray, bottom: np.ndarray, left: np.ndarray, right: np.ndarray,
               shape: tuple[int, int], reach: int = 0) -> np.ndarray:
    """Boxes along a whole edge of the picture, or within ``reach`` px of it (the desk past the paper, a shadow,
    a frame): not writing. A number drawn from one side of a canvas to the other touches two edges, but runs
    along neither."""
    rows, cols = shape
    sideways = ((left <= reach) | (right >= cols - reach)) & (bottom - top >= EDGE_SPAN * rows)
    lengthways = ((top <= reach) | (bottom >= rows - reach)) & (right - left >= EDGE_SPAN * cols)
    return sideways | lengthways


def _pooled(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """The mask on a copy about CLUTTER_SIDE px on its longer side (a pixel is set where any it covers is),
    and the factor: gaps of a few pixels close, so a desk's specks and blobs become one region."""
    factor = max(1, -(-max(mask.shape) // CLUTTER_SIDE))
    rows, cols = -(-mask.shape[0] // factor), -(-mask.shape[1] // factor)
    padded = np.zeros((rows * factor, cols * factor), dtype=bool)
    padded[: mask.shape[0], : mask.shape[1]] = mask
    return padded.reshape(rows, factor, cols, factor).any(axis=(1, 3)), factor


def _in_edge_bands(runs: Runs, mask: np.ndarray) -> np.ndarray:
    """Per component: whether it lies in clutter that, with gaps of a few pixels closed, is an edge band
    (a desk's texture is many specks and blobs; on a reduced copy they are one band)."""
    pooled, factor = _pooled(mask)
    groups = label_runs(pooled)
    stats = component_stats(groups)
    band = _edge_band(stats["top"], stats["bottom"], stats["left"], stats["right"], pooled.shape, CLUTTER_REACH)
    group_of = paint(groups, pooled.shape)[runs.row // factor, runs.start // factor]
    in_band = np.zeros(runs.count, dtype=bool)
    in_band[runs.label] = band[group_of]
    return in_band | _in_strips(runs, mask, pooled, factor)


def _in_strips(runs: Runs, mask: np.ndarray, pooled: np.ndarray, factor: int) -> np.ndarray:
    """Per component: whether most of its ink lies in columns that have ink nearly all the way down the picture
    (or rows all the way across): a textured desk or a shadow's rim along a side, even when it stops short of
    the edge or falls apart into specks. Writing spans the picture like that only when cropped tight to it,
    and then its digits are nearly as tall as the picture: no strip is taken out."""
    full_cols = np.repeat(pooled.mean(axis=0) >= STRIP_SPAN, factor)[: mask.shape[1]]
    full_rows = np.repeat(pooled.mean(axis=1) >= STRIP_SPAN, factor)[: mask.shape[0]]
    count = runs.count
    if not (full_cols.any() or full_rows.any()):
        return np.zeros(count, dtype=bool)
    before = np.concatenate([[0], np.cumsum(full_cols)])
    covered = np.bincount(runs.label, weights=before[runs.end] - before[runs.start], minlength=count)
    covered += np.bincount(runs.label, weights=full_rows[runs.row] * runs.length, minlength=count)
    stats = component_stats(runs)
    strip = covered > 0.5 * stats["area"]
    writing = ~strip & (stats["area"] >= BIG_AREA * stats["area"][~strip].max(initial=0))
    if not writing.any() or np.median((stats["bottom"] - stats["top"])[writing]) > STRIP_WRITING * mask.shape[0]:
        return np.zeros(count, dtype=bool)
    return strip


def _on_the_line(stats: dict[str, np.ndarray], shape: tuple[int, int], candidates: np.ndarray) -> np.ndarray:
    """Of the ``candidates`` (components outside clutter), those that may be writing: not specks, not long bands
    from the edge, not far off the line. Clutter never sets the line (a desk's blobs outweigh small digits)."""
    top, bottom, left, right, area = (stats[k] for k in ("top", "bottom", "left", "right", "area"))
    keep = candidates & (area >= MIN_PIXELS) & ~_edge_band(top, bottom, left, right, shape)
    keep &= ~_solid_band(stats, keep, shape)
    # Ink touching the picture's edge (a desk's texture, a shadow's rim) sets the line only when nothing else can.
    inside = keep & (top > 0) & (left > 0) & (bottom < shape[0]) & (right < shape[1])
    big = _big(stats, inside) if _big(stats, inside).any() else _big(stats, keep)
    if not big.any():
        raise UnusableImage("no digit found: no stroke of digit size")
    centre, middle = (top + bottom) / 2, (left + right) / 2
    expected, height = _fit_line(centre, middle, area, bottom - top, big)
    near = np.abs(centre - expected) <= OFF_LINE * height
    if np.count_nonzero(big & near) > 1 and (big & ~near).any():  # once more without the blobs off the line
        expected, height = _fit_line(centre, middle, area, bottom - top, big & near)
    near = (bottom >= expected - OFF_LINE * height) & (top <= expected + OFF_LINE * height)
    return keep & near


def _fit_line(centre: np.ndarray, middle: np.ndarray, area: np.ndarray, height: np.ndarray,
              big: np.ndarray) -> tuple[np.ndarray, float]:
    """The line through the ``big`` components: its expected centre row at every component, and its height."""
    weights = area[big]
    if np.count_nonzero(big) >= 2 and np.ptp(middle[big]) > 0:  # the line may slope: fit its centre
        slope, offset = np.polyfit(middle[big], centre[big], 1, w=np.sqrt(weights))
    else:
        slope, offset = 0.0, float(np.average(centre[big], weights=weights))
    return slope * middle + offset, float(np.median(height[big]))


def _solid_band(stats: dict[str, np.ndarray], keep: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Solid blocks across the picture's whole height or width, beside writing less than half as tall: a desk, not
    a digit (a number cropped tight to its digits has no block taller than its others)."""
    top, bottom, left, right, area = (stats[k] for k in ("top", "bottom", "left", "right", "area"))
    height, width = bottom - top, right - left
    tall, long = height >= EDGE_SPAN * shape[0], width >= EDGE_SPAN * shape[1]
    band = keep & (tall | long) & (area >= SOLID_FILL * np.maximum(height * width, 1))
    others = keep & ~band
    if not band.any() or not others.any():
        return band & False
    return band & ((tall & (height > 2 * height[others].max())) | (long & (width > 2 * width[others].max())))


def _texture(stats: dict[str, np.ndarray], keep: np.ndarray, height: float) -> np.ndarray:
    """Specks crowded together (a desk's grain beside the paper, shadowed fibres): many tiny components in one
    patch of half the line's height. A digit broken by a dry pen has a few fragments, and larger ones."""
    tiny = keep & (stats["bottom"] - stats["top"] < SPECK * height) & (stats["right"] - stats["left"] < SPECK * height)
    if np.count_nonzero(tiny) < TEXTURE_SPECKS:
        return tiny & False
    cell = max(2.0, height / 2)
    rows = ((stats["top"] + stats["bottom"]) / 2 // cell).astype(np.int64)
    cols = ((stats["left"] + stats["right"]) / 2 // cell).astype(np.int64)
    patch = rows * (int(cols.max()) + 1) + cols
    crowd = np.bincount(patch[tiny], minlength=int(patch.max()) + 1)
    return tiny & (crowd[patch] >= TEXTURE_SPECKS)


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


def _join_small(pieces: list[Piece], height: float) -> list[Piece]:
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


def _absorb(target: Piece, piece: Piece) -> None:
    target.components += piece.components
    target.top, target.bottom = min(target.top, piece.top), max(target.bottom, piece.bottom)
    target.left, target.right = min(target.left, piece.left), max(target.right, piece.right)
    target.x0, target.x1 = min(target.x0, piece.x0), max(target.x1, piece.x1)
