"""Department names in the resident's language: the confirmation, the status page, Open311,
open data and the e-mails name the department as the city translated it, German where a
language has no name; staff pages keep the German name; the admin edits the four names and the
city configuration carries them."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.cities.check import check_city
from app.core.enums import ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.reports.drafts import ContactDraft
from app.reports.models import Report
from app.reports.workflow import apply_status
from app.routing.models import Department
from app.routing.names import department_name
from tests.admin.conftest import admin, as_admin, fresh, log_in  # noqa: F401  (fixtures)
from tests.cities.test_no_dortmund import musterstadt  # noqa: F401  (module fixture)
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import text_part
from tests.web.support import RATHAUS, csrf_token, page_text

ROOT = Path(__file__).resolve().parents[2]
DORTMUND = ROOT / "app" / "cities" / "dortmund"
API = "/open311/v2"

LIGHTING_DE = "Tiefbauamt – Straßenbeleuchtung"
LIGHTING_TR = "Altyapı Dairesi – Sokak Aydınlatması"
LIGHTING_AR = "دائرة الأشغال العامة – إنارة الشوارع"
EDG_DE = "EDG Entsorgung Dortmund GmbH"
EDG_TR = "EDG Entsorgung Dortmund (atık toplama ve sokak temizliği)"
RATHAUS_POINT = (float(RATHAUS[0]), float(RATHAUS[1]))


def department(code: str) -> Department:
    return db.session.execute(sa.select(Department).where(Department.code == code)).scalar_one()


def test_the_name_in_a_language_falls_back_to_german():
    office = SimpleNamespace(name="Grünflächenamt", names={"en": "Parks Office", "tr": ""})
    assert department_name(office, "en") == "Parks Office"
    assert department_name(office, "en-GB") == "Parks Office"
    assert department_name(office, "tr") == "Grünflächenamt"  # empty: not translated
    assert department_name(office, "ar") == "Grünflächenamt"
    assert department_name(office, "de") == "Grünflächenamt"
    assert department_name(SimpleNamespace(name="Umweltamt", names=None), "tr") == "Umweltamt"
    assert department_name(None, "tr") is None  # the triage queue


def file_a_lamp_report(client, lang: str) -> Report:
    response = client.post(
        "/report",
        data={
            "csrf_token": csrf_token(client, f"/report?lang={lang}"),
            "category": "laterne-aus",
            "lat": RATHAUS[0],
            "lon": RATHAUS[1],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, page_text(response)
    return db.session.execute(sa.select(Report).order_by(Report.id.desc())).scalars().first()


def test_a_turkish_resident_reads_the_turkish_name_on_the_web_and_in_open311(client):
    report = file_a_lamp_report(client, "tr")
    assert report.locale == "tr"

    confirmation = page_text(client.get(f"/report/{report.reference}/submitted"))
    assert f"<strong>{LIGHTING_TR}</strong>" in confirmation
    # "routed to X because …": the routing sentence names it in Turkish as well
    assert f"→ {LIGHTING_TR} (kural 3:" in confirmation
    assert LIGHTING_DE not in confirmation

    status = page_text(client.get(f"/r/{report.reference}"))
    assert f'<dd id="responsible">{LIGHTING_TR}</dd>' in status and LIGHTING_DE not in status
    german = page_text(client.get(f"/r/{report.reference}?lang=de"))
    assert f'<dd id="responsible">{LIGHTING_DE}</dd>' in german

    for query, expected in (({"locale": "tr"}, LIGHTING_TR), ({"locale": "de"}, LIGHTING_DE)):
        item = client.get(
            f"{API}/requests/{report.reference}.json",
            query_string={"extensions": "true", **query},
        ).get_json()[0]
        assert item["agency_responsible"] == expected
        assert item["extended_attributes"]["department"] == expected
        assert f"→ {expected} (" in item["service_notice"]

    # the reason stored with the report is the staff's: it names the department in German
    db.session.refresh(report)
    assert f"→ {LIGHTING_DE} (kural 3:" in report.routing_reason["tr"]


def test_a_language_without_a_name_reads_the_german_one(client, reseed_city):
    lighting = department("tiefbau-licht")
    lighting.names = {"tr": LIGHTING_TR}  # no Arabic name
    db.session.commit()
    report = file_a_lamp_report(client, "ar")

    confirmation = page_text(client.get(f"/report/{report.reference}/submitted"))
    assert f"<strong>{LIGHTING_DE}</strong>" in confirmation
    assert f'<dd id="responsible">{LIGHTING_DE}</dd>' in page_text(
        client.get(f"/r/{report.reference}")
    )
    item = client.get(
        f"{API}/requests/{report.reference}.json", query_string={"locale": "ar"}
    ).get_json()[0]
    assert item["agency_responsible"] == LIGHTING_DE
    item = client.get(
        f"{API}/requests/{report.reference}.json", query_string={"locale": "tr"}
    ).get_json()[0]
    assert item["agency_responsible"] == LIGHTING_TR


def test_staff_pages_keep_the_german_name(client, make_user):
    report = file_a_lamp_report(client, "tr")
    log_in(client, make_user("dispatcher").email)
    page = page_text(client.get(f"/inbox/reports/{report.reference}?lang=tr"))
    # who is responsible, and why: as the city's staff call it, also on a Turkish staff page
    assert f'<dd id="responsible">{LIGHTING_DE}' in page
    assert LIGHTING_TR not in page


def test_a_turkish_resident_reads_it_in_the_status_e_mail(
    app_ctx,
    smtp_server,  # noqa: F811
    make_report,
):
    load_all()
    report = make_report(
        "wilder-muell",
        RATHAUS_POINT,
        contact=ContactDraft(email="ayse@example.invalid", consent=True),
        locale="tr",
    )
    deliver_due()  # the ticket to EDG
    smtp_server.clear()
    apply_status(report, ReportStatus.IN_PROGRESS, Actor("user", "1", "Test"), None)
    db.session.commit()
    deliver_due()
    [mail] = smtp_server.messages_to("ayse@example.invalid")
    assert mail["Content-Language"] == "tr"
    assert EDG_TR in text_part(mail) and EDG_DE not in text_part(mail)


def test_open_data_keeps_the_german_column_and_adds_the_files_language(client, make_report):
    make_report("wilder-muell", RATHAUS_POINT)
    for lang, local in (("tr", EDG_TR), ("de", EDG_DE)):
        response = client.get("/open-data/reports.csv", query_string={"lang": lang})
        text = response.get_data(as_text=True)
        response.close()
        [row] = list(csv.DictReader(io.StringIO(text, newline="")))
        assert (row["department_name"], row["department_name_local"]) == (EDG_DE, local)


# --- the admin and the city configuration ------------------------------------------------------


def test_the_admin_edits_the_four_names(as_admin, reseed_city):
    lighting = department("tiefbau-licht")
    page = as_admin.text(as_admin.get(f"/admin/departments/{lighting.id}"))
    assert f'value="{LIGHTING_TR}"' in page and f'value="{LIGHTING_AR}"' in page
    assert 'name="name_ar"' in page and 'lang="ar" dir="rtl"' in page

    form = {
        "name": "Tiefbauamt – Licht",
        "name_en": "Street lighting",
        "name_tr": "Sokak aydınlatması",
        "name_ar": "",
        "kind": "internal",
        "email": lighting.email,
        "is_active": "y",
        "forward_method": "none",
        "forward_config": "",
        "ack_deadline_hours": "",
        "done_status": "resolved",
    }
    response = as_admin.post(f"/admin/departments/{lighting.id}", form)
    assert response.status_code == 302
    saved = fresh(Department, code="tiefbau-licht")
    assert saved.name == "Tiefbauamt – Licht"
    assert saved.names == {"en": "Street lighting", "tr": "Sokak aydınlatması"}
    page = as_admin.text(as_admin.get(f"/admin/departments/{lighting.id}"))
    assert 'value="Sokak aydınlatması"' in page and 'value="Street lighting"' in page
    # the list of departments shows the German name (what staff call it)
    listing = as_admin.text(as_admin.get("/admin/departments"))
    assert "Tiefbauamt – Licht" in listing and "Sokak aydınlatması" not in listing

    too_long = as_admin.post(f"/admin/departments/{lighting.id}", {**form, "name_tr": "x" * 201})
    assert too_long.status_code == 422
    assert "This is too long: 201 characters, at most 200." in as_admin.text(too_long)
    assert fresh(Department, code="tiefbau-licht").names["tr"] == "Sokak aydınlatması"


def test_dortmund_names_its_departments_in_four_languages_and_asks_for_review(app_ctx):
    for row in db.session.execute(sa.select(Department)).scalars():
        assert set(row.names) == {"en", "tr", "ar"}, row.code
        assert all(text and text != row.name for text in row.names.values()), row.code
    city = json.loads((DORTMUND / "city.json").read_text(encoding="utf-8"))
    review = city["translation_review"]
    assert set(review) == {"tr", "ar"}
    assert all("NEEDS REVIEW BY A NATIVE SPEAKER" in note for note in review.values())


def test_a_german_name_among_the_translations_is_refused(tmp_path):
    directory = tmp_path / "city"
    shutil.copytree(DORTMUND, directory)
    city = json.loads((directory / "city.json").read_text(encoding="utf-8"))
    city["departments"][0]["names"] = {"de": "EDG", "tr": "EDG"}
    city["departments"][1]["names"] = {"tr": ""}
    (directory / "city.json").write_text(json.dumps(city, ensure_ascii=False), encoding="utf-8")
    _checked, problems = check_city(directory)
    paths = " ".join(str(p) for p in problems)
    assert "$.departments[0].names" in paths and "$.departments[1].names.tr" in paths


def test_seeding_with_update_brings_the_names_of_the_file(app_ctx, reseed_city):
    from app.cities.seed import load_city

    lighting = department("tiefbau-licht")
    lighting.names = {}
    db.session.commit()
    load_city(DORTMUND, update=True)
    db.session.commit()
    assert fresh(Department, code="tiefbau-licht").names["tr"] == LIGHTING_TR


@pytest.mark.parametrize("lang", ["tr", "ar"])
def test_public_statistics_name_departments_in_the_language(client, make_report, lang):
    make_report("laterne-aus", RATHAUS_POINT)
    page = page_text(client.get(f"/statistik?lang={lang}"))
    assert {"tr": LIGHTING_TR, "ar": LIGHTING_AR}[lang] in page


def test_another_city_names_its_departments_in_the_languages_it_gives(musterstadt):  # noqa: F811
    """Musterstadt names its Bauhof in English and Turkish only: Arabic reads German."""
    from app.core.enums import Channel
    from app.reports.drafts import ReportDraft
    from app.reports.intake import submit_report

    with musterstadt.app_context():
        report = submit_report(
            ReportDraft(channel=Channel.WEB, category_code="muellhaufen", lat=48.095, lon=10.995),
            Actor("resident", "test"),
        ).report
        db.session.commit()
        client = musterstadt.test_client()
        for lang, expected in (
            ("tr", "Musterstadt Belediye Hizmetleri"),
            ("en", "Musterstadt Municipal Works"),
            ("ar", "Bauhof Musterstadt"),
            ("de", "Bauhof Musterstadt"),
        ):
            item = client.get(
                f"{API}/requests/{report.reference}.json", query_string={"locale": lang}
            ).get_json()[0]
            assert item["agency_responsible"] == expected, lang
        db.session.rollback()
