"""“Me too” on the web without JavaScript: sending the form first shows the open reports of the
category nearby (public view only) with "me too" beside "send my own report anyway"; the
photos are held for that step, so they are uploaded once; "me too" counts once however often
it is sent."""

from __future__ import annotations

import io
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.core.enums import ReportStatus
from app.extensions import db
from app.reports import workflow
from app.reports.drafts import PhotoUpload
from app.reports.models import Report, ReportSupporter
from tests.conftest import stored_files
from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)
from tests.web.support import BORSIGPLATZ, RATHAUS, csrf_token, de, jpeg, page_text, report_count

_KEY = re.compile(r'name="submission_key" value="([0-9a-f]{32})"')
NEAR_RATHAUS = ("51.51362", "7.46533")  # about 3 m from the Rathaus report


class Forms(HTMLParser):
    """The forms of a page: action → {name: [values]} of their hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, list[str]]] = {}
        self._current: dict[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._current = self.forms.setdefault(attributes.get("action") or "", {})
        elif tag == "input" and attributes.get("type") == "hidden" and self._current is not None:
            self._current.setdefault(attributes["name"], []).append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(response) -> dict[str, dict[str, list[str]]]:
    parser = Forms()
    parser.feed(response.get_data(as_text=True))
    return parser.forms


def held_dir(photo_dir: Path) -> Path:
    return photo_dir.with_name(photo_dir.name + "-held")


@pytest.fixture
def existing(make_report, photo_dir):
    """An open "litter bin full" at the Rathaus with a description."""
    return make_report(
        "papierkorb-voll", (float(RATHAUS[0]), float(RATHAUS[1])), description="Quillt über."
    )


def the_form(client, **fields) -> dict:
    """What the form page sends: its key and "show the reports nearby first"."""
    page = client.get("/report").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client),
        "submission_key": _KEY.search(page).group(1),
        "offer_nearby": "1",
        "use_photo_location": "1",
        "category": "papierkorb-voll",
        "lat": NEAR_RATHAUS[0],
        "lon": NEAR_RATHAUS[1],
        "description": "Schon wieder voll.\nZweite Zeile.",
    }
    data.update(fields)
    return data


def post(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


def supporters(report) -> list[ReportSupporter]:
    db.session.rollback()
    found = list(
        db.session.execute(
            db.select(ReportSupporter).where(ReportSupporter.report_id == report.id)
        ).scalars()
    )
    db.session.rollback()
    return found


# --- the step before sending ---------------------------------------------------------------------


def test_sending_shows_the_reports_nearby_first_with_me_too(client, existing, photo_dir):
    data = the_form(client, photos=[(io.BytesIO(jpeg()), "korb.jpg")])
    step = post(client, "/report", data)
    assert step.status_code == 200
    body = page_text(step)
    assert existing.reference in body and "Papierkorb voll" in body
    assert de("That's it — it affects me too") in body
    assert de("about %(distance)s m away", distance=3) in body
    assert "Quillt über." in body  # the public description
    assert de("Send my own report anyway") in body
    # nothing sent, nothing stored: the photo is held for this step only
    assert report_count() == 1 and stored_files(photo_dir) == []
    assert len(list(held_dir(photo_dir).rglob("*.bin"))) == 1
    forms = forms_of(step)
    assert forms["/report/me-too"]["submission_key"] == [data["submission_key"]]
    own = forms["/report"]
    assert "offer_nearby" not in own and own["held_photos"]
    assert own["description"] == ["Schon wieder voll.\nZweite Zeile."]
    assert own["category"] == ["papierkorb-voll"] and own["lat"] == [NEAR_RATHAUS[0]]


def test_my_own_report_anyway_is_sent_with_the_held_photo(client, existing, photo_dir):
    data = the_form(client, photos=[(io.BytesIO(jpeg(size=(640, 480))), "korb.jpg")])
    own = forms_of(post(client, "/report", data))["/report"]
    sent = post(client, "/report", own)
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/submitted")
    again = post(client, "/report", own)  # a double click: the same report
    assert again.headers["Location"] == sent.headers["Location"]
    assert report_count() == 2
    reference = sent.headers["Location"].split("/")[-2]
    report = db.session.execute(db.select(Report).filter_by(reference=reference)).scalar_one()
    assert len(report.photos) == 1 and report.description.endswith("Zweite Zeile.")
    assert list(held_dir(photo_dir).rglob("*.bin")) == []  # taken back, not kept


def test_held_photos_belong_to_the_browser_they_were_held_for(app_ctx, client, existing):
    data = the_form(client, photos=[(io.BytesIO(jpeg()), "korb.jpg")])
    own = forms_of(post(client, "/report", data))["/report"]
    with app_ctx.app_context():  # a browser of its own (CSRF tokens live on g)
        stranger = app_ctx.test_client()
        taken = post(stranger, "/report", {**own, "csrf_token": csrf_token(stranger)})
    assert taken.status_code == 422
    assert de(
        "Please choose the photos again: files are not kept when the form is shown again."
    ) in page_text(taken)
    assert report_count() == 1


def test_no_step_without_reports_nearby_or_when_the_page_did_not_ask(client, existing):
    far = post(client, "/report", the_form(client, lat=BORSIGPLATZ[0], lon=BORSIGPLATZ[1]))
    assert far.status_code == 303
    other = post(client, "/report", the_form(client, category="littering"))
    assert other.status_code == 303
    unasked = the_form(client)
    del unasked["offer_nearby"]
    assert post(client, "/report", unasked).status_code == 303
    assert report_count() == 4


def test_the_step_finds_the_place_of_an_address_or_a_photo(client, existing, geocoding):
    by_address = post(
        client, "/report", the_form(client, lat="", lon="", address="Friedensplatz 1")
    )
    assert by_address.status_code == 200 and existing.reference in page_text(by_address)
    photo = jpeg(gps=(float(NEAR_RATHAUS[0]), float(NEAR_RATHAUS[1])))
    by_photo = post(
        client, "/report", the_form(client, lat="", lon="", photos=[(io.BytesIO(photo), "k.jpg")])
    )
    assert by_photo.status_code == 200 and existing.reference in page_text(by_photo)
    assert report_count() == 1


def test_unsafe_places_nearby_show_no_more_than_their_area(client, make_report):
    unsafe = make_report("unsicherer-ort", (51.52347, 7.48186), description="geheim")
    step = post(
        client,
        "/report",
        the_form(
            client,
            category="unsicherer-ort",
            lat=BORSIGPLATZ[0],
            lon=BORSIGPLATZ[1],
            **{"attribute.time_of_day": "night", "attribute.reasons": ["dark"]},
        ),
    )
    body = page_text(step)
    assert step.status_code == 200 and unsafe.reference in body
    assert de("in the same area") in body
    assert "geheim" not in body and "51.52347" not in body and "7.48186" not in body


# --- "me too" ------------------------------------------------------------------------------------


def me_too_form(client, data) -> dict[str, str]:
    """The hidden fields of the step's "me too" form."""
    form = forms_of(post(client, "/report", data))["/report/me-too"]
    return {name: values[0] for name, values in form.items()}


def me_too(client, data, **fields):
    return post(client, "/report/me-too", {**me_too_form(client, data), **fields})


def test_me_too_with_e_mail_counts_once_and_sends_updates(client, existing, photo_dir):
    data = the_form(client, photos=[(io.BytesIO(jpeg()), "korb.jpg")])
    form = me_too_form(client, data)
    fields = {"reference": existing.reference, "email": "nachbarin@example.org", "consent": "1"}
    answer = post(client, "/report/me-too", {**form, **fields})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/report/{existing.reference}/supported")
    again = post(client, "/report/me-too", {**form, **fields})
    assert again.status_code == 303  # sent twice: counted once
    [supporter] = supporters(existing)
    assert supporter.email == "nachbarin@example.org" and supporter.wants_updates
    assert supporter.channel.value == "web" and supporter.locale == "de"
    assert report_count() == 1 and list(held_dir(photo_dir).rglob("*.bin")) == []
    thanks = page_text(client.get(answer.headers["Location"]))
    assert de("Thank you! You are counted as affected.") in thanks
    assert de("We will send you an e-mail when the status changes.") in thanks
    assert de("%(num)d more resident", num=1) in page_text(client.get(f"/r/{existing.reference}"))


def test_me_too_without_e_mail_is_anonymous(client, existing):
    data = the_form(client)
    assert me_too(client, data, reference=existing.reference).status_code == 303
    assert me_too(client, data, reference=existing.reference).status_code == 303
    [supporter] = supporters(existing)
    assert supporter.email is None and not supporter.wants_updates


def test_me_too_needs_consent_for_the_e_mail(client, existing):
    answer = me_too(client, the_form(client), reference=existing.reference, email="a@example.org")
    assert answer.status_code == 422
    body = page_text(answer)
    assert 'id="me-too-consent-error"' in body and 'href="#me-too-consent"' in body
    assert 'value="a@example.org"' in body and existing.reference in body
    assert supporters(existing) == []


def test_me_too_on_a_closed_report_is_refused(client, existing, make_user):
    form = me_too_form(client, the_form(client))
    workflow.change_status(existing, ReportStatus.RESOLVED, make_user("dispatcher"))
    db.session.commit()
    answer = post(client, "/report/me-too", {**form, "reference": existing.reference})
    assert answer.status_code == 409
    body = page_text(answer)
    assert de("This report is already closed.") in body
    assert de("That's it — it affects me too") not in body
    assert supporters(existing) == []


def test_the_thanks_are_for_the_browser_that_said_it(app_ctx, client, existing):
    with app_ctx.test_client() as stranger:
        answer = stranger.get(f"/report/{existing.reference}/supported")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/r/{existing.reference}"
    )
    assert client.get("/report/DO-1999-99999/supported").status_code == 404
    assert (
        post(
            client,
            "/report/me-too",
            {"csrf_token": csrf_token(client), "reference": "DO-1999-99999"},
        ).status_code
        == 404
    )


# --- the cards for the form's script -------------------------------------------------------------


def test_cards_for_the_script(client, existing):
    query = {"category": "papierkorb-voll", "lat": NEAR_RATHAUS[0], "lon": NEAR_RATHAUS[1]}
    cards = client.get("/report/nearby/cards", query_string=query)
    assert cards.status_code == 200
    body = page_text(cards)
    assert existing.reference in body and 'form="me-too-form"' in body
    assert f'value="{existing.reference}"' in body and "<html" not in body
    assert "/photos/" not in body  # no released photo yet
    empty = client.get(
        "/report/nearby/cards", query_string={**query, "lat": BORSIGPLATZ[0], "lon": BORSIGPLATZ[1]}
    )
    assert empty.status_code == 200 and empty.get_data() == b""
    assert client.get("/report/nearby/cards", query_string={**query, "lat": "x"}).status_code == 400


def test_a_released_photo_is_on_the_card(client, make_report, make_user):
    report = make_report(
        "papierkorb-voll",
        (float(RATHAUS[0]), float(RATHAUS[1])),
        photos=[PhotoUpload(jpeg())],
    )
    query = {"category": "papierkorb-voll", "lat": RATHAUS[0], "lon": RATHAUS[1]}
    dispatcher = make_user("dispatcher")
    workflow.set_photo_public(report.photos[0], False, dispatcher)  # litter bins publish at once
    db.session.commit()
    assert "/photos/" not in page_text(client.get("/report/nearby/cards", query_string=query))
    workflow.set_photo_public(report.photos[0], True, dispatcher)
    db.session.commit()
    body = page_text(client.get("/report/nearby/cards", query_string=query))
    assert f"/r/{report.reference}/photos/{report.photos[0].id}/thumb" in body


# --- protection ----------------------------------------------------------------------------------


def test_me_too_needs_the_form_token(client, existing):
    answer = client.post("/report/me-too", data={"reference": existing.reference})
    assert answer.status_code == 400
    assert supporters(existing) == []


def test_me_too_and_the_cards_have_limits_of_their_own(limited_app, existing):  # noqa: F811
    client = limited_app(REPORT_RATE_LIMIT="2/minute", NEARBY_RATE_LIMIT="1/minute").test_client()
    query = {"category": "papierkorb-voll", "lat": NEAR_RATHAUS[0], "lon": NEAR_RATHAUS[1]}
    assert client.get("/report/nearby/cards", query_string=query).status_code == 200
    assert client.get("/report/nearby/cards", query_string=query).status_code == 429
    token = csrf_token(client)
    said = [
        client.post("/report/me-too", data={"csrf_token": token, "reference": existing.reference})
        for _ in range(3)
    ]
    assert [answer.status_code for answer in said] == [303, 303, 429]
    # sending a report counts apart
    assert client.post("/report", data={"csrf_token": token}).status_code == 422


def test_held_photos_are_swept_after_an_hour(client, existing, photo_dir):
    from app.forwarding.jobs import sweep_held_photos
    from app.photos.held import KEEP_FOR_S, sweep

    post(client, "/report", the_form(client, photos=[(io.BytesIO(jpeg()), "korb.jpg")]))
    assert len(list(held_dir(photo_dir).rglob("*.bin"))) == 1
    assert sweep_held_photos() == 0  # not an hour old yet
    assert sweep(now=time.time() + KEEP_FOR_S + 1) == 1
    assert list(held_dir(photo_dir).rglob("*.bin")) == []
