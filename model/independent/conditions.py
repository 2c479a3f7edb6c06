"""One named condition per thing issue 12 lists; each picture a pure function of (seed, condition, index).

A photo condition starts from an ordinary phone photo (``base_shot``: white-ish paper, a dark pen,
gentle light, a good JPEG) and changes the one thing it is named after, strongly, so its accuracy
says how the service copes with that thing; ``combined`` stacks three of them. Screen conditions
are made without paper. Labels are ``index % 10``; digits alternate in blocks of ten between this
package's stroke writer and MNIST ``x_test[:5000]``, so each source has every label equally often.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from model.independent import screens
from model.independent.glyphs import DIGITS, UNUSUAL
from model.independent.mnist_digits import MnistDigits
from model.independent.pen import Pen, write
from model.independent.photo import photograph
from model.independent.scene import Scene

DARK_INKS = ((0.07, 0.07, 0.09), (0.1, 0.18, 0.5), (0.1, 0.12, 0.28), (0.06, 0.25, 0.14), (0.2, 0.2, 0.22))
MARKERS = ((0.05, 0.05, 0.06), (0.08, 0.2, 0.6), (0.05, 0.35, 0.15), (0.7, 0.08, 0.1), (0.35, 0.1, 0.45))
PAPERS = {  # tinted papers: cream, greys, pastel notes, kraft
    "cream": (0.95, 0.9, 0.76), "grey": (0.72, 0.72, 0.7), "light-grey": (0.82, 0.82, 0.8),
    "blue": (0.8, 0.87, 0.95), "pink": (0.97, 0.82, 0.86), "green": (0.82, 0.93, 0.8),
    "yellow-note": (0.98, 0.92, 0.5), "kraft": (0.76, 0.63, 0.46),
}
WARM, COOL = (1.0, 0.84, 0.64), (0.8, 0.9, 1.1)
Write = screens.Write


@dataclass(frozen=True)
class Picture:
    condition: str
    index: int
    label: int | None  # None: a negative (no single digit)
    source: str  # what drew it: "strokes:7-crossbar", "mnist:1234", "letter:A", ...
    data: bytes
    content_type: str
    format: str  # "JPEG" or "PNG", as stored
    size: tuple[int, int]  # (width, height) as stored (before EXIF rotation)
    orientation: int = 1  # EXIF orientation; 1 = upright


@dataclass
class Shot:
    scene: Scene
    quality: int = 92
    orientation: int = 1
    extras: list[str] = field(default_factory=list)


def rng_for(seed: int, name: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode()), index])


def pick(rng: np.random.Generator, options) -> object:
    return options[int(rng.integers(len(options)))]


def base_shot(rng: np.random.Generator) -> Shot:
    long = int(rng.integers(900, 1601))
    frame = (long, long * 3 // 4) if rng.random() < 0.35 else (long * 3 // 4, long)
    paper = tuple(float(v) for v in np.clip(rng.uniform(0.86, 0.96) * (1 + rng.normal(0, 0.015, 3)), 0, 1))
    scene = Scene(
        frame=frame, paper=paper, grain=rng.uniform(0.005, 0.02), ink=pick(rng, DARK_INKS),
        ink_opacity=rng.uniform(0.88, 1.0), pen=Pen(width=rng.uniform(0.06, 0.11), pressure=rng.uniform(0.1, 0.3)),
        digit_height=rng.uniform(0.28, 0.55), digit_centre=tuple(rng.uniform(0.3, 0.7, 2)),
        gradient=rng.uniform(0.0, 0.1), vignette=rng.uniform(0.0, 0.12), blur=rng.uniform(0.0004, 0.0009),
        noise=rng.uniform(0.006, 0.015),
    )
    return Shot(scene=scene, quality=int(rng.integers(85, 96)))


def _dim_ink(shot: Shot, rng: np.random.Generator) -> None:
    tone = np.array(pick(rng, ((0.5, 0.5, 0.52), (0.45, 0.55, 0.8), (0.6, 0.5, 0.45))))
    shot.scene.ink = tuple(np.asarray(shot.scene.paper) * tone * rng.uniform(1.0, 1.25))
    shot.scene.ink_opacity = 1.0


def _large(shot: Shot, rng: np.random.Generator) -> None:
    shot.scene.frame = (3000, 2250) if rng.random() < 0.4 else (2250, 3000)
    shot.scene.noise = min(shot.scene.noise, 0.01)  # noisy 3000 px JPEGs would pass the upload limit


def _set(**values) -> Callable[[Shot, np.random.Generator], None]:
    """A modifier that draws each Scene field from its (low, high) range or from its list of options."""
    def modify(shot: Shot, rng: np.random.Generator) -> None:
        for name, value in values.items():
            drawn = (rng.uniform(*value) if isinstance(value, tuple) else pick(rng, value)) if not callable(value) \
                else value(rng)
            setattr(shot.scene, name, drawn)
    return modify


PHOTO: dict[str, tuple[str, Callable[[Shot, np.random.Generator], None]]] = {
    "plain-photo": ("an ordinary phone photo, nothing special (the reference)", lambda shot, rng: None),
    "shadow-bands": ("1-3 soft wide diagonal shadow bands across the page, the digit anywhere", _set(
        bands=lambda rng: int(rng.integers(1, 4)), band_darkness=[(0.35, 0.65)],
        digit_height=(0.15, 0.4), digit_centre=lambda rng: tuple(rng.uniform(0.05, 0.95, 2)))),
    "vignette": ("a strong dark vignette", _set(vignette=(0.45, 0.75))),
    "small-digit": ("the digit a tenth to a third of the frame, anywhere, edges included", _set(
        digit_height=(0.1, 0.33), digit_centre=lambda rng: tuple(rng.uniform(0.0, 1.0, 2)))),
    "perspective": ("the phone tilted: each page corner moved by up to 12% of the frame", _set(
        corner_shift=[(-0.03, 0.12)])),
    "felt-tip": ("a bold felt-tip marker", _set(
        pen=lambda rng: Pen(width=rng.uniform(0.15, 0.22), pressure=0.05), ink=list(MARKERS), ink_opacity=[1.0])),
    "ballpoint": ("a fine ballpoint, ink a little uneven", _set(
        pen=lambda rng: Pen(width=rng.uniform(0.025, 0.045), pressure=0.3), ink_skips=(0.15, 0.35),
        ink=list(DARK_INKS[:3]))),
    "paper-grain": ("rough recycled paper: strong grain, mottling, dark fibres and flecks", _set(
        grain=(0.04, 0.08), specks=(0.5, 2.0))),
    "sensor-noise": ("a dim room: strong sensor noise", _set(noise=(0.04, 0.08))),
    "blur": ("out of focus or shaken: Gaussian blur of 0.2-0.5% of the frame", _set(blur=(0.002, 0.005))),
    "jpeg-quality": ("JPEG quality 40-90", lambda shot, rng: setattr(shot, "quality", int(rng.integers(40, 91)))),
    "exif-rotation": ("stored turned, with EXIF orientation 3, 6 or 8", lambda shot, rng: setattr(
        shot, "orientation", int(pick(rng, (3, 6, 8))))),
    "large-frame": ("a 3000 px frame (12 MP class)", _large),
    "tinted-paper": ("cream, grey, pastel or kraft paper", _set(paper=list(PAPERS.values()))),
    "dim-ink": ("dim, low-contrast ink (pencil, faded pen), still plainly readable", _dim_ink),
    "ruled-paper": ("ruled notebook paper: the lines cross the digit", _set(
        ruling=["ruled"], ruling_spacing=(0.4, 0.8))),
    "squared-paper": ("squared paper: the grid crosses the digit", _set(
        ruling=["squared"], ruling_spacing=(0.22, 0.45))),
    "paper-edge": ("the page's edge in the frame, the desk beyond", _set(
        page_edges=[1, 2], corner_shift=[(0.0, 0.03)], digit_height=(0.22, 0.4))),
    "finger-or-cap": ("a finger or a pen cap entering from an edge", _set(intruder=["finger", "cap"])),
    "lamp-hotspot": ("a desk lamp's hotspot with a warm or cool cast", _set(
        hotspot=(0.4, 1.0), cast=[WARM, COOL], gradient=(0.05, 0.2))),
}
COMBINABLE = [name for name in PHOTO if name not in {"plain-photo", "large-frame"}]


def _combined(shot: Shot, rng: np.random.Generator) -> None:
    for name in rng.choice(COMBINABLE, size=3, replace=False):
        PHOTO[str(name)][1](shot, rng)
        shot.extras.append(str(name))


PHOTO["combined"] = ("three of the conditions above at once", _combined)
SCREENS: dict[str, tuple[str, Callable[..., Image.Image]]] = {
    "screenshot-light-on-dark": ("a drawing app's screenshot, light strokes on a dark screen",
                                 lambda rng, w: screens.screenshot(rng, w, dark=True)),
    "screenshot-dark-on-light": ("a drawing app's screenshot, dark strokes on a light screen",
                                 lambda rng, w: screens.screenshot(rng, w, dark=False)),
    "canvas-transparent": ("a canvas PNG export: strokes on a fully transparent background",
                           screens.transparent_canvas),
    "white-on-black": ("white strokes on black", screens.white_on_black),
}
STYLES = "unusual-styles"  # stroke digits only, in the styles MNIST's writers rarely used
CONDITIONS: dict[str, str] = {**{k: v[0] for k, v in PHOTO.items()}, **{k: v[0] for k, v in SCREENS.items()},
                              STYLES: "an ordinary photo of the writing styles MNIST lacks (stroke digits only)"}


def digit_writer(label: int, index: int, rng: np.random.Generator, mnist: MnistDigits,
                 *, unusual_only: bool = False) -> tuple[str, Write]:
    """Who writes digit ``label``: this package's strokes (even blocks of ten) or an MNIST test writer (odd)."""
    if unusual_only or (index // 10) % 2 == 0:
        names = [n for n in DIGITS[label] if n in UNUSUAL] if unusual_only else list(DIGITS[label])
        name = names[int(rng.integers(len(names)))]
        return f"strokes:{name}", lambda height, pen: write(DIGITS[label][name], rng, height, pen)
    chosen = mnist.pick(label, rng)
    return f"mnist:{chosen}", lambda height, pen: mnist.ink(chosen, height, pen)


def encode(image: Image.Image, fmt: str, *, quality: int = 92, orientation: int = 1) -> bytes:
    """The file as a phone or app writes it; an EXIF orientation stores the pixels turned the other way."""
    turned = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
    stored = image.transpose(turned[orientation]) if turned[orientation] is not None else image
    buffer = io.BytesIO()
    options: dict = {"quality": quality} if fmt == "JPEG" else {"optimize": False}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    stored.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def shoot(shot: Shot, write_digit: Write, rng: np.random.Generator, *,
          aspect: float = 0.75) -> tuple[bytes, Image.Image]:
    image = photograph(shot.scene, lambda height: write_digit(height, shot.scene.pen), rng, aspect=aspect)
    return encode(image, "JPEG", quality=shot.quality, orientation=shot.orientation), image


def picture(name: str, index: int, label: int | None, source: str, data: bytes, orientation: int = 1) -> Picture:
    image = Image.open(io.BytesIO(data))
    content_type = "image/jpeg" if image.format == "JPEG" else "image/png"
    return Picture(name, index, label, source, data, content_type, image.format, image.size, orientation)


def generate(condition: str, index: int, *, seed: int, mnist: MnistDigits) -> Picture:
    """Picture ``index`` of ``condition``: the same bytes for the same (seed, condition, index)."""
    rng = rng_for(seed, condition, index)
    label = index % 10
    source, write_digit = digit_writer(label, index, rng, mnist, unusual_only=condition == STYLES)
    if condition in SCREENS:
        image = SCREENS[condition][1](rng, write_digit)
        return picture(condition, index, label, source, encode(image, "PNG"))
    shot = base_shot(rng)
    if condition != STYLES:
        PHOTO[condition][1](shot, rng)
    data, _ = shoot(shot, write_digit, rng)
    return picture(condition, index, label, source + "".join(f" +{e}" for e in shot.extras), data, shot.orientation)
