"""The drawing page's number mode, its doubt about unsure answers and its camera input, in headless Chromium."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

if not os.environ.get("CI"):  # on CI a missing Playwright is an error, not a skip
    pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
from playwright.sync_api import Page, Route, expect  # noqa: E402

from tests.browser.conftest import LiveServer, Tab  # noqa: E402
from tests.browser.drawing import write_number_with_mouse  # noqa: E402
from tests.browser.test_drawing_page import PHOTO, SAMPLE, answer_shown, open_page  # noqa: E402
from tests.handler.test_number import picture, png  # noqa: E402

pytestmark = pytest.mark.slow


def number_mode(page: Page, url: str) -> None:
    open_page(page, url)
    page.get_by_role("radio", name="A number").check()
    expect(page.locator("#input-title")).to_have_text("Your number")


def number_shown(page: Page, number: str) -> None:
    """The number, one entry per digit with the 28x28 image the model saw, one box per digit on the pad."""
    expect(page.locator("#number")).to_have_text(number)
    expect(page.locator("#number-summary")).to_contain_text(number)
    expect(page.locator("#number-digits li .read")).to_have_text(list(number))
    expect(page.locator("#number-digits li img")).to_have_count(len(number))
    for image in page.locator("#number-digits li img").all():
        expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    expect(page.locator("#boxes .box")).to_have_count(len(number))
    assert [box.get_attribute("data-digit") for box in page.locator("#boxes .box").all()] == list(number)


def test_number_mode_widens_the_pad(desktop: Tab, live_server: LiveServer) -> None:
    open_page(desktop.page, live_server.url)
    square = desktop.page.locator("#canvas").bounding_box()
    number_mode(desktop.page, live_server.url)
    wide = desktop.page.locator("#canvas").bounding_box()
    assert wide["width"] / wide["height"] > 2.5 > square["width"] / square["height"]


def test_number_mode_reads_a_drawn_number_digit_by_digit(desktop: Tab, live_server: LiveServer) -> None:
    number_mode(desktop.page, live_server.url)
    write_number_with_mouse(desktop.page, "174")
    number_shown(desktop.page, "174")
    assert desktop.errors == []


def test_number_mode_boxes_lie_on_the_uploaded_picture(desktop: Tab, live_server: LiveServer,
                                                       tmp_path: Path) -> None:
    page = desktop.page
    path = tmp_path / "number.png"
    path.write_bytes(png(picture()))
    number_mode(page, live_server.url)
    page.locator("#file").set_input_files(path)
    number_shown(page, "174")
    pad, first = page.locator("#canvas").bounding_box(), page.locator("#boxes .box").first.bounding_box()
    # The 2000x800 picture fits the 1120x400 pad at half size, 60 px in; its "1" starts at x = 386.
    assert abs((first["x"] - pad["x"]) / pad["width"] - (60 + 386 * 0.5) / 1120) < 0.01


def test_number_mode_shows_the_services_error(desktop: Tab, live_server: LiveServer, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (600, 200), "white").save(blank)
    number_mode(desktop.page, live_server.url)
    desktop.page.locator("#file").set_input_files(blank)
    expect(desktop.page.get_by_role("alert")).to_contain_text("no digit")
    expect(desktop.page.locator("#number")).to_have_text("?")


def unsure_answer(route: Route) -> None:
    probabilities = [0.0] * 10
    probabilities[4], probabilities[9], probabilities[7] = 0.55, 0.40, 0.05
    body = {"digit": "4", "confidence": 0.55, "probabilities": probabilities, "mode": "auto", "uncertain": True,
            "model_input": None}
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


def test_page_says_when_it_is_not_sure_and_offers_two_digits(desktop: Tab, live_server: LiveServer) -> None:
    desktop.page.route("**/predict?*", unsure_answer)
    open_page(desktop.page, live_server.url)
    desktop.page.locator("#file").set_input_files(SAMPLE)
    summary = desktop.page.locator("#summary")
    expect(summary).to_contain_text("Not sure")
    expect(summary).to_contain_text("4 (55.0%) or 9 (40.0%)")


def test_page_trusts_a_sure_answer_whatever_its_confidence(desktop: Tab, live_server: LiveServer) -> None:
    def sure(route: Route) -> None:
        probabilities = [0.0, 0.0, 0.0, 0.0, 0.55, 0.45, 0.0, 0.0, 0.0, 0.0]
        body = {"digit": "4", "confidence": 0.55, "probabilities": probabilities, "mode": "auto",
                "uncertain": False, "model_input": None}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    desktop.page.route("**/predict?*", sure)
    open_page(desktop.page, live_server.url)
    desktop.page.locator("#file").set_input_files(SAMPLE)
    expect(desktop.page.locator("#summary")).to_have_text("Read as 4.")


def test_phone_offers_take_a_photo_with_the_camera(phone: Tab, live_server: LiveServer) -> None:
    page = phone.page
    open_page(page, live_server.url)
    button = page.get_by_role("button", name="Take a photo")
    expect(button).to_be_visible()
    camera = page.locator("#camera-file")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    with page.expect_file_chooser() as chooser:
        button.tap()
    chooser.value.set_files(PHOTO)
    answer_shown(page, "6")


def test_desktop_hides_take_a_photo(desktop: Tab, live_server: LiveServer) -> None:
    open_page(desktop.page, live_server.url)
    expect(desktop.page.get_by_role("button", name="Take a photo")).to_be_hidden()


def test_number_mode_fits_a_phone_without_sideways_scroll(phone: Tab, live_server: LiveServer) -> None:
    number_mode(phone.page, live_server.url)
    phone.page.locator("#file").set_input_files(SAMPLE)
    expect(phone.page.locator("#number")).to_have_text("4")
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= phone.page.viewport_size["width"]
