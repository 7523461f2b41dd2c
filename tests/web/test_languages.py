"""Four languages on the web: the switcher on every page (the languages by their own names),
the language from ?lang= (remembered), from Accept-Language, right-to-left for Arabic, and the
report form's switch that keeps what was typed."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale, gettext

from tests.web.support import csrf_token, form_fields, jpeg, page_text, report_count

NAMES = {"de": "Deutsch", "en": "English", "tr": "Türkçe", "ar": "العربية"}


def value(fields, name: str) -> str | None:
    return fields.control(name).get("value")


def checked(fields, name: str) -> list[str | None]:
    return [c.get("value") for c in fields.controls if c.get("name") == name and "checked" in c]


def switcher(body: str) -> str:
    start = body.index('<li class="lang-switch">')
    return body[start : body.index("</ul>", start)]


@pytest.mark.parametrize("path", ["/", "/about", "/karte", "/statistik", "/open-data/"])
def test_every_public_page_lists_the_four_languages_by_their_own_names(client, path):
    body = page_text(client.get(f"{path}?lang=tr"))
    listed = switcher(body)
    for code, name in NAMES.items():
        assert f'lang="{code}"' in listed and name in listed
    assert '<span class="lang-current" lang="tr" aria-current="true">Türkçe</span>' in listed
    assert f'href="{path}?lang=ar" hreflang="ar" lang="ar">العربية</a>' in listed
    assert f'href="{path}?lang=de"' in listed and f'href="{path}?lang=tr"' not in listed


def test_arabic_pages_are_right_to_left_and_the_others_left_to_right(client, make_report):
    assert '<html lang="ar" dir="rtl">' in page_text(client.get("/?lang=ar"))
    # remembered: the next page without ?lang= is Arabic too
    assert '<html lang="ar" dir="rtl">' in page_text(client.get("/about"))
    report = make_report("papierkorb-voll")
    assert '<html lang="ar" dir="rtl">' in page_text(client.get(f"/r/{report.reference}"))
    for lang in ("de", "en", "tr"):
        body = page_text(client.get(f"/?lang={lang}"))
        assert f'<html lang="{lang}">' in body and 'dir="rtl"' not in body


def test_the_browser_language_decides_without_a_choice(app):
    for header, expected in (
        ("tr-TR,tr;q=0.9,en;q=0.5", "tr"),
        ("ar", "ar"),
        ("fr, en;q=0.3", "en"),
        ("fr", "de"),
    ):
        fresh = app.test_client()
        body = page_text(fresh.get("/", headers={"Accept-Language": header}))
        assert f'<html lang="{expected}"' in body, header


def test_staff_pages_are_right_to_left_in_arabic_too(client):
    body = page_text(client.get("/login?lang=ar"))
    assert '<html lang="ar" dir="rtl">' in body
    assert "Türkçe" in switcher(body)


# --- the report form's switch ----------------------------------------------------------------


def typed(client, **extra):
    return {
        "csrf_token": csrf_token(client),
        "category": "unsicherer-ort",
        "lat": "51.5136",
        "lon": "7.4653",
        "address": "Friedensplatz 1",
        "description": "Sehr dunkel am Abend.\nZweite Zeile.",
        "email": "anwohnerin@example.org",
        "consent": "1",
        "attribute.time_of_day": "night",
        "attribute.reasons": ["dark", "deserted"],
        **extra,
    }


def test_the_form_switches_language_and_keeps_what_was_typed(client, app_ctx):
    before = report_count()
    response = client.post(
        "/report/language",
        data=typed(client, switch_language="ar"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    body = page_text(response)
    assert '<html lang="ar" dir="rtl">' in body
    fields = form_fields(response)
    assert value(fields, "address") == "Friedensplatz 1"
    assert value(fields, "email") == "anwohnerin@example.org"
    assert value(fields, "lat") == "51.5136" and value(fields, "lon") == "7.4653"
    assert "Sehr dunkel am Abend.\nZweite Zeile.</textarea>" in body
    assert checked(fields, "category") == ["unsicherer-ort"]
    assert checked(fields, "consent") == ["1"]
    assert checked(fields, "attribute.time_of_day") == ["night"]
    assert sorted(checked(fields, "attribute.reasons")) == ["dark", "deserted"]
    assert report_count() == before  # nothing was sent
    # remembered for the next pages; the switch buttons still carry the form
    again = page_text(client.get("/report"))
    assert '<html lang="ar" dir="rtl">' in again
    assert 'name="switch_language" value="de" lang="de">Deutsch</button>' in again


def test_a_switch_with_photos_says_to_choose_them_again(client, app_ctx):
    data = typed(client, switch_language="tr", photos=(io.BytesIO(jpeg()), "foto.jpg"))
    response = client.post("/report/language", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert '<html lang="tr">' in page_text(response)
    assert 'id="photos-again"' in response.get_data(as_text=True)
    assert report_count() == 0


def test_an_unknown_language_keeps_the_page_as_it_was(client):
    client.get("/report?lang=en")
    response = client.post(
        "/report/language",
        data=typed(client, switch_language="xx"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert '<html lang="en">' in page_text(response)
    assert value(form_fields(response), "address") == "Friedensplatz 1"


def test_an_expired_form_is_switched_all_the_same_with_its_entries(client):
    data = typed(client, switch_language="tr")
    data["csrf_token"] = "expired"
    response = client.post("/report/language", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert '<html lang="tr">' in page_text(response)
    assert value(form_fields(response), "address") == "Friedensplatz 1"


# --- one vocabulary -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["tr", "ar"])
def test_the_status_page_and_the_api_use_the_same_words(client, make_report, lang):
    report = make_report("papierkorb-voll")
    with force_locale(lang):
        received = gettext("Received")
    assert received != "Received"
    page = page_text(client.get(f"/r/{report.reference}?lang={lang}"))
    assert received in page
    assert {"tr": "Çöp kutusu dolu", "ar": "سلة المهملات ممتلئة"}[lang] in page
    [item] = client.get(
        "/open311/v2/requests.json", query_string={"locale": lang, "extensions": "true"}
    ).get_json()
    assert item["extended_attributes"]["status_descriptive_name"] == received
    assert item["service_name"] in page


def test_arabic_e_mails_are_right_to_left_too(app_ctx):
    from app.forwarding.mail import MailContent, render_html

    content = MailContent(
        lang="ar",
        subject="بلاغ",
        heading="تم الاستلام",
        facts=[("الحالة", "تم الاستلام")],
        links=[("الحالة", "https://example.invalid/r/DO-2026-00001")],
    )
    html = render_html(content)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<div dir="rtl" style="text-align:right;' in html
    assert "text-align:right;vertical-align:top" in html and "padding-right:20px" in html
    german = render_html(MailContent(lang="de", subject="Meldung", heading="Eingegangen"))
    assert '<html lang="de">' in german and 'dir="rtl"' not in german
