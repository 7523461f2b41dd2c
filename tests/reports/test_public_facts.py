"""The public view read from plain rows (``app.reports.public_facts``, the Open311 list) is the
very view read from the ORM report (status and confirmation pages): same texts, same photos
held back, same point, same copies — for ordinary, unsafe-place, hidden and moderated reports,
photos in every state of their anonymisation, supporters and duplicates."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import Channel, ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.reports import workflow
from app.reports.drafts import PhotoUpload, ReportDraft
from app.reports.intake import submit_report
from app.reports.models import Report, ReportPhoto, ReportSupporter
from app.reports.public import public_reports
from app.reports.public_facts import FACT_COLUMNS, ReportFacts, related_columns, report_facts
from tests.images import jpeg

LITTER = (51.5136, 7.4653)
NORDSTADT = (51.524173, 7.481658)  # an unsafe place here is copied to the Quartiersmanagement


def _submit(category, point, description, photos=0, **attributes) -> Report:
    report = submit_report(
        ReportDraft(
            channel=Channel.WEB,
            category_code=category,
            lat=point[0],
            lon=point[1],
            description=description,
            attributes=attributes,
            photos=[PhotoUpload(jpeg(size=(320, 240)), f"f{i}.jpg") for i in range(photos)],
        ),
        Actor("resident", "test"),
    ).report
    db.session.commit()
    return report


def test_the_facts_hold_the_columns_in_their_order():
    names = [field.name for field in dataclasses.fields(ReportFacts)]
    assert [column.key for column in FACT_COLUMNS] == names[: len(FACT_COLUMNS)]
    assert names[len(FACT_COLUMNS) :] == ["photos", "copies", "events"]


def test_rows_and_orm_reports_give_the_same_public_view(app_ctx, app):
    ordinary = _submit("papierkorb-voll", LITTER, "Papierkorb quillt über, Friedensplatz 1", 3)
    unsafe = _submit(
        "unsicherer-ort",
        NORDSTADT,
        "Herr Nachbarmann steht vor Nummer 17",
        time_of_day="night",
        reasons=["dark", "deserted"],
    )
    hidden = _submit("papierkorb-voll", LITTER, "Beleidigender Text", 1)
    hidden.is_description_hidden = True
    moderated = _submit(
        "unsicherer-ort", NORDSTADT, "Namen genannt", time_of_day="night", reasons=["deserted"]
    )
    moderated.description_moderated = "Dunkler Durchgang"
    duplicate = _submit("papierkorb-voll", LITTER, "Derselbe Papierkorb")
    duplicate.duplicate_of_id = ordinary.id
    duplicate.status = ReportStatus.DUPLICATE
    duplicate.closed_at = utcnow()
    db.session.add(ReportSupporter(report_id=ordinary.id, channel=Channel.WEB, locale="de"))
    # Photos in several states: released and anonymised, released but pending, released after
    # a failed run and a check; and a second report's photo not released.
    photos = db.session.execute(
        sa.select(ReportPhoto).where(ReportPhoto.report_id == ordinary.id)
    ).scalars()
    for photo, (public, state, reviewed) in zip(
        photos,
        [(True, "done", None), (True, "pending", None), (True, "failed", utcnow())],
        strict=True,
    ):
        photo.is_public, photo.anonymisation, photo.reviewed_at = public, state, reviewed
    hidden.photos[0].is_public = False
    db.session.commit()
    reports = [ordinary, unsafe, hidden, moderated, duplicate]
    assert unsafe.copies, "the Nordstadt's unsafe place should be copied to its Quartiersmanagement"

    ids = [r.id for r in reports]
    # A status change with a public note (an event the public sees).
    workflow.apply_status(
        ordinary, ReportStatus.IN_PROGRESS, Actor("system", "test"), "Wir kümmern uns."
    )
    db.session.commit()
    dialect = db.engine.dialect.name
    rows = db.session.execute(
        sa.select(*FACT_COLUMNS, *related_columns(dialect)).where(Report.id.in_(ids))
    ).all()
    by_id = {row[0]: row for row in rows}
    facts = report_facts([by_id[i] for i in ids])
    db.session.expire_all()
    orm_reports = [db.session.get_one(Report, i) for i in ids]
    for lang in ("de", "en"):
        with app.test_request_context("/"):
            from_orm = public_reports(orm_reports, lang, external_urls=True)
            from_rows = public_reports(facts, lang, external_urls=True)
        assert from_rows == from_orm
    first = from_rows[0]
    assert len(first.photos) == 2 and first.photos_held and first.supporters == 1
    assert first.latest_note == "Wir kümmern uns." and len(first.events) == 2
    assert from_rows[1].description == "" and from_rows[1].copy_texts
    assert from_rows[2].description == "" and not from_rows[2].photos
    assert from_rows[2].photos_held
    assert from_rows[3].description == "Dunkler Durchgang"
    assert from_rows[4].duplicate_of == ordinary.reference
