"""The report form through the Flask test client (CSRF protection on, as in production).

Messages are compared with what the project's catalog makes of them in the page's language
(``de()`` / ``en()``), so the tests hold whatever the exact German wording is; data from the
city configuration (categories, departments, districts) is compared literally.
"""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.geo.service import district_index
from app.reports.models import Report
from tests.conftest import stored_files
from tests.fakes.nominatim import fake_nominatim  # noqa: F401  (fixture)
from tests.other_city import other_city  # noqa: F401  (fixture)
from tests.web.support import (
    BOCHUM_HBF,
    BORSIGPLATZ,
    RATHAUS,
    csrf_token,
    de,
    en,
    form_fields,
    jpeg,
    page_text,
    png_header_only,
    reference_year,
    report_count,
)

MB = 1024 * 1024


def form_data(client, **fields):
    data = {"csrf_token": csrf_token(client), "use_photo_location": "1"}
    data.update(fields)
    return data


def post(client, data, headers=None, url="/report"):
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers or {})


def use_fake_geocoder(app, monkeypatch, server):
    monkeypatch.setitem(app.config, "GEOCODER_URL", server.url)
    app.extensions.pop("qm_geocoder", None)


@pytest.fixture(autouse=True)
def _forget_geocoder(app_ctx):
    yield
    app_ctx.extensions.pop("qm_geocoder", None)


# --- the page -----------------------------------------------------------------------------


def switch_button(lang: str) -> str:
    """The start of the language switcher's button for ``lang`` on the report form."""
    return (
        '<button type="submit" class="lang-link" form="report-form" '
        f'formaction="/report/language" formmethod="post" formnovalidate '
        f'name="switch_language" value="{lang}"'
    )


def test_form_page_is_german_by_default_with_a_link_to_english(client):
    response = client.get("/report")
    assert response.status_code == 200
    body = page_text(response)
    assert '<html lang="de">' in body
    # the switch to English is a button of the form: it keeps what was typed
    assert switch_button("en") in body
    # city data, grouped by category group
    assert "Papierkorb voll" in body and "Straßenlaterne aus" in body
    assert "<legend>Unsicherer Ort</legend>" in body
    assert "Ein öffentlicher Papierkorb quillt über." in body  # the category's help text
    # the emergency notice sits at the unsafe-place group, visible without JavaScript
    group = body[body.index("<legend>Unsicherer Ort</legend>") :]
    assert de("In acute danger: call %(number)s", number='<a href="tel:110">110</a>') in group[:400]


def test_english_page(client):
    body = page_text(client.get("/report?lang=en"))
    assert '<html lang="en">' in body
    assert "Litter bin full" in body and "Unsafe place" in body
    assert "In acute danger: call <a" in body
    assert switch_button("de") in body


def test_every_control_has_a_label_and_no_js_form_has_all_questions(client):
    fields = form_fields(client.get("/report"))
    for control in fields.controls:
        if control.get("type") in ("hidden", "submit"):
            continue
        assert control.get("id") in fields.label_for, f"no <label> for {control}"
    names = [c.get("name") for c in fields.controls]
    # the lighting categories share one mast-number field; the unsafe place asks two questions
    assert names.count("attribute.mast_number") == 1
    assert names.count("attribute.time_of_day") == 5
    assert names.count("attribute.reasons") == 7
    photos = fields.control("photos")
    assert photos["type"] == "file" and "multiple" in photos and photos["accept"] == "image/*"
    assert "checked" in fields.control("use_photo_location")
    assert fields.control("description")["maxlength"] == "2000"
    assert fields.control("lat")["type"] == "text"


def test_category_can_be_chosen_by_link(client):
    fields = form_fields(client.get("/report?category=papierkorb-voll"))
    chosen = [c for c in fields.controls if c.get("name") == "category" and "checked" in c]
    assert [c["value"] for c in chosen] == ["papierkorb-voll"]


# --- sending ------------------------------------------------------------------------------


def test_valid_report_with_photo_is_stored_and_confirmed(client, photo_dir):
    data = form_data(
        client,
        category="laterne-aus",
        lat=RATHAUS[0],
        lon=RATHAUS[1],
        description="Die Laterne vor dem Rathaus ist seit Tagen dunkel.",
        **{"attribute.mast_number": "123-456"},
    )
    data["photos"] = [(io.BytesIO(jpeg(size=(800, 600))), "laterne.jpg")]
    response = post(client, data)
    reference = f"DO-{reference_year()}-00001"
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/report/{reference}/submitted")

    confirmation = client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    body = page_text(confirmation)
    report = db.session.execute(db.select(Report)).scalar_one()
    assert f'<p class="reference" aria-labelledby="reference-label">{reference}</p>' in body
    assert "Innenstadt-West" in body
    assert "Tiefbauamt – Straßenbeleuchtung" in body
    assert "Straßenlaterne aus in Innenstadt-West → Tiefbauamt – Straßenbeleuchtung" in body
    assert "(Regel 3: Beleuchtung, alle Stadtbezirke)" in body
    assert f'href="/r/{reference}"' in body
    assert 'href="/report"' in body

    assert report.attributes == {"mast_number": "123-456"}
    assert report.channel.value == "web" and report.locale == "de"
    assert len(report.photos) == 1
    assert len(stored_files(photo_dir)) == 2  # the photo and its thumbnail


def test_location_from_the_photo_is_used_and_noted(client):
    data = form_data(client, category="papierkorb-voll")
    data["photos"] = [(io.BytesIO(jpeg(gps=(51.5233, 7.4817))), "korb.jpg")]
    response = post(client, data)
    assert response.status_code == 303
    body = page_text(client.get(response.headers["Location"]))
    assert de("The location was taken from your photo.") in body
    assert "Innenstadt-Nord" in body and "EDG Entsorgung Dortmund GmbH" in body
    report = db.session.execute(db.select(Report)).scalar_one()
    assert report.lat == pytest.approx(51.5233, abs=1e-4)
    assert report.location_source.value == "photo"


def test_photo_location_is_not_used_when_unticked(client, photo_dir):
    data = form_data(client, category="papierkorb-voll")
    del data["use_photo_location"]
    data["photos"] = [(io.BytesIO(jpeg(gps=(51.5233, 7.4817))), "korb.jpg")]
    response = post(client, data)
    assert response.status_code == 422
    assert de("Please mark the place on the map or enter an address.") in page_text(response)
    assert "checked" not in form_fields(response).control("use_photo_location")
    assert report_count() == 0 and stored_files(photo_dir) == []


def test_address_is_geocoded(client, app, monkeypatch, fake_nominatim):  # noqa: F811
    use_fake_geocoder(app, monkeypatch, fake_nominatim)
    response = post(
        client, form_data(client, category="papierkorb-voll", address="Friedensplatz 1")
    )
    assert response.status_code == 303
    body = page_text(client.get(response.headers["Location"]))
    assert "Innenstadt-West" in body and "EDG Entsorgung Dortmund GmbH" in body


def test_unsafe_place_with_its_questions_gets_routed_with_copies(client):
    data = form_data(
        client,
        category="unsicherer-ort",
        lat=BORSIGPLATZ[0],
        lon=BORSIGPLATZ[1],
        **{
            "attribute.time_of_day": "night",
            "attribute.reasons": ["dark", "deserted"],
            # answers to another category's question are ignored
            "attribute.mast_number": "999",
        },
    )
    response = post(client, data)
    assert response.status_code == 303
    body = page_text(client.get(response.headers["Location"]))
    assert "Ordnungsamt – Kommunaler Ordnungsdienst" in body
    assert "Quartiersmanagement Nordstadt" in body  # copy: Nordstadt
    report = db.session.execute(db.select(Report)).scalar_one()
    for copy in report.copies:
        # The public words name the department and the rule, made from the rule's data.
        rule = copy.reason["de"].rsplit("(", 1)[1].rstrip(")")
        assert copy.department.name in body and rule in body
    assert len(report.copies) == 2
    assert report.attributes == {"time_of_day": "night", "reasons": ["dark", "deserted"]}
    assert de("In acute danger: call %(number)s", number='<a href="tel:110">110</a>') in body


def test_contact_is_stored_with_consent_but_never_shown(client):
    response = post(
        client,
        form_data(
            client,
            category="littering",
            lat=RATHAUS[0],
            lon=RATHAUS[1],
            email="anna.beispiel@example.org",
            consent="1",
        ),
    )
    assert response.status_code == 303
    confirmation = page_text(client.get(response.headers["Location"]))
    report = db.session.execute(db.select(Report)).scalar_one()
    assert report.contact is not None and report.contact.email == "anna.beispiel@example.org"
    status = page_text(client.get(f"/r/{report.reference}"))
    for body in (confirmation, status):
        assert "anna.beispiel" not in body
    assert de("We will send you an e-mail when the status changes.") in confirmation


# --- refusals: a message at the field, a 4xx, no row and no file ---------------------------


ANCHORS = {"location": "lat"}  # a location error links to the coordinates


def assert_refused(client, photo_dir, response, status, field, message):
    assert response.status_code == status, page_text(response)[:2000]
    body = page_text(response)
    assert message in body
    # listed in the summary (role=alert) with a link to the field, and shown next to it
    start = body.index('id="error-summary"')
    summary = body[start : body.index("</div>", start)]
    assert 'role="alert"' in summary and message in summary
    if field:
        fields = form_fields(response)
        assert f"{field}-error" in fields.ids
        anchor = ANCHORS.get(field, field)
        assert f'href="#{anchor}"' in summary or f'href="#{anchor}-' in summary
    assert report_count() == 0
    assert stored_files(photo_dir) == []


def test_unknown_category(client, photo_dir):
    response = post(
        client, form_data(client, category="gibts-nicht", lat=RATHAUS[0], lon=RATHAUS[1])
    )
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "category",
        de("There is no category “%(code)s”.", code="gibts-nicht"),
    )


def test_missing_category_and_location_are_both_reported(client, photo_dir):
    response = post(client, form_data(client))
    assert_refused(client, photo_dir, response, 422, "category", de("Please choose a category."))
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "location",
        de("Please mark the place on the map or enter an address."),
    )
    fields = form_fields(response)
    assert "location-error" in fields.control("lat")["aria-describedby"]
    assert fields.control("lat")["aria-invalid"] == "true"


def test_place_outside_the_city(client, photo_dir):
    response = post(
        client, form_data(client, category="littering", lat=BOCHUM_HBF[0], lon=BOCHUM_HBF[1])
    )
    km = district_index().distance_outside_m(float(BOCHUM_HBF[0]), float(BOCHUM_HBF[1])) / 1000
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "location",
        f"Dieser Ort liegt außerhalb von Dortmund (etwa {km:.1f}".replace(".", ",")
        + " km jenseits der Stadtgrenze). "
        "Wir können nur Meldungen aus Dortmund annehmen.",
    )
    # what was typed is kept
    fields = form_fields(response)
    assert fields.control("lat")["value"] == BOCHUM_HBF[0]
    assert fields.control("lon")["value"] == BOCHUM_HBF[1]


def test_coordinates_out_of_range(client, photo_dir):
    response = post(client, form_data(client, category="littering", lat="95", lon="7.4"))
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "location",
        de("These coordinates do not exist (latitude −90…90, longitude −180…180)."),
    )


def test_address_that_cannot_be_found(client, app, photo_dir, monkeypatch, fake_nominatim):  # noqa: F811
    use_fake_geocoder(app, monkeypatch, fake_nominatim)
    response = post(
        client,
        form_data(
            client,
            category="littering",
            address="Nirgendwoweg 99",
            description="Alles voller Scherben.",
        ),
    )
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "address",
        de(
            "We could not find “%(address)s” in %(city)s. Please check the address or mark the "
            "place on the map.",
            address="Nirgendwoweg 99",
            city="Dortmund",
        ),
    )
    fields = form_fields(response)
    assert fields.control("address")["value"] == "Nirgendwoweg 99"
    assert fields.control("description")["value"] == "Alles voller Scherben."
    assert "address-error" in fields.control("address")["aria-describedby"]
    assert fake_nominatim.requests_to("/search")


def test_description_too_long_keeps_what_was_entered(client, photo_dir):
    text = "Müll am Spielplatz <b>heute</b> " + "x" * 2000
    response = post(
        client,
        form_data(
            client,
            category="littering",
            lat=RATHAUS[0],
            lon=RATHAUS[1],
            description=text,
            email="a@example.org",
            consent="1",
        ),
    )
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "description",
        de(
            "The description is too long: %(length)d characters, at most %(max)d.",
            length=len(text),
            max=2000,
        ),
    )
    fields = form_fields(response)
    assert fields.control("description")["value"] == text  # escaped in the page, intact
    assert "<b>heute</b>" not in response.get_data(as_text=True)
    assert fields.control("email")["value"] == "a@example.org"
    assert "checked" in fields.control("consent")
    chosen = [c for c in fields.controls if c.get("name") == "category" and "checked" in c]
    assert [c["value"] for c in chosen] == ["littering"]


def photo_post(client, files, **fields):
    data = form_data(
        client,
        category="littering",
        lat=RATHAUS[0],
        lon=RATHAUS[1],
        description="Mit Foto",
        **fields,
    )
    data["photos"] = [(io.BytesIO(content), name) for content, name in files]
    return post(client, data)


def photo_message(name, reason_msgid, **variables):
    return de("%(name)s: %(reason)s", name=name, reason=de(reason_msgid, **variables))


def assert_photos_asked_again(response):
    body = page_text(response)
    assert (
        de("Please choose the photos again: files are not kept when the form is shown again.")
        in body
    )
    assert form_fields(response).control("description")["value"] == "Mit Foto"


def test_photo_over_the_size_limit_is_413(client, photo_dir):
    response = photo_post(client, [(b"\xff\xd8\xff\xe0" + b"\0" * (30 * MB), "riesig.jpg")])
    assert_refused(
        client,
        photo_dir,
        response,
        413,
        "photos",
        photo_message(
            "riesig.jpg", "This photo is too large. The maximum is %(mb)s MB per photo.", mb="10"
        ),
    )
    assert_photos_asked_again(response)


def test_photo_with_too_many_pixels(client, photo_dir):
    response = photo_post(client, [(png_header_only(20000, 20000), "bombe.png")])
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "photos",
        photo_message(
            "bombe.png",
            "This photo has too many pixels. The maximum is %(mp)s megapixels.",
            mp="40",
        ),
    )


def test_truncated_jpeg(client, photo_dir):
    whole = jpeg(size=(400, 300))
    response = photo_post(client, [(whole[: len(whole) // 2], "kaputt.jpg")])
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "photos",
        photo_message(
            "kaputt.jpg",
            "This photo could not be read; the file seems to be damaged "
            "or incomplete. Please try uploading it again.",
        ),
    )


def test_html_file_named_jpg(client, photo_dir):
    page = b"<!doctype html><html><script>alert(1)</script></html>"
    response = photo_post(client, [(jpeg(), "gut.jpg"), (page, "foto.jpg")])
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "photos",
        photo_message(
            "foto.jpg", "This file is not a photo. Please upload a JPEG, PNG, WebP or HEIC image."
        ),
    )


def test_fourth_photo(client, photo_dir):
    response = photo_post(client, [(jpeg(), f"foto{i}.jpg") for i in range(4)])
    assert_refused(
        client, photo_dir, response, 422, "photos", de("At most %(n)d photos, please.", n=3)
    )
    assert_photos_asked_again(response)


def test_missing_attribute_answers(client, photo_dir):
    response = post(
        client, form_data(client, category="unsicherer-ort", lat=RATHAUS[0], lon=RATHAUS[1])
    )
    assert response.status_code == 422
    body = page_text(response)
    for label in ("Wann fühlen Sie sich dort unsicher?", "Warum? (mehrere möglich)"):
        assert de("Please answer: %(label)s", label=label) in body
    summary = body[body.index('id="error-summary"') :]
    assert 'href="#attr-time_of_day-0"' in summary and 'href="#attr-reasons-0"' in summary
    fields = form_fields(response)
    assert {"attr-time_of_day-error", "attr-reasons-error"} <= fields.ids
    # the sensitive category's notice is shown at the top without JavaScript
    notice = body[body.index('id="sensitive-notice"') :][:300]
    assert "hidden" not in notice.split(">")[0]
    assert report_count() == 0 and stored_files(photo_dir) == []


def test_consent_is_needed_for_an_email(client, photo_dir):
    response = post(
        client,
        form_data(
            client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1], email="a@example.org"
        ),
    )
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "consent",
        de(
            "Please agree that we may use your contact details for status updates – or leave "
            "the e-mail field empty."
        ),
    )


def test_missing_csrf_token_is_400_with_an_explanation(client, photo_dir):
    data = form_data(
        client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1], description="Ohne Token"
    )
    del data["csrf_token"]
    response = post(client, data)
    message = de(
        "The form has expired or was incomplete, so it was not sent. Please check your entries "
        "and send it again. If this keeps happening, please reload the page and allow cookies "
        "for this site."
    )
    assert_refused(client, photo_dir, response, 400, None, message)
    fields = form_fields(response)
    assert fields.control("description")["value"] == "Ohne Token"
    assert fields.control("csrf_token")["value"]  # a fresh token: sending again works
    data["csrf_token"] = fields.control("csrf_token")["value"]
    assert post(client, data).status_code == 303


def test_wrong_csrf_token_in_english(client, photo_dir):
    data = form_data(client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1])
    data["csrf_token"] = "forged"
    response = post(client, data, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The form has expired or was incomplete, so it was not sent." in page_text(response)
    assert report_count() == 0 and stored_files(photo_dir) == []


def test_messages_in_english(client, photo_dir):
    token = csrf_token(client, "/report?lang=en")  # the language is remembered from here on
    response = post(client, {"csrf_token": token, "category": "littering"})
    assert response.status_code == 422
    body = page_text(response)
    assert '<html lang="en">' in body
    assert "Please mark the place on the map or enter an address." in body
    assert en("Please check your entries") == "Please check your entries"
    assert "Please check your entries" in body


def test_messages_in_english_by_accept_language(client, photo_dir):
    token = csrf_token(client)
    response = post(
        client,
        {"csrf_token": token, "category": "gibts-nicht", "lat": "95", "lon": "7"},
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    body = page_text(response)
    assert response.status_code == 422
    assert "There is no category “gibts-nicht”." in body
    assert "These coordinates do not exist (latitude −90…90, longitude −180…180)." in body


def test_request_over_the_total_limit_is_413_in_the_users_language(
    client, app, photo_dir, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1 * MB)

    def too_much():
        data = form_data(client, category="littering", lat=RATHAUS[0], lon=RATHAUS[1])
        data["photos"] = [(io.BytesIO(b"\0" * (2 * MB)), "gross.jpg")]
        return data

    response = post(client, too_much())
    assert_refused(
        client,
        photo_dir,
        response,
        413,
        None,
        de(
            "Your upload is too large altogether (at most %(total)s MB). Please send at most "
            "%(count)d photos of up to %(each)s MB each, or smaller ones. Your entries could not "
            "be kept – please fill in the form again.",
            total="1",
            count=3,
            each="10",
        ),
    )
    english = post(client, too_much(), headers={"Accept-Language": "en"})
    assert english.status_code == 413
    assert "Your upload is too large altogether (at most 1 MB)." in page_text(english)


def test_hints_and_coordinate_errors_follow_the_city(client, photo_dir, other_city):
    """Another city's form shows its own map centre as the example and nothing of Dortmund."""
    from tests.other_city import CENTER_TEXT

    page = page_text(client.get("/report"))
    lat, lon = CENTER_TEXT
    assert (
        de(
            "In decimal degrees, for example %(lat)s and %(lon)s. The map fills these in for you.",
            lat=lat,
            lon=lon,
        )
        in page
    )
    for dortmund in ("Friedensplatz", "Borsigplatz", "51.5136", "7.4653", "Dortmund"):
        assert dortmund not in page
    response = post(client, form_data(client, category="littering", lat="abc", lon="7"))
    assert_refused(
        client,
        photo_dir,
        response,
        422,
        "location",
        de("The coordinates must be numbers, e.g. %(lat)s and %(lon)s.", lat=lat, lon=lon),
    )
