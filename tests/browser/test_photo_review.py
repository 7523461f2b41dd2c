"""A photo's review page in a real browser: the detector's boxes are drawn over the photo where
they are (at the size the photo is shown), and a caseworker makes another area unrecognisable
with the keyboard alone."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, ImageStat
from playwright.sync_api import expect

from app.extensions import db
from app.photos.service import photo_storage
from app.reports.drafts import PhotoUpload
from app.reports.models import ReportPhoto
from tests.browser.test_inbox import DESKTOP, log_in
from tests.images import encode

pytestmark = pytest.mark.browser

FACE = {"x": 100, "y": 60, "w": 120, "h": 150, "kind": "face", "score": 0.9}
PLATE = {"x": 420, "y": 480, "w": 200, "h": 44, "kind": "plate", "score": None}


def checkerboard() -> bytes:
    img = Image.new("RGB", (800, 600), (250, 250, 250))
    dark = Image.new("RGB", (10, 10), (20, 40, 160))
    for top in range(0, 600, 10):
        for left in range((top // 10 % 2) * 10, 800, 20):
            img.paste(dark, (left, top))
    return encode(img, "JPEG", quality=95)


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", device_scale_factor=1)
    yield context
    context.close()


@pytest.fixture
def photo_report(make_report):
    report = make_report(photos=[PhotoUpload(checkerboard(), "a.jpg")])
    photo = report.photos[0]
    photo.anonymisation = "done"
    photo.boxes = [FACE, PLATE]
    db.session.commit()
    return report, photo.id


def row(photo_id: int) -> ReportPhoto:
    db.session.rollback()
    return db.session.execute(sa.select(ReportPhoto).where(ReportPhoto.id == photo_id)).scalar_one()


def test_the_boxes_are_drawn_over_the_photo_where_they_are(
    desktop, live_server, make_user, photo_report, screenshot
):
    report, photo_id = photo_report
    page = desktop.new_page()
    log_in(page, live_server, make_user("caseworker", ("edg",)))
    page.goto(f"{live_server}/inbox/reports/{report.reference}")
    page.locator("#photo-1-review").click()
    page.wait_for_url(f"**/photos/{photo_id}")

    image = page.locator("#photo-image")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.getElementById('photo-image').complete")
    shown = image.bounding_box()
    scale = shown["width"] / 800
    boxes = page.locator("#photo-boxes g.box rect")
    expect(boxes).to_have_count(2)
    for rect, box in zip(boxes.all(), (FACE, PLATE), strict=True):
        expect(rect).to_be_visible()
        drawn = rect.bounding_box()
        # Where the box is in the photo, at the size the photo is shown (a stroke's width off).
        assert abs(drawn["x"] - (shown["x"] + box["x"] * scale)) <= 3
        assert abs(drawn["y"] - (shown["y"] + box["y"] * scale)) <= 3
        assert abs(drawn["width"] - box["w"] * scale) <= 4
        assert abs(drawn["height"] - box["h"] * scale) <= 4
    labels = page.locator("#photo-boxes g.box text")
    expect(labels.nth(0)).to_have_text("1 Gesicht")
    expect(labels.nth(1)).to_have_text("2 Kennzeichen")
    # Narrow window: the photo shrinks, and the boxes with it.
    page.set_viewport_size({"width": 500, "height": 800})
    small = image.bounding_box()
    assert small["width"] < shown["width"]
    face = boxes.nth(0).bounding_box()
    assert abs(face["width"] - FACE["w"] * small["width"] / 800) <= 4
    screenshot(page, "inbox-photo-review")


def test_a_box_is_added_with_the_keyboard_alone(desktop, live_server, make_user, photo_report):
    report, photo_id = photo_report
    before = row(photo_id).storage_key
    page = desktop.new_page()
    log_in(page, live_server, make_user("caseworker", ("edg",)))
    page.goto(f"{live_server}/inbox/reports/{report.reference}/photos/{photo_id}")

    # Tab from the top of the page to the form; type; Tab on; Enter sends it.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "box-left":
            break
    else:
        pytest.fail("the box form cannot be reached with Tab")
    for value in ("50", "10", "20", "30"):  # left, top, width, height
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    # The draft box shows what will be pixelated before it is sent.
    draft = page.locator("#box-draft")
    expect(draft).to_have_class("box-draft is-drawn")
    assert page.evaluate("document.activeElement.id") == "box-submit"
    page.keyboard.press("Enter")

    expect(page.locator(".flash-success")).to_contain_text("dauerhaft unkenntlich gemacht")
    photo = row(photo_id)
    assert photo.boxes[-1] == {
        "x": 400,
        "y": 60,
        "w": 160,
        "h": 180,
        "kind": "manual",
        "score": None,
    }
    assert photo.storage_key != before and photo.reviewed_at is not None
    with Image.open(io.BytesIO(photo_storage().open(photo.storage_key))) as stored:
        inside = stored.convert("L").crop((420, 80, 540, 220))
        assert ImageStat.Stat(inside).stddev[0] < 15  # the pattern is gone there
    expect(page.locator("#photo-boxes g.box")).to_have_count(3)
    expect(page.locator("#photo-boxes g.box text").nth(2)).to_have_text("3 von Hand")


def test_dragging_over_the_photo_fills_in_the_box(desktop, live_server, make_user, photo_report):
    report, photo_id = photo_report
    page = desktop.new_page()
    log_in(page, live_server, make_user("caseworker", ("edg",)))
    page.goto(f"{live_server}/inbox/reports/{report.reference}/photos/{photo_id}")
    page.wait_for_function("() => document.getElementById('photo-image').complete")
    shown = page.locator("#photo-image").bounding_box()

    def at(x: float, y: float) -> tuple[float, float]:  # per cent of the photo → screen
        return shown["x"] + shown["width"] * x / 100, shown["y"] + shown["height"] * y / 100

    page.mouse.move(*at(20, 30))
    page.mouse.down()
    page.mouse.move(*at(35, 40), steps=5)
    page.mouse.move(*at(50, 70), steps=5)
    page.mouse.up()

    values = [
        float(page.input_value(f"#box-{name}")) for name in ("left", "top", "width", "height")
    ]
    for got, want in zip(values, (20, 30, 30, 40), strict=True):
        assert abs(got - want) <= 0.5
    expect(page.locator("#box-draft")).to_have_class("box-draft is-drawn")
    page.locator("#box-submit").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert row(photo_id).boxes[-1]["kind"] == "manual"
