"""Input the way people give it: pointer strokes (mouse, touch) on the pad, dropped and pasted files."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Strokes per digit, in pad coordinates from 0 to 1: the shapes a person would draw.
STROKES: dict[str, list[list[tuple[float, float]]]] = {
    "1": [[(0.52, 0.18), (0.50, 0.50), (0.48, 0.82)]],
    "7": [[(0.28, 0.22), (0.72, 0.22), (0.58, 0.50), (0.45, 0.82)]],
    "4": [[(0.55, 0.18), (0.28, 0.58), (0.74, 0.58)], [(0.60, 0.36), (0.60, 0.84)]],
}
STEPS_PER_SEGMENT = 12  # pointer moves between two points, as a real hand sends many

# Builds a File in the page and fires a drop on the pad, or a paste on the document, as a browser would.
_DISPATCH_FILE = """([how, name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const event = how === "drop"
    ? new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true })
    : new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true });
  (how === "drop" ? document.getElementById("pad") : document).dispatchEvent(event);
}"""


Slot = tuple[float, float]  # the part of the pad's width a digit is drawn in, from 0 to 1


def _to_screen(page: Page, point: tuple[float, float], slot: Slot) -> tuple[float, float]:
    box = page.locator("#canvas").bounding_box()
    x = slot[0] + point[0] * (slot[1] - slot[0])
    return box["x"] + x * box["width"], box["y"] + point[1] * box["height"]


def _path(page: Page, stroke: list[tuple[float, float]], slot: Slot = (0.0, 1.0)) -> list[tuple[float, float]]:
    """The stroke's corners with evenly spaced points between them, in screen pixels."""
    corners = [_to_screen(page, point, slot) for point in stroke]
    points = [corners[0]]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        points += [(x0 + (x1 - x0) * i / STEPS_PER_SEGMENT, y0 + (y1 - y0) * i / STEPS_PER_SEGMENT)
                   for i in range(1, STEPS_PER_SEGMENT + 1)]
    return points


def draw_with_mouse(page: Page, digit: str, slot: Slot = (0.0, 1.0)) -> None:
    for stroke in STROKES[digit]:
        first, *rest = _path(page, stroke, slot)
        page.mouse.move(*first)
        page.mouse.down()
        for point in rest:
            page.mouse.move(*point)
        page.mouse.up()


def write_number_with_mouse(page: Page, number: str) -> None:
    """Each digit in its own equal share of the (wide) pad, left to right."""
    for index, digit in enumerate(number):
        draw_with_mouse(page, digit, (index / len(number), (index + 1) / len(number)))


def draw_with_finger(page: Page, digit: str) -> None:
    """Real touch input through the DevTools protocol: the page sees pointer events of type touch."""
    session = page.context.new_cdp_session(page)
    for stroke in STROKES[digit]:
        first, *rest = _path(page, stroke)
        session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": first[0], "y": first[1]}]})
        for x, y in rest:
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def drop_file(page: Page, path: Path, media_type: str) -> None:
    page.evaluate(_DISPATCH_FILE, ["drop", path.name, media_type, base64.b64encode(path.read_bytes()).decode()])


def paste_file(page: Page, path: Path, media_type: str) -> None:
    page.evaluate(_DISPATCH_FILE, ["paste", path.name, media_type, base64.b64encode(path.read_bytes()).decode()])
