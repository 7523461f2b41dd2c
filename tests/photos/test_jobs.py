"""Anonymisation in the background (``ANONYMISE_IN_BACKGROUND``): the intake stores the photo
"pending" — re-encoded without metadata, not blurred, shown to nobody outside the inbox — and
the report's ticket waits; the photo runner (app/photos/jobs.py, ``flask photos work``) then
pixelates it, publishes it when the category says so and lets the ticket go, with the photo.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.forwarding.outbox import FORWARD
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.photos import jobs, pipeline
from app.photos.service import photo_storage
from app.reports.drafts import PhotoUpload
from app.reports.models import Report, ReportPhoto
from tests.conftest import stored_files
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import (
    EDG_ADDRESS,
    FRIEDENSPLATZ,
    deliveries,
    has_no_metadata,
    jpeg_attachments,
    text_part,
)
from tests.inbox.support import login
from tests.photos import scenes
from tests.photos.test_anonymisation import coverage, decoded, difference, jpeg, kinds, xyxy
from tests.web.support import RATHAUS, csrf_token, de, page_text


@pytest.fixture
def background(app_ctx, monkeypatch):
    """The production setting: anonymisation by the photo runner (niceness left alone here)."""
    monkeypatch.setitem(app_ctx.config, "ANONYMISE_IN_BACKGROUND", True)
    monkeypatch.setitem(app_ctx.config, "ANONYMISE_NICE", 0)
    load_all()
    return app_ctx


def photo_of(report_id: int) -> ReportPhoto:
    db.session.expire_all()
    return db.session.execute(
        sa.select(ReportPhoto).where(ReportPhoto.report_id == report_id)
    ).scalar_one()


def events_of(report_id: int, kind: str) -> list[ReportEvent]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(ReportEvent).where(
                ReportEvent.report_id == report_id, ReportEvent.kind == kind
            )
        ).scalars()
    )


def test_a_web_form_photo_waits_for_the_runner_then_goes_public_and_to_edg_pixelated(
    background,
    client,
    make_user,
    photo_dir,
    smtp_server,  # noqa: F811
):
    scene = scenes.astronaut()
    form = {
        "csrf_token": csrf_token(client),
        "category": "wilder-muell",  # publishes anonymised photos at once
        "lat": RATHAUS[0],
        "lon": RATHAUS[1],
        "description": "Sperrmüll am Eingang.",
        "photos": [(io.BytesIO(jpeg(scene.image)), "muell.jpg")],
    }
    response = client.post("/report", data=form, content_type="multipart/form-data")
    assert response.status_code == 303, page_text(response)
    report = db.session.execute(sa.select(Report)).scalar_one()
    reference, report_id = report.reference, report.id

    # 1. Stored without metadata, but not blurred yet: shown to nobody outside the inbox.
    photo = photo_of(report_id)
    assert photo.anonymisation == "pending" and photo.boxes == []
    assert not photo.is_public and not photo.shareable
    unblurred_key, unblurred_thumb = photo.storage_key, photo.thumbnail_key
    unblurred = photo_storage().open(unblurred_key)
    assert has_no_metadata(unblurred)
    status_page = client.get(f"/r/{reference}").get_data(as_text=True)
    assert f"/photos/{photo.id}/" not in status_page
    assert client.get(f"/r/{reference}/photos/{photo.id}/full").status_code == 404

    # The ticket waits for the photo: the worker sends nothing to EDG yet.
    [ticket] = deliveries(FORWARD, report)
    assert ticket.status == DeliveryStatus.PENDING and ticket.next_attempt_at > utcnow()
    deliver_due()
    assert smtp_server.messages_to(EDG_ADDRESS) == []

    # The caseworker sees the photo with the note that it is being anonymised.
    login(client, make_user(departments=("edg",)))
    inbox_page = client.get(f"/inbox/reports/{reference}").get_data(as_text=True)
    assert 'data-anonymisation="pending"' in inbox_page and "Wird anonymisiert" in inbox_page
    assert client.get(f"/inbox/photos/{photo.id}/full").status_code == 200

    # 2. The runner: the face pixelated in image and thumbnail, the unblurred files gone.
    [outcome] = jobs.run_once()
    assert (outcome.photo_id, outcome.result, outcome.published) == (photo.id, "done", True)
    assert outcome.released == 1
    photo = photo_of(report_id)
    assert photo.anonymisation == "done" and photo.is_public and photo.shareable
    assert photo.anonymise_claimed_at is None
    faces = kinds(photo.boxes, "face")
    assert coverage(scene.faces[0], faces, scene.image.size) >= 0.95
    stored = photo_storage().open(photo.storage_key)
    assert difference(decoded(stored), decoded(unblurred), xyxy(scene.faces[0])) > 15
    assert has_no_metadata(stored)
    assert {unblurred_key, unblurred_thumb}.isdisjoint({photo.storage_key, photo.thumbnail_key})
    names = {p.name for p in stored_files(photo_dir)}
    assert names == {photo.storage_key, photo.thumbnail_key}  # no orphan, nothing unblurred
    [event] = events_of(report_id, "photo_anonymised")
    assert event.data["result"] == "done" and event.data["boxes"] == len(photo.boxes)

    public = client.get(f"/r/{reference}/photos/{photo.id}/full")
    assert public.status_code == 200 and public.data == stored
    assert f"/photos/{photo.id}/" in client.get(f"/r/{reference}").get_data(as_text=True)

    # 3. The ticket goes now, with the pixelated photo.
    deliver_due()
    [mail] = smtp_server.messages_to(EDG_ADDRESS)
    [(_name, attached)] = jpeg_attachments(mail)
    assert attached == stored
    assert "zurückgehalten" not in text_part(mail)
    assert "Foto 1 automatisch anonymisiert" in client.get(f"/inbox/reports/{reference}").get_data(
        as_text=True
    )


def test_after_the_hold_the_ticket_goes_without_the_pending_photo(
    background,
    make_report,
    monkeypatch,
    smtp_server,  # noqa: F811
):
    monkeypatch.setitem(background.config, "ANONYMISE_HOLD_TICKETS_S", 0.0)
    upload = jpeg(scenes.astronaut().image)
    report = make_report("wilder-muell", FRIEDENSPLATZ, photos=[PhotoUpload(upload, "a.jpg")])
    assert photo_of(report.id).anonymisation == "pending"

    deliver_due()  # the runner has not run: the ticket goes, the photo stays behind
    [mail] = smtp_server.messages_to(EDG_ADDRESS)
    assert jpeg_attachments(mail) == []
    assert "1 Foto zur Prüfung zurückgehalten" in text_part(mail)


def test_a_failing_detector_marks_the_photo_failed_and_lets_the_ticket_go_without_it(
    background,
    make_report,
    monkeypatch,
    smtp_server,  # noqa: F811
):
    def broken(img, settings):
        raise MemoryError

    monkeypatch.setattr(pipeline, "detect", broken)
    upload = jpeg(scenes.astronaut().image)
    report = make_report("wilder-muell", FRIEDENSPLATZ, photos=[PhotoUpload(upload, "a.jpg")])
    key = photo_of(report.id).storage_key

    [outcome] = jobs.run_once()
    assert outcome.result == "failed" and outcome.released == 1
    photo = photo_of(report.id)
    assert (photo.anonymisation, photo.boxes, photo.is_public) == ("failed", [], False)
    assert photo.storage_key == key and photo_storage().exists(key)  # kept for review
    deliver_due()
    [mail] = smtp_server.messages_to(EDG_ADDRESS)
    assert jpeg_attachments(mail) == []
    assert "1 Foto zur Prüfung zurückgehalten" in text_part(mail)


def test_a_pending_photo_is_never_served_publicly_even_when_released(
    background, client, make_report
):
    report = make_report(
        "wilder-muell", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(scenes.astronaut().image), "a")]
    )
    photo = photo_of(report.id)
    photo.is_public = True  # a caseworker released it before the runner came
    photo.reviewed_at = utcnow()  # and even checked it
    db.session.commit()
    assert not photo.shareable
    for size in ("full", "thumb"):
        assert client.get(f"/r/{report.reference}/photos/{photo.id}/{size}").status_code == 404
    status_page = client.get(f"/r/{report.reference}").get_data(as_text=True)
    assert f"/photos/{photo.id}/" not in status_page
    assert de("Photos will be published after review.") in status_page
    [listed] = client.get(f"/open311/v2/requests/{report.reference}.json").get_json()
    assert "media_url" not in listed and listed["extended_attributes"]["media_urls"] == []


def test_a_runner_that_died_leaves_the_photo_to_be_taken_again_after_its_lease(
    background, make_report, monkeypatch
):
    report = make_report(
        "papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain()), "a.jpg")]
    )
    [(photo_id, _claimed_at)] = jobs.claim()  # ... and the runner dies here
    assert photo_of(report.id).anonymisation == "pending"
    assert jobs.run_once() == []  # its lease still runs: nobody else takes it

    monkeypatch.setitem(background.config, "ANONYMISE_LEASE_S", 0.0)
    [outcome] = jobs.run_once()
    assert (outcome.photo_id, outcome.result) == (photo_id, "done")
    photo = photo_of(report.id)
    assert photo.anonymisation == "done" and photo.anonymise_attempts == 2


def test_a_photo_that_keeps_killing_its_runner_ends_failed(background, make_report, monkeypatch):
    report = make_report(
        "papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain()), "a.jpg")]
    )
    monkeypatch.setitem(background.config, "ANONYMISE_LEASE_S", 0.0)
    for _ in range(jobs.MAX_ATTEMPTS):
        assert len(jobs.claim()) == 1  # claimed, never finished
    [outcome] = jobs.run_once()
    assert outcome.result == "failed"
    assert photo_of(report.id).anonymisation == "failed"


def test_flask_photos_work_once_drains_what_is_pending(background, make_report):
    for _ in range(2):
        make_report("papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain()), "a")])
    assert jobs.pending_count() == 2
    result = background.test_cli_runner().invoke(args=["photos", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "Photos anonymised: 2" in result.output
    assert jobs.pending_count() == 0


def test_two_runners_never_anonymise_the_same_photo_twice(background, make_report):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several runners side by side: PostgreSQL (SQLite is run with one)")
    for n in range(6):
        make_report(
            "papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain(n)), f"{n}.jpg")]
        )
    results: list[list[jobs.Outcome]] = [[], []]
    start = threading.Barrier(2)

    def runner(number: int) -> None:
        with background.app_context():
            start.wait()
            try:
                results[number] = jobs.run_once()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = [o.photo_id for outcomes in results for o in outcomes]
    assert len(done) == len(set(done)) == 6
    anonymised = db.session.execute(
        sa.select(sa.func.count())
        .select_from(ReportEvent)
        .where(ReportEvent.kind == "photo_anonymised")
    ).scalar_one()
    assert anonymised == 6
    assert jobs.pending_count() == 0


def test_a_photo_changed_by_a_caseworker_meanwhile_is_done_again_from_its_new_file(
    background, make_report, monkeypatch
):
    report = make_report(
        "papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain()), "a.jpg")]
    )
    new = photo_storage().put(jpeg(_plain(7)))
    detect = jobs._detect

    def caseworker_draws_a_box_meanwhile(data):
        photo = photo_of(report.id)
        photo.storage_key = new.key  # as a box drawn by hand stores it
        photo.boxes = [{"x": 1, "y": 1, "w": 5, "h": 5, "kind": "manual", "score": None}]
        db.session.commit()
        return detect(data)

    monkeypatch.setattr(jobs, "_detect", caseworker_draws_a_box_meanwhile)
    [(photo_id, claimed_at)] = jobs.claim()
    assert jobs.anonymise_photo(photo_id, claimed_at).result == "changed"
    monkeypatch.setattr(jobs, "_detect", detect)
    assert photo_of(report.id).anonymisation == "pending"
    [outcome] = jobs.run_once()
    photo = photo_of(report.id)
    assert outcome.result == "done" and photo.storage_key == new.key
    assert [b["kind"] for b in photo.boxes] == ["manual"]  # the caseworker's box stays


def test_tickets_wait_only_while_photos_are_pending(background, make_report):
    report = make_report("wilder-muell", FRIEDENSPLATZ)  # no photo: the ticket is due at once
    [ticket] = deliveries(FORWARD, report)
    assert ticket.next_attempt_at <= utcnow()
    held = make_report("wilder-muell", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain()), "a.jpg")])
    [ticket] = deliveries(FORWARD, held)
    assert ticket.next_attempt_at > utcnow() + timedelta(seconds=60)


def _plain(seed: int = 0) -> Image.Image:
    """A small photo without faces or plates (the detector finds nothing quickly)."""
    img = Image.new("RGB", (400, 300), (90 + seed * 10, 120, 150))
    for x in range(0, 400, 40):
        img.paste((200, 180 - seed * 5, 60), (x, 100, x + 20, 200))
    return img


def test_a_residents_later_photo_is_anonymised_but_waits_for_a_caseworker(background, make_report):
    from app.core.enums import Channel, ReportStatus
    from app.reports.models import ReporterContact
    from app.reports.residents import reopen_by_resident

    # Litter publishes the intake's anonymised photos at once; a later photo is not the intake's.
    report = make_report("wilder-muell", FRIEDENSPLATZ)
    report.contact = ReporterContact(email="anna@example.invalid", wants_updates=True)
    report.status, report.closed_at = ReportStatus.RESOLVED, utcnow()
    db.session.commit()
    reopen_by_resident(
        report,
        "Schon wieder da.",
        Channel.WEB,
        email="anna@example.invalid",
        photo=jpeg(scenes.astronaut().image),
    )
    db.session.commit()
    assert photo_of(report.id).anonymisation == "pending"

    [outcome] = jobs.run_once()
    photo = photo_of(report.id)
    assert (outcome.result, outcome.published) == ("done", False)
    assert photo.anonymisation == "done" and photo.shareable and not photo.is_public
