"""The drawing page at / in headless Chromium, against the app served on 127.0.0.1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

if not os.environ.get("CI"):  # on CI a missing Playwright is an error, not a skip
    pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
from playwright.sync_api import Page, Route, expect  # noqa: E402

from tests.browser.conftest import SCREENSHOTS, LiveServer, Tab  # noqa: E402
from tests.browser.drawing import draw_with_finger, draw_with_mouse, drop_file, paste_file  # noqa: E402
from tests.conftest import SAMPLES, sample_label  # noqa: E402

pytestmark = pytest.mark.slow
SAMPLE = SAMPLES / "any-image" / "digit-4.png"
PHOTO = SAMPLES / "any-image" / "black-on-white-6.jpeg"
STAGE = "/Prod"


def answer_shown(page: Page, digit: str) -> None:
    """The large digit, the sentence read out to screen readers and the model's 28x28 input all shown."""
    expect(page.locator("#digit")).to_have_text(digit)
    expect(page.locator("#summary")).to_contain_text(digit)
    expect(page.locator("#model-input")).to_be_visible()
    expect(page.locator("#bars li.top .label")).to_have_text(digit)


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#model-line")).to_contain_text("Model ")  # the page's script ran to the end


@pytest.mark.parametrize("digit", ["7", "4"], ids=["one-stroke-7", "two-strokes-4-read-as-one"])
def test_page_mouse_drawing_shows_digit(desktop: Tab, live_server: LiveServer, digit: str) -> None:
    open_page(desktop.page, live_server.url)
    draw_with_mouse(desktop.page, digit)
    answer_shown(desktop.page, digit)


def test_page_touch_drawing_shows_digit(phone: Tab, live_server: LiveServer) -> None:
    open_page(phone.page, live_server.url)
    draw_with_finger(phone.page, "1")
    answer_shown(phone.page, "1")


def test_page_clear_empties_pad_and_answer(desktop: Tab, live_server: LiveServer) -> None:
    open_page(desktop.page, live_server.url)
    draw_with_mouse(desktop.page, "7")
    answer_shown(desktop.page, "7")
    desktop.page.get_by_role("button", name="Clear").click()
    expect(desktop.page.locator("#digit")).to_have_text("?")
    expect(desktop.page.locator("#choices button").first).to_be_disabled()  # nothing left to correct
    expect(desktop.page.locator("#pad-hint")).to_be_visible()


@pytest.mark.parametrize("sample", [SAMPLE, PHOTO], ids=lambda path: path.name)
def test_page_upload_shows_sample_label(desktop: Tab, live_server: LiveServer, sample: Path) -> None:
    open_page(desktop.page, live_server.url)
    with desktop.page.expect_file_chooser() as chooser:
        desktop.page.get_by_role("button", name="Upload an image…").click()
    chooser.value.set_files(sample)
    answer_shown(desktop.page, sample_label(sample))


def test_page_dropped_file_shows_label(desktop: Tab, live_server: LiveServer) -> None:
    open_page(desktop.page, live_server.url)
    drop_file(desktop.page, SAMPLE, "image/png")
    answer_shown(desktop.page, sample_label(SAMPLE))


def test_page_pasted_image_shows_label(desktop: Tab, live_server: LiveServer) -> None:
    open_page(desktop.page, live_server.url)
    paste_file(desktop.page, PHOTO, "image/jpeg")
    answer_shown(desktop.page, sample_label(PHOTO))


def test_page_api_error_shown_in_words(desktop: Tab, live_server: LiveServer, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    open_page(desktop.page, live_server.url)
    desktop.page.locator("#file").set_input_files(notes)
    error = desktop.page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text("not accepted")  # the page's words for 415...
    expect(error).to_contain_text("text/plain")  # ...and the API's detail
    expect(desktop.page.locator("#digit")).to_have_text("?")


def stored_record(feedback_dir: Path, record_id: str) -> tuple[dict, Path]:
    """The JSON record the service wrote for ``record_id`` and the image file stored beside it."""
    [path] = feedback_dir.rglob(f"{record_id}.json")
    record = json.loads(path.read_text())
    return record, path.with_name(Path(record["image_key"]).name)


def draw_7_and_correct(page: Page, server: LiveServer, label: str) -> tuple[dict, Path]:
    """Draw a 7, press the correction button ``label``, wait for "Stored": the record and image it wrote."""
    open_page(page, server.url)
    draw_with_mouse(page, "7")
    answer_shown(page, "7")
    page.locator("#choices").get_by_role("button", name=label, exact=True).click()
    status = page.locator("#feedback-status")
    expect(status).to_contain_text("Stored")
    return stored_record(server.feedback_dir, status.get_attribute("data-record-id"))


def test_page_correction_is_stored(desktop: Tab, live_server: LiveServer) -> None:
    record, image = draw_7_and_correct(desktop.page, live_server, "1")
    assert (record["label"], record["predicted"], record["content_type"]) == ("1", "7", "image/png")
    assert image.read_bytes().startswith(b"\x89PNG")  # the drawing itself, as the canvas exported it


def test_page_keyboard_alone_uploads_and_corrects(desktop: Tab, live_server: LiveServer) -> None:
    page = desktop.page
    open_page(page, live_server.url)
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="One digit")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Clear")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Upload an image…")).to_be_focused()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(SAMPLE)
    answer_shown(page, "4")
    for _ in range(10):  # on through the correction buttons 0, 1, ... to 9
        page.keyboard.press("Tab")
    expect(page.locator("#choices button").last).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#feedback-status")).to_contain_text("recorded as a 9")


def test_page_works_behind_stage_prefix(desktop: Tab, live_server: LiveServer) -> None:
    """Served as API Gateway's /Prod stage: every request the page makes stays under the prefix."""
    origin = live_server.url.rstrip("/")
    outside: list[str] = []

    def gateway(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.path != STAGE and not parts.path.startswith(f"{STAGE}/"):
            outside.append(route.request.url)
            route.abort()
            return
        inner = urlunsplit(parts._replace(path=parts.path[len(STAGE):] or "/"))
        route.fulfill(response=route.fetch(url=inner))

    desktop.page.route(f"{origin}/**", gateway)
    open_page(desktop.page, f"{origin}{STAGE}")  # no trailing slash, as people type it
    drop_file(desktop.page, SAMPLE, "image/png")
    answer_shown(desktop.page, "4")
    assert outside == []


def test_page_through_local_api_gateway(desktop: Tab, local_gateway: LiveServer) -> None:
    """As `make serve` runs it: each request becomes an API Gateway event for the Lambda handler."""
    record, image = draw_7_and_correct(desktop.page, local_gateway, "2")
    assert (record["label"], record["predicted"]) == ("2", "7")
    assert image.read_bytes().startswith(b"\x89PNG")  # the multipart body came through base64 intact


def test_page_session_logs_no_console_errors(desktop: Tab, live_server: LiveServer) -> None:
    open_page(desktop.page, live_server.url)
    draw_with_mouse(desktop.page, "7")
    answer_shown(desktop.page, "7")
    desktop.page.locator("#file").set_input_files(SAMPLE)
    answer_shown(desktop.page, "4")
    desktop.page.locator("#choices").get_by_role("button", name="9", exact=True).click()
    expect(desktop.page.locator("#feedback-status")).to_contain_text("Stored")
    desktop.page.get_by_role("button", name="Clear").click()
    assert desktop.errors == []


def test_page_fits_screen_without_sideways_scroll(each_screen: Tab, live_server: LiveServer) -> None:
    """Also saves the screenshots the README shows (test-output/screenshots/)."""
    page = each_screen.page
    open_page(page, live_server.url)
    (draw_with_finger if each_screen.screen == "phone" else draw_with_mouse)(page, "7")
    answer_shown(page, "7")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"page-{each_screen.screen}.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
