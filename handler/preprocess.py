"""Image -> the 28x28 input MNIST's model expects, the way MNIST itself was made. Pure numpy + Pillow.

MNIST digits are white ink on black, fitted into a 20x20 box with their aspect ratio kept, strokes
about two pixels wide, and centred by centre of mass in a 28x28 field. ``preprocess_auto`` brings any
picture of one digit there: it finds the ink (transparency, or distance from the paper's colour after
flattening uneven light), crops it, thickens strokes that shrinking would erase, fits and centres.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from handler.errors import UnusableImage

MNIST_SIZE = 28
BOX_SIZE = 20  # MNIST fitted each digit into 20x20 before centring it in 28x28
FIT_SCALE = 4  # strokes are measured and thickened at 4x the box (80 px) before the final shrink
STROKE_WIDTH = 2.0  # MNIST's median stroke width in pixels (2 x area / perimeter of ink > 0.5)
MIN_CONTRAST = 0.08  # below this the "ink" is indistinguishable from paper noise
MIN_INK_PIXELS = 4
BACKGROUND_SIDE = 64  # uneven light is estimated on a small copy: it varies slowly


def preprocess_mnist(rgb: np.ndarray) -> np.ndarray:
    """Strict mode: a 28x28 image used exactly as MNIST stores it (white on black), scaled to [0, 1]."""
    height, width = rgb.shape[:2]
    if (height, width) != (MNIST_SIZE, MNIST_SIZE):
        raise UnusableImage(
            f"mnist mode needs a 28x28 image, got {width}x{height}: use mode=auto for other pictures"
        )
    return to_grey(rgb)


def preprocess_auto(rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """Any picture of one digit -> (28, 28) float32 in [0, 1], white ink on black, centred by mass."""
    ink = normalize_ink(ink_from_alpha(alpha) if alpha is not None else ink_from_colour(rgb))
    top, bottom, left, right = ink_bounding_box(ink)
    digit = fit_to_box(ink[top:bottom, left:right])
    return center_by_mass(digit)


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) or (H, W) floats -> (H, W) float32 luminance (ITU-R 601, as Pillow's "L")."""
    if rgb.ndim == 2:
        return rgb.astype(np.float32)
    return (rgb[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.float32)


def ink_from_alpha(alpha: np.ndarray) -> np.ndarray:
    """A canvas export with a transparent background: whatever is opaque is ink, whatever its colour."""
    return alpha.astype(np.float32)


def ink_from_colour(rgb: np.ndarray) -> np.ndarray:
    """How far each pixel is from the paper's colour, with slow light changes and shadows removed.

    Distance in RGB works for any polarity (black on white, white on black) and for coloured ink on
    coloured paper whose luminance is alike. The paper's colour is the median of the image border.
    """
    rgb = rgb[..., np.newaxis] if rgb.ndim == 2 else rgb
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    paper = np.median(border, axis=0)
    distance = np.sqrt(((rgb - paper) ** 2).sum(axis=-1) / rgb.shape[-1]).astype(np.float32)
    return np.clip(distance - estimate_background(distance), 0.0, None)


def estimate_background(distance: np.ndarray) -> np.ndarray:
    """The slowly varying part of the distance map (shadows, light gradients), without the strokes.

    A grey opening (min then max filter) wider than a stroke removes the strokes and keeps broad
    shading; computed on a small copy because it only needs to follow slow changes.
    """
    height, width = distance.shape
    scale = BACKGROUND_SIDE / max(height, width)
    if scale >= 1 or min(height, width) * scale < 8:
        return np.zeros_like(distance)  # small or thin images: no room for shading to matter
    small = Image.fromarray(np.round(np.clip(distance, 0, 1) * 255).astype(np.uint8)).resize(
        (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX
    )  # 8-bit: Pillow's blur filters do not take float images
    window = 2 * (BACKGROUND_SIDE // 12) + 1  # about 1/6 of the picture: wider than any stroke
    opened = small.filter(ImageFilter.MinFilter(window)).filter(ImageFilter.MaxFilter(window))
    smooth = opened.filter(ImageFilter.BoxBlur(window // 2))
    return np.asarray(smooth.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0


def otsu_threshold(values: np.ndarray, bins: int = 64) -> float:
    """The threshold that best separates two classes of values in [0, 1] (Otsu, 1979)."""
    histogram, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    weights = histogram.astype(np.float64) / max(1, histogram.sum())
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(weights)
    m0 = np.cumsum(weights * centres)
    total_mean = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * w0 - m0) ** 2 / (w0 * (1 - w0))
    return float(edges[int(np.nanargmax(np.nan_to_num(between, nan=-1.0))) + 1])


def normalize_ink(ink: np.ndarray) -> np.ndarray:
    """Stretch ink to [0, 1]: paper noise to 0, the typical stroke to 1, soft edges kept in between."""
    peak = float(np.percentile(ink, 99.9)) if ink.size else 0.0
    if peak < MIN_CONTRAST:
        raise UnusableImage("no digit found: the image is blank or has too little contrast")
    scaled = np.clip(ink / peak, 0.0, 1.0)
    threshold = otsu_threshold(scaled)
    strokes = scaled[scaled > threshold]
    if strokes.size < MIN_INK_PIXELS:
        raise UnusableImage("no digit found: too little ink in the image")
    floor, full = threshold / 2, float(np.median(strokes))
    return np.clip((scaled - floor) / max(full - floor, 1e-3), 0.0, 1.0).astype(np.float32)


def ink_bounding_box(ink: np.ndarray, *, level: float = 0.5) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the ink, ignoring isolated specks (a 3x3 opening removes them)."""
    mask = Image.fromarray(((ink > level) * 255).astype(np.uint8))
    if min(ink.shape) >= 9:
        mask = mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))
    solid = np.asarray(mask) > 0
    if solid.sum() < MIN_INK_PIXELS:  # thin strokes do not survive the opening: use them as they are
        solid = ink > level
    rows, cols = np.flatnonzero(solid.any(axis=1)), np.flatnonzero(solid.any(axis=0))
    if rows.size == 0:
        raise UnusableImage("no digit found: no stroke is dark or bright enough against the background")
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def stroke_width(ink: np.ndarray, *, level: float = 0.5) -> float:
    """Mean stroke width in pixels: 2 x area / perimeter of the ink mask (a long thin shape's width)."""
    mask = ink > level
    padded = np.pad(mask, 1)
    perimeter = (padded[1:, :] != padded[:-1, :]).sum() + (padded[:, 1:] != padded[:, :-1]).sum()
    return float(2 * mask.sum() / perimeter) if perimeter else 0.0


def fit_to_box(crop: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Scale the cropped digit so its longest side is ``box``, aspect kept, strokes MNIST-thick."""
    height, width = crop.shape
    large = box * FIT_SCALE
    scale = large / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    image = Image.fromarray(crop.astype(np.float32), mode="F").resize(size, resample)
    image = _thicken(image, target=STROKE_WIDTH * FIT_SCALE)
    final = (max(1, round(size[0] / FIT_SCALE)), max(1, round(size[1] / FIT_SCALE)))
    return np.clip(np.asarray(image.resize(final, Image.Resampling.BOX), dtype=np.float32), 0.0, 1.0)


def _thicken(image: Image.Image, *, target: float) -> Image.Image:
    """Dilate strokes thinner than ``target`` pixels so they survive the shrink to the 20x20 box."""
    width = stroke_width(np.asarray(image))
    missing = target - width
    if width == 0 or missing < 1:
        return image
    size = 2 * round(missing / 2) + 1  # a max filter of size k widens a stroke by k - 1 pixels
    padded = Image.new("F", (image.width + size, image.height + size), 0.0)
    padded.paste(image, (size // 2, size // 2))  # room for the dilation at the crop's edges
    return padded.filter(ImageFilter.MaxFilter(size))


def center_by_mass(digit: np.ndarray, size: int = MNIST_SIZE) -> np.ndarray:
    """Place ``digit`` in a ``size`` x ``size`` field so its centre of mass is at the centre (as MNIST)."""
    height, width = digit.shape
    if height > size or width > size:
        raise ValueError(f"digit of shape {digit.shape} does not fit in {size}x{size}")
    total = float(digit.sum())
    rows, cols = np.indices(digit.shape)
    com_row = float((rows * digit).sum() / total) if total else (height - 1) / 2
    com_col = float((cols * digit).sum() / total) if total else (width - 1) / 2
    top = int(np.clip(round(size / 2 - com_row), 0, size - height))
    left = int(np.clip(round(size / 2 - com_col), 0, size - width))
    field = np.zeros((size, size), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    return field
