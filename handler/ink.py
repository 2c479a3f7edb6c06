"""Where the ink is, in any picture: a map that is 0 on the paper and 1 on a typical stroke.

A transparent background makes the alpha channel the ink. Otherwise the ink is whatever differs
from the paper's colour (the median of the picture's border), in any channel: black on white,
white on black and coloured ink on coloured paper alike. When the border shows uneven light
(a phone photo's shadow or fall-off), each pixel is compared with the paper's colour around it,
relative to that paper's brightness, so a stroke in the shade weighs as much as one in the light.
In a photo, what enters from the frame's edge in another colour and ends at a sharp edge (the desk
past the page, a finger) is not the page, and the lines printed on it are not ink either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from PIL import Image, ImageFilter

from handler import levels
from handler.errors import UnusableImage
from handler.morphology import (
    coarse_max_filter, connected_to_edge, enlarged, grown_within, max_filter, mean_3x3, min_filter,
    running as _running_1d,
)

BORDER = 2  # px of the picture's edge taken as paper
NOISE_SIGMAS = 6.0  # ink differs from paper by more than this many standard deviations of the paper's noise
MIN_FLOOR = 12  # of 255: smaller differences are paper whatever its noise (JPEG ringing, dithering)
MIN_CONTRAST = 20  # of 255: below this the "ink" is indistinguishable from the paper
MIN_INK_PIXELS = 4
STROKE_PERCENTILE = 60  # the typical stroke's strength, among pixels that are ink: 1.0 after normalising
MIN_RULED_LINES = 3  # lines across a picture that make it a ruled or squared page, not a drawing's straight strokes
NOISE_CEILING = 99  # percentile of the border's levels: the paper's noise stays under it
LIGHT_SIDE = 96  # uneven light is detected on a copy this size: it varies slowly
LIGHT_MIN_SIDE = 64  # px: smaller pictures are drawings or icons, not photos of paper
PHOTO_NOISE = 1  # of 255: median step between neighbouring border pixels of a photo (sensor noise, grain)
UNEVEN_LIGHT = 16  # of 255: border brightness spread (10th to 90th percentile) that calls for flattening
LIGHT_WINDOW = 0.2  # of the shorter side: wider than any stroke, narrower than a shadow
INK_PERCENTILE = 99.5  # strokes cover more than 0.5% of a picture: their contrast, not a speck's
# Polarity under uneven light: paper this bright (of 255) carries dark ink (a page, even in shade); a lamp's
# hotspot or a pale paper's edge is a bright deviation that must not win over a small dark digit.
LIGHT_PAPER = 100
DARK_PAGE = 60  # of 255: an evenly lit border this dark is a dark page or screen (white on black)
# Ink has sharp edges; shading (a shadow band's edge, a vignette, paper blotches) changes over many pixels.
# A pixel is ink only within reach of an edge that rises by at least this share of its contrast per pixel.
EDGE_SHARPNESS = 0.25
EDGE_MIN_CONTRAST = 24  # of 255: edges weaker than this are paper noise, not a stroke's border
EDGE_REACH = 0.1  # of the shorter side: a bold stroke's half-width, the farthest ink lies from its edge
RELATIVE_INK = 0.3  # of the strongest sharp edge within reach: fainter pixels there are shade, not ink
REACH_POOL = 4  # that strongest edge is sought on a copy this many times smaller (a few pixels more reach)
# Ruled and squared paper: straight lines across at least half the picture, at most LINE_THICKNESS of its
# shorter side thick (and never less than MIN_LINE_THICKNESS px)
# (a thin-pen 1 is shorter, or slanted). Lines up to FAINT_LINE_THICKNESS thick (a blurred photo's) go too where
# they are fainter than FAINT_LINE of the strokes: a pen's bar drawn along a printed line is darker than it.
LINE_LENGTH, LINE_THICKNESS, MIN_LINE_THICKNESS = 0.5, 0.02, 4
FAINT_LINE_THICKNESS, FAINT_LINE, STROKE_LEVEL = 0.035, 0.8, 99  # STROKE_LEVEL: percentile of the ink (lines can be most of it)
# Tilted lines (a phone held askew, perspective up to ~12% at the corners): the slope is sought on every
# LINE_SEARCH_STEP-th column among LINE_SLOPES (rows per column, level in the middle); a slope is taken only when it
# fills rows LEVEL_MARGIN times more unevenly than level.
LINE_SEARCH_STEP, LINE_SLOPES, LEVEL_MARGIN = 4, np.linspace(-0.14, 0.14, 15), 1.15
LINE_SLOPES_TRIED = 2
INK_ON_LINE = 1.5  # times the line's typical darkness: ink written along a line
LINE_GAP = 0.03  # of the picture's width: the longest break in a faint printed line that still joins it
# A page on a desk: where the picture's centre differs from its border by this much (of 255, in some channel),
# the border pixels this close to the centre's colour are the paper, if they are at least MIN_PAPER_BORDER of it.
PAPER_MATCH, MIN_PAPER_BORDER = 40, 0.1
# Beyond the page: at least this share of the border far (PAPER_MATCH) from the paper's colour, traced on a copy
# OFF_PAGE_SCALE times smaller; its edge is sharp where the pixels just past it are within SHARP_EDGE of the
# paper's colour (a share of the way from the paper to what lies beyond), or a pixel farther within
# SHARP_EDGE_FARTHER.
# On development photos a desk's edge or a finger's measured 0.01-0.24 just past it (a blurred finger 0.37, then
# 0.08), a shadow band's or a vignette's 0.40-0.49, then 0.21-0.47. A finger's tip can be 1% of the border.
MIN_OFF_PAGE_BORDER, OFF_PAGE_SCALE, SHARP_EDGE, SHARP_EDGE_FARTHER = 0.01, 4, 0.33, 0.12
OFF_PAGE_OPENING = 0.06  # of the copy's shorter side: twice a bold felt tip's stroke
MIDDLE_COVERED = 0.5  # a region beyond the page never holds more than this of the frame's middle fifth
SHAFT_SHADE = 0.25  # of the region's step from the paper: how far a pen's shaft varies from its grip's colour
# A desk nearly as light as the paper, lit unevenly, fails that test against the paper's one colour. Its edge is
# sharp too where, two pixels past it, the picture has already settled (within SETTLED of the step from the
# region's own edge to the paper farther out), and the region's hue is not the paper's: a shadow scales the
# paper's channels alike, while (region + 1) / (paper + 1) spreads across channels by at least HUE_SHIFT.
# On development photos: light desks 0.03-0.12 and settled within 0.1 (10 of 148 paper edges the first test missed),
# shadow bands 0.004-0.015 (5 of them settled as fast); two more light desks (seeds 1 and 9) settled within 0.10-0.12
# of the step, while a lamp's cool hotspot, whose hue passes, settles no faster than 0.16 of it.
SETTLED, HUE_SHIFT = 0.15, 0.03
SETTLED_WITHIN = 8  # px past the region (on the quarter-size copy): the level it keeps is looked for this far
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L"


def as_uint8(values: np.ndarray) -> np.ndarray:
    """uint8 as is; floats in [0, 1] scaled to 0..255."""
    if values.dtype == np.uint8:
        return values
    if np.issubdtype(values.dtype, np.floating):
        return np.clip(np.round(values * 255.0), 0, 255).astype(np.uint8)
    return np.clip(values, 0, 255).astype(np.uint8)


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) or (H, W), uint8 or floats in [0, 1] -> (H, W) float32 luminance in [0, 1]."""
    values = rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 1.0)
    return values if values.ndim == 2 else _brightness(values[..., :3])


def _brightness(values: np.ndarray) -> np.ndarray:
    """Luminance along the last axis (3 channels) or their mean (1 channel)."""
    values = np.asarray(values, dtype=np.float32)
    return values @ LUMA if values.shape[-1] == 3 else values.mean(axis=-1)


def border_pixels(values: np.ndarray, width: int = BORDER) -> np.ndarray:
    """The pixels of the outer ``width`` rows and columns, as (N,) or (N, C)."""
    width = max(1, min(width, min(values.shape[:2]) // 2))
    rows = np.concatenate([values[:width], values[-width:]], axis=0).reshape(-1, *values.shape[2:])
    cols = np.concatenate([values[:, :width], values[:, -width:]], axis=1).reshape(-1, *values.shape[2:])
    return np.concatenate([rows, cols])


def find_ink(rgb: np.ndarray, alpha: np.ndarray | None = None, *, beyond_page: bool = True) -> np.ndarray:
    """uint8 picture (+ alpha) -> float32 (H, W) ink in [0, 1]: paper 0, a typical stroke 1.

    ``beyond_page=False``: the picture is taken to show paper only (no desk, no finger), as when it is cropped
    close to the digit and the digit's strokes run into the frame's edge."""
    rgb = rgb if rgb.ndim == 3 else rgb[..., np.newaxis]
    if alpha is not None:
        if levels.median(border_pixels(alpha)) < 128:  # transparent background: what is opaque is ink
            return normalize_ink(alpha)
        opaque = border_pixels(rgb)[border_pixels(alpha) >= 128]
        weight = alpha[..., np.newaxis].astype(np.float32) / 255.0  # holes in an opaque picture are paper
        rgb = as_uint8((rgb * weight + levels.channel_medians(opaque) * (1 - weight)) / 255.0)
    on_paper = paper_on_border(rgb) if beyond_page else None  # None: the whole border is paper
    try:
        return normalize_ink(ink_from_colour(rgb, on_paper, beyond_page=beyond_page), on_paper)
    except UnusableImage:
        if on_paper is None or on_paper.all():
            raise
    # Nothing is left when the paper taken is wrong: the middle's colour a shadow band's across it, not a page's on a
    # desk, and the lit page beyond the band taken for the desk. Then the whole border is the paper.
    return normalize_ink(ink_from_colour(rgb, beyond_page=beyond_page))


def paper_on_border(rgb: np.ndarray) -> np.ndarray:
    """Which of ``border_pixels(rgb)`` show the paper: all of them, unless the picture's centre (where people
    put the digit) has another colour than most of its border and part of the border has the centre's colour:
    a page on a desk, the desk along most of the edges."""
    border = border_pixels(rgb).astype(np.int16)
    everywhere = np.ones(len(border), dtype=bool)
    height, width = rgb.shape[:2]
    if min(height, width) < LIGHT_MIN_SIDE:  # icons and MNIST-sized pictures: no room for a desk
        return everywhere
    centre = rgb[height // 4 : height - height // 4 : 4, width // 4 : width - width // 4 : 4]  # a sample is enough
    colour = levels.channel_medians(centre.reshape(-1, rgb.shape[2]))
    if np.abs(levels.channel_medians(border) - colour).max() < PAPER_MATCH:
        return everywhere
    if not _noisy(border):  # a rendered picture has no desk; cropped close, its digit fills the centre
        return everywhere
    matches = np.abs(border - colour).max(axis=1) < PAPER_MATCH
    return matches if matches.mean() >= MIN_PAPER_BORDER else everywhere


def ink_from_colour(rgb: np.ndarray, on_paper: np.ndarray | None = None, *, beyond_page: bool = True) -> np.ndarray:
    """uint8 (H, W, C) -> uint8 (H, W): how far each pixel is from the paper, in its most different channel.

    ``on_paper``: which border pixels show the paper (``paper_on_border``; all when None).
    Where the light was uneven (a photo), what is left after flattening is kept only near sharp edges; in any
    photo the lines of ruled or squared paper are removed and what lies beyond the page (``off_page``) is
    dropped: ink, not light, the page's print or the desk."""
    border = border_pixels(rgb)
    paper = np.round(levels.channel_medians(border if on_paper is None else border[on_paper])).astype(np.uint8)
    grey = _grey(rgb) if min(rgb.shape[:2]) >= LIGHT_MIN_SIDE else None  # one grey copy for both decisions
    photo = grey is not None and _is_photo(grey)
    correction = _light_correction(rgb, paper, grey, photo=photo)
    if correction is None:
        distance = _chebyshev((rgb[..., channel] for channel in range(rgb.shape[2])), paper)
        if grey is None:  # an icon or an MNIST-sized picture: no room for a ruled page
            return distance
        inked = without_lines(distance)  # evenly lit notebook paper too
        if not photo:  # a clean screenshot or canvas keeps its straight strokes (a 1, a 2's base), unless the
            # lines removed are a ruled page's: a photo blurred too smooth to pass for one
            return inked if _ruled_lines(distance, inked) >= MIN_RULED_LINES else distance
    else:
        distance = _chebyshev(_relit(rgb, *correction), paper)
        # Most pixels are paper, unless a desk fills much of the frame: then the paper's own border pixels tell.
        paper_level = (None if on_paper is None or on_paper.all()
                       else int(levels.median(border_pixels(distance)[on_paper])))
        inked = without_lines(sharp_only(distance, paper_level))
    if not (photo and beyond_page):  # a rendered picture has no desk or finger: its digit may touch the edge
        return inked
    beyond = off_page(rgb, paper)
    return inked if beyond is None else np.where(beyond, np.uint8(0), inked)


def off_page(rgb: np.ndarray, paper: np.ndarray) -> np.ndarray | None:
    """Where the picture shows what lies beyond the page (a desk past its edge, a finger): the region entering
    from the frame's edge in a colour other than the paper's, ending at a sharp edge. None when there is none.

    A shadow or a vignette also darkens the border, but it fades out over many pixels, while a page's edge
    or a finger's is sharp; flattening cannot tell a desk's grain from ink, so this is decided on colour."""
    border, paper = border_pixels(rgb).astype(np.int16), paper.astype(np.int16)
    far = np.abs(border - paper).max(axis=1) >= PAPER_MATCH
    if far.mean() < MIN_OFF_PAGE_BORDER or min(rgb.shape[:2]) < LIGHT_MIN_SIDE:
        return None
    other = levels.channel_medians(border[far])
    # A quarter-size copy: the desk's grain averages out, a stroke thins to a line the fill cannot pass along.
    channels = rgb if rgb.shape[2] == 3 else np.ascontiguousarray(rgb[..., 0])  # Pillow: RGB or L
    small = np.asarray(Image.fromarray(channels).reduce(OFF_PAGE_SCALE), dtype=np.int16).reshape(
        -(-rgb.shape[0] // OFF_PAGE_SCALE), -(-rgb.shape[1] // OFF_PAGE_SCALE), rgb.shape[2])
    to_paper = np.abs(small - paper).max(axis=2)
    beyond = (np.abs(small - other.astype(np.int16)).max(axis=2) < to_paper) & (to_paper >= PAPER_MATCH // 2)
    # Strokes are dark too: an opening wider than a bold one keeps the fill from running along a digit that
    # touches the desk. What is narrower than it beyond the page is left to sharp_only and clear_border.
    window = max(3, 2 * round(OFF_PAGE_OPENING * min(beyond.shape) / 2) + 1)
    reached = connected_to_edge(max_filter(min_filter(beyond, window), window))
    if not reached.any() or _covers_the_middle(reached):
        return None
    # Just past the region: nearly the paper where the edge is sharp, still half shade where it fades; a pixel
    # farther, a blurred finger's edge is the paper too, while a shadow's is still fading.
    margin = max_filter(reached, 3)
    span = np.abs(other - paper).max()
    past = [(margin & ~reached, SHARP_EDGE), (max_filter(reached, 5) & ~margin, SHARP_EDGE_FARTHER)]
    if not (any(ring.any() and levels.median(to_paper[ring]) <= share * span for ring, share in past)
            or _settles_in_another_hue(small, reached, to_paper, paper)):
        return None
    # The opening cut a pen's shaft (narrower than it) off its base: grown back along what has the region's
    # own colour. A digit touching it in another colour stays; ink of the pen's own colour touching it goes.
    # Only for what is far from the paper (a pen, a finger): a region nearly as light may be the page itself,
    # taken for the desk beside it, and would grow into the paper inside the digit's loops.
    if span >= 2 * PAPER_MATCH:
        own = levels.channel_medians(small[reached])
        shade = max(PAPER_MATCH // 2, SHAFT_SHADE * span)  # a round shaft's own light and shadow
        reached = grown_within(reached, reached | beyond & (np.abs(small - own).max(axis=2) < shade))
    return enlarged(max_filter(reached, 3), OFF_PAGE_SCALE, rgb.shape)  # with the edge's blur


def _covers_the_middle(region: np.ndarray) -> bool:
    """Whether ``region`` holds most of the frame's middle, where people put the digit: then it is the page
    itself, taken for a desk because a vignette darkened the page's border to the desk's colour."""
    height, width = region.shape
    middle = region[height * 2 // 5 : -(-height * 3 // 5), width * 2 // 5 : -(-width * 3 // 5)]
    return bool(middle.mean() > MIDDLE_COVERED)


def _settles_in_another_hue(small: np.ndarray, reached: np.ndarray, to_paper: np.ndarray, paper: np.ndarray) -> bool:
    """Whether the region ``reached`` ends sharply, judged against the paper beside it rather than the paper's
    one colour (a desk nearly as light as the paper), and differs from the paper in hue, not only in light."""
    ratios = (levels.channel_medians(small[reached]) + 1) / (paper + 1)
    if float(ratios.max() - ratios.min()) < HUE_SHIFT:
        return False
    edge, grown = reached & ~min_filter(reached, 3), [reached]
    for distance in range(1, SETTLED_WITHIN + 1):  # the rings of pixels 1, 2... past the region
        grown.append(max_filter(reached, 2 * distance + 1))
    rings = [outer & ~inner for inner, outer in zip(grown, grown[1:])]
    if not edge.any() or not all(ring.any() for ring in rings):
        return False
    inside, past = levels.median(to_paper[edge]), [levels.median(to_paper[ring]) for ring in rings]
    after, beside = past[1], past[3]  # two and four pixels past it
    if abs(after - beside) <= SETTLED * max(inside - beside, 1.0):
        return True
    # A grained desk's edge blurs over a few pixels more: by four past it, the picture is at the level it keeps
    # (a lamp's hotspot is still fading there).
    kept = min(past[4:])
    return beside - kept <= SETTLED * max(inside - kept, 1.0)


def sharp_only(distance: np.ndarray, paper_level: int | None = None) -> np.ndarray:
    """``distance`` where a sharp edge is within a bold stroke's half-width; 0 elsewhere (soft shading).

    ``paper_level``: the distance typical of the paper (default: the median pixel's)."""
    # On a 3x3 average: a stroke's border still rises within two pixels, a camera's noise on the shading no longer.
    values = mean_3x3(distance)
    rise = np.zeros_like(values)
    rise[:, 1:-1] = np.abs(values[:, 2:] - values[:, :-2])
    np.maximum(rise[1:-1], np.abs(values[2:] - values[:-2]), out=rise[1:-1])
    contrast = max_filter(values, 3)
    # rise spans 2 px; float32, not numpy's default float64: half the memory, the same values for 0..255
    edges = (rise >= np.float32(2 * EDGE_SHARPNESS) * contrast) & (contrast >= EDGE_MIN_CONTRAST)
    reach = 2 * max(1, round(EDGE_REACH * min(distance.shape))) + 1
    # Noise and shading left on the paper (most pixels) set a floor, measured before the gate leaves zeros all
    # around: without it the faint halo near strokes would outnumber the strokes when they are normalised.
    if paper_level is None:
        counts = np.cumsum(Image.fromarray(distance).histogram())
        paper_level = int(np.searchsorted(counts, counts[-1] / 2))
    floor = max(2 * paper_level + MIN_FLOOR, EDGE_MIN_CONTRAST)
    # Near a stroke, what is far fainter than its edge is the shade it crosses (a shadow's edge beside the digit).
    strongest = coarse_max_filter(np.where(edges, contrast.astype(np.uint8), np.uint8(0)), reach, REACH_POOL)
    faintest = (strongest * np.float32(RELATIVE_INK)).astype(np.uint8)  # uint8 comparisons from here
    keep = max_filter(edges, reach) & (distance > np.maximum(faintest, min(floor, 255)))
    return np.where(keep, distance, np.uint8(0))


def without_lines(distance: np.ndarray) -> np.ndarray:
    """``distance`` without long thin straight lines across the picture (ruled or squared paper), level or
    tilted as a phone held askew sees them."""
    mask = distance >= EDGE_MIN_CONTRAST
    if not mask.any():
        return distance
    thickest = max(MIN_LINE_THICKNESS, round(LINE_THICKNESS * min(distance.shape)))
    thickest_faint = max(thickest, round(FAINT_LINE_THICKNESS * min(distance.shape)))
    counts = np.cumsum(np.bincount(distance[mask], minlength=256))
    strokes = int(np.searchsorted(counts, counts[-1] * STROKE_LEVEL / 100))  # percentile from the histogram: no sort
    faint = distance < FAINT_LINE * strokes
    # Vertical lines are the horizontal lines of the transposed picture. They go first, and the horizontal ones
    # are sought without them: where squared paper's lines cross, neither line is thin until the other is gone.
    vertical = _level_lines(mask.T, faint.T, thickest, thickest_faint).T
    horizontal = _level_lines(mask & ~vertical, faint, thickest, thickest_faint)
    lines = _without_ink_along(vertical, distance, faint) | _without_ink_along(horizontal, distance, faint)
    return np.where(lines, np.uint8(0), distance)


def _ruled_lines(distance: np.ndarray, inked: np.ndarray) -> int:
    """How many separate lines across at least half the picture (rows, or columns) ``without_lines`` removed."""
    removed = (inked == 0) & (distance >= EDGE_MIN_CONTRAST)
    found = 0
    for axis in (1, 0):
        across = np.count_nonzero(removed, axis=axis) >= removed.shape[axis] / 2
        found = max(found, int(np.count_nonzero(across[1:] & ~across[:-1]) + across[0]))
    return found


def _without_ink_along(lines: np.ndarray, distance: np.ndarray, faint: np.ndarray) -> np.ndarray:
    """``lines`` less where they are far darker than such lines are (INK_ON_LINE times their median) and not faint
    next to the ink: a stroke written along a line (a 2's base on a ruled line) stays."""
    if not lines.any():
        return lines
    return lines & (faint | (distance < np.float32(INK_ON_LINE * levels.median(distance[lines]))))


def _level_lines(mask: np.ndarray, faint: np.ndarray, thickest: int, thickest_faint: int) -> np.ndarray:
    """The pixels of near-horizontal lines, sought along the lines' own slope (found on a sample of the ink)."""
    slope = _line_slope(mask)
    if slope == 0.0:  # level lines, or none: the common case costs one pass
        return _horizontal_lines(mask, faint, thickest, thickest_faint)
    lines = np.zeros_like(mask)
    columns = np.broadcast_to(np.arange(mask.shape[1]), mask.shape)
    for _ in range(LINE_SLOPES_TRIED):  # under perspective the lines at the top and bottom slope differently
        rows = _sheared_rows(mask.shape, slope)
        inside = (rows >= 0) & (rows < mask.shape[0])
        rows = np.clip(rows, 0, mask.shape[0] - 1)
        found = _horizontal_lines(mask[rows, columns] & inside, faint[rows, columns], thickest, thickest_faint)
        lines[rows[found & inside], columns[found & inside]] = True  # back where each pixel came from
        previous, slope = slope, _line_slope(mask & ~lines)
        if slope == previous:
            break
        if slope == 0.0:
            return lines | _horizontal_lines(mask, faint, thickest, thickest_faint)
    return lines


def _horizontal_lines(mask: np.ndarray, faint: np.ndarray, thickest: int, thickest_faint: int) -> np.ndarray:
    length, gap = max(3, round(LINE_LENGTH * mask.shape[1])), max(3, round(LINE_GAP * mask.shape[1]))
    # No row can hold enough for a run that long (half of it at the picture's edge, repeated there by the erosion):
    # no line, as in most photos, and the long erosion is skipped. First on the columns alone (a row holds no
    # more than the columns with ink anywhere, gaps bridged), then row by row.
    if np.count_nonzero(_dilate_1d(mask.any(axis=0)[np.newaxis], gap, 1)) < (length + 1) // 2:
        return np.zeros_like(mask)
    thick = _dilate_1d(mask, 5, 0)  # a line not quite straight steps by a pixel now and then
    # and a faint one (a small picture's, JPEG's) breaks into dashes: gaps this short are bridged
    thick = _dilate_1d(thick, gap, 1)
    rows = np.flatnonzero(np.count_nonzero(thick, axis=1) >= (length + 1) // 2)  # the only rows a run can be in
    long_runs = np.zeros_like(mask)
    if rows.size:
        long_runs[rows] = _dilate_1d(_erode_1d(thick[rows], length, 1), length, 1) & mask[rows]
    if not long_runs.any():
        return long_runs
    thin = ~_dilate_1d(_erode_1d(mask, thickest + 1, 0), thickest + 1, 0)
    thin_faint = ~_dilate_1d(_erode_1d(mask, thickest_faint + 1, 0), thickest_faint + 1, 0) & faint
    return _dilate_1d(long_runs & (thin | thin_faint), 3, 0)  # with the line's faint, anti-aliased fringe


def _line_slope(mask: np.ndarray) -> float:
    """The slope (rows per column) along which the rows of ``mask`` are most unevenly filled: that of its
    lines, if it has any; 0.0 when level lines (or none) explain it as well."""
    # Every LINE_SEARCH_STEP-th column, rows OR-ed in blocks as tall: a thin line stays in every sampled column.
    small = np.logical_or.reduceat(mask[:, ::LINE_SEARCH_STEP], np.arange(0, mask.shape[0], LINE_SEARCH_STEP), axis=0)
    width = -(-mask.shape[1] // LINE_SEARCH_STEP)
    # A row at any slope takes at most one point per column: with too few columns inked, none is a line.
    if np.count_nonzero(small.any(axis=0)) < LINE_LENGTH * width:
        return 0.0
    rows, columns = np.nonzero(small)
    sheared = rows - _shear_offsets(LINE_SLOPES, width)[:, columns]  # (slopes, points): each point's row per slope
    sheared -= sheared.min()
    span = int(sheared.max()) + 1
    # Row counts for every slope at once (one bincount, each slope's rows apart); how unevenly they fill: squares.
    counts = np.bincount((sheared + span * np.arange(len(LINE_SLOPES))[:, np.newaxis]).ravel(),
                         minlength=span * len(LINE_SLOPES)).reshape(len(LINE_SLOPES), span)
    scores = np.einsum("ij,ij->i", counts, counts).astype(np.float64)
    longest = counts.max(axis=1)
    best = int(np.argmax(scores))
    is_line = longest[best] >= LINE_LENGTH * width  # a row of ink across half the picture at that slope
    return float(LINE_SLOPES[best]) if is_line and scores[best] > LEVEL_MARGIN * scores[len(LINE_SLOPES) // 2] else 0.0


def _sheared_rows(shape: tuple[int, int], slope: float) -> np.ndarray:
    """Row indices that follow lines of ``slope`` through the picture's middle column."""
    [offsets] = _shear_offsets(np.array([slope]), shape[1])
    return np.arange(shape[0])[:, np.newaxis] + offsets[np.newaxis, :]


def _shear_offsets(slopes: np.ndarray, width: int) -> np.ndarray:
    """(slopes, width) rows by which a line of each slope has moved at each column, from the middle one."""
    return np.round(np.outer(slopes, np.arange(width) - width / 2)).astype(np.intp)


def _dilate_1d(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    return _running_1d(mask, size, axis, np.maximum)


def _erode_1d(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    return _running_1d(mask, size, axis, np.minimum)


def _chebyshev(channels: Iterable[np.ndarray], paper: np.ndarray) -> np.ndarray:
    """max over channels of |channel - paper|, in uint8 without overflow (channel by channel: numpy reduces
    a last axis of 3 slowly)."""
    pairs = zip(channels, paper, strict=True)
    differences = (np.maximum(values, level) - np.minimum(values, level) for values, level in pairs)
    distance = next(differences)  # a picture has at least one channel
    for difference in differences:
        np.maximum(distance, difference, out=distance)
    return distance


def flatten_light(rgb: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """``rgb`` as if evenly lit, when its border shows that light varies; else ``rgb`` itself."""
    correction = _light_correction(rgb, paper)
    return rgb if correction is None else np.stack(list(_relit(rgb, *correction)), axis=-1)


def _light_correction(rgb: np.ndarray, paper: np.ndarray, grey: Image.Image | None = None, *,
                      photo: bool | None = None) -> tuple[np.ndarray, np.ufunc] | None:
    """(per-pixel correction, how to apply it) that evens out the light; None when the light is even.

    The paper's brightness around each pixel comes from a half-size grey copy: a closing (dark ink) or
    an opening (light ink) wider than any stroke, which follows a shadow's edge sharply, as a blur
    would not. Dark ink: divided by it (shade scales ink and paper alike); light ink: subtracted.
    ``grey``: the picture's grey copy, and ``photo``: whether it is a camera's (``_is_photo``), when the caller
    knows them.
    """
    if min(rgb.shape[:2]) < LIGHT_MIN_SIDE:  # icons and MNIST-sized pictures: no room for a shadow
        return None
    grey = grey if grey is not None else _grey(rgb)
    half = grey.reduce(2)
    if not _uneven(half):
        return None
    brightness = float(_brightness(paper))
    # A dark, evenly dark border is a dark page or screen under even light, the light digit all that is uneven in
    # it: nothing to flatten, and an opening LIGHT_WINDOW wide would cut a marker stroke wider than that out of it.
    if brightness < DARK_PAGE and _border_spread(np.asarray(half)) < UNEVEN_LIGHT:
        return None
    # A rendered picture's light paper (no camera, so no shade on it) has dark ink, however much the digit covers.
    photo = _is_photo(grey) if photo is None else photo
    known = True if brightness >= LIGHT_PAPER and not photo else None
    background, dark_ink = _paper_brightness(half, dark_ink=known)
    # Worked out on the half-size copy, then doubled: the same values as on the doubled one, a quarter the work.
    if dark_ink:
        return _double(brightness / np.maximum(background.astype(np.float32), 1.0), grey.size), np.multiply
    return _double(brightness - background.astype(np.float32), grey.size), np.add


def _double(half: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float32 ``half`` at twice its size, cut to ``size`` (w, h): each pixel repeated 2x2 (the light varies
    slowly, and a bilinear resize cost a fifth of the flattening)."""
    return enlarged(half.astype(np.float32, copy=False), 2, (size[1], size[0]))


def _relit(rgb: np.ndarray, correction: np.ndarray, apply: np.ufunc) -> Iterator[np.ndarray]:
    buffer = np.empty(correction.shape, dtype=np.float32)
    for channel in range(rgb.shape[2]):
        apply(rgb[..., channel], correction, out=buffer)
        yield np.clip(buffer, 0, 255, out=buffer).astype(np.uint8)


def _paper_brightness(half: Image.Image, *, dark_ink: bool | None = None) -> tuple[np.ndarray, bool]:
    """The paper's brightness under the strokes (uint8, like ``half``), and whether the ink is darker
    (``dark_ink``: when that is known already).

    Polarity: strokes are the pixels farthest from a wide blur of the picture, on their side of it
    (paper inside a loop or in a shadow is much nearer). Paper brightness alone cannot tell: a shaded
    page is dark grey, and top-hats cannot either: the paper inside a 0 looks like a light stroke.
    """
    window = 2 * max(1, round(min(half.size) * LIGHT_WINDOW / 2)) + 1
    blurred = half.filter(ImageFilter.BoxBlur(window // 2))
    if dark_ink is None:
        deviation = np.asarray(half, dtype=np.int16) - np.asarray(blurred, dtype=np.int16)
        darkest, brightest = levels.percentiles(deviation, (100 - INK_PERCENTILE, INK_PERCENTILE))
        dark_ink = bool(levels.median(np.asarray(blurred)) >= LIGHT_PAPER or -darkest >= brightest)
    # Continue the light's slope past the edges (odd reflection): a closing would darken an edge it falls towards.
    margin = window // 2 + 1
    values = _odd_reflected(np.asarray(half, dtype=np.int16), margin)
    # Clipped to 0..255 first: rank filters commute with clipping, and uint8 filters are faster than int16 ones.
    values = np.clip(values, 0, 255).astype(np.uint8)
    if dark_ink:  # a closing fills the dark strokes with the paper around them
        values = min_filter(max_filter(values, window), window)
    else:  # an opening removes the light ones
        values = max_filter(min_filter(values, window), window)
    return values[margin:-margin, margin:-margin], dark_ink


def _odd_reflected(values: np.ndarray, margin: int) -> np.ndarray:
    """``np.pad(values, margin, mode="reflect", reflect_type="odd")`` of a 2-D int16 array larger than the margin
    on both sides, without np.pad's per-call cost: rows first, then columns across the padded rows, as np.pad."""
    height, width = values.shape
    padded = np.empty((height + 2 * margin, width + 2 * margin), dtype=values.dtype)
    middle = padded[:, margin : margin + width]
    middle[margin : margin + height] = values
    middle[:margin] = 2 * values[:1] - values[margin:0:-1]
    middle[margin + height :] = 2 * values[-1:] - values[-2 : -margin - 2 : -1]
    padded[:, :margin] = 2 * middle[:, :1] - middle[:, margin:0:-1]
    padded[:, margin + width :] = 2 * middle[:, -1:] - middle[:, -2 : -margin - 2 : -1]
    return padded


def _grey(rgb: np.ndarray) -> Image.Image:
    if rgb.shape[2] == 3:
        return Image.fromarray(rgb, mode="RGB").convert("L")
    return Image.fromarray(np.ascontiguousarray(rgb[..., 0]), mode="L")


def _uneven(grey: Image.Image) -> bool:
    """Whether the border's brightness spreads (10th to 90th percentile) more than paper does under even light
    (a shadow across the edge); in a photo (a noisy border), the whole picture's too (a lamp's hotspot in the
    middle). A clean digital picture is left alone: its bold strokes would count as uneven light.

    ``grey`` may be a reduced copy (the half-size one is at hand): only its ``LIGHT_SIDE`` copy is looked at."""
    scale = min(1.0, LIGHT_SIDE / max(grey.size))
    small = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.Resampling.BOX)
    pixels = np.asarray(small)
    if _border_spread(pixels) >= UNEVEN_LIGHT:
        return True
    return _is_photo(grey) and _spread(pixels) >= UNEVEN_LIGHT


def _border_spread(pixels: np.ndarray) -> float:
    """How far the border's brightness spreads: its 10th to 90th percentile."""
    return _spread(border_pixels(pixels))


def _spread(pixels: np.ndarray) -> float:
    """10th to 90th percentile of uint8 ``pixels``."""
    high, low = levels.percentiles(pixels, (90, 10))
    return high - low


def _is_photo(grey: Image.Image) -> bool:
    """A camera's picture, by the noise between neighbouring border pixels (a rendered picture has none)."""
    return _noisy(border_pixels(np.asarray(grey)))  # full detail: sensor noise survives here


def _noisy(border: np.ndarray) -> bool:
    """Whether border pixels ((N,) grey or (N, C)) step by PHOTO_NOISE or more from one to the next (median)."""
    steps = np.abs(np.diff(border.astype(np.int16), axis=0))
    return levels.median(steps if steps.ndim == 1 else steps.max(axis=1)) >= PHOTO_NOISE


def normalize_ink(distance: np.ndarray, on_paper: np.ndarray | None = None) -> np.ndarray:
    """uint8 distance from paper -> float32 ink: paper noise to 0, the typical stroke to 1, soft edges between.

    The paper's noise is measured on the border (``on_paper``: the border pixels that show the paper)."""
    edge = border_pixels(distance)
    edge = edge if on_paper is None else edge[on_paper]
    paper = levels.median(edge)
    # |edge - paper| doubled: whole numbers (the median may be a half), as levels.median needs
    doubled_deviation = np.abs(2 * edge.astype(np.int16) - int(2 * paper))
    noise = 1.4826 * levels.median(doubled_deviation) / 2  # robust standard deviation of the paper
    floor = paper + max(NOISE_SIGMAS * noise, MIN_FLOOR)
    counts = np.array(Image.fromarray(distance).histogram())  # Pillow's is twice np.bincount's speed on uint8
    full = _typical_stroke(counts, floor)
    if full - paper < MIN_CONTRAST:
        # Camera noise that flattening left mostly at zero has no median deviation, and its tail just above the floor
        # can outnumber the strokes: measured by the border's own noise ceiling instead, before giving up. Strokes
        # must then stand out from that ceiling (a faint pattern just above it is no digit).
        floor = max(floor, levels.percentiles(edge, (NOISE_CEILING,))[0])
        full = _typical_stroke(counts, floor)
        if full - floor < MIN_CONTRAST:
            raise UnusableImage("no digit found: the image has too little contrast")
    lookup = np.clip((np.arange(256, dtype=np.float32) - floor) / max(full - floor, 1.0), 0.0, 1.0)
    return np.take(lookup, distance)  # take is faster than fancy indexing


def _typical_stroke(counts: np.ndarray, floor: float) -> int:
    """The level of the typical stroke: ``STROKE_PERCENTILE`` of the pixels above ``floor`` (a histogram's)."""
    strokes = counts[int(floor) + 1 :]
    if strokes.sum() < MIN_INK_PIXELS:
        raise UnusableImage("no digit found: the image is blank or has too little contrast")
    cumulative = np.cumsum(strokes)
    return int(floor) + 1 + int(np.searchsorted(cumulative, cumulative[-1] * STROKE_PERCENTILE / 100))
