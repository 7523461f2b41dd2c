"""The API's four languages: ``Accept-Language`` and the ``locale`` parameter (an extension, as
Mark-a-Spot's) choose the language of service names, descriptions, questions, answers, status
words, notices and error messages; ``locale`` wins, a region counts as its language, anything
else is ignored."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from app.core.enums import ReportStatus
from app.reports.queries import report_by_reference
from tests.open311.conftest import API, BORSIGPLATZ
from tests.open311.test_requests import change_status, make_report

TURKISH = {"Accept-Language": "tr-TR,tr;q=0.9"}
ARABIC = {"Accept-Language": "ar"}


def said(lang: str, msgid: str, **variables) -> str:
    with force_locale(lang):
        return gettext(msgid, **variables)


def services(client, headers=None, **query):
    response = client.get(f"{API}/services.json", headers=headers or {}, query_string=query)
    assert response.status_code == 200
    return {s["service_code"]: s for s in response.get_json()}


@pytest.mark.parametrize(
    ("headers", "query", "name", "group"),
    [
        (TURKISH, {}, "Kaçak çöp dökümü", "Temizlik"),
        (ARABIC, {}, "رمي النفايات العشوائي", "النظافة"),
        ({}, {"locale": "tr"}, "Kaçak çöp dökümü", "Temizlik"),
        ({"Accept-Language": "en"}, {"locale": "ar"}, "رمي النفايات العشوائي", "النظافة"),
        ({}, {"locale": "tr_TR"}, "Kaçak çöp dökümü", "Temizlik"),
        ({"Accept-Language": "en"}, {"locale": "fr"}, "Illegal dumping", "Cleanliness"),
        ({}, {"locale": ""}, "Wilder Müll", "Sauberkeit"),
    ],
)
def test_service_names_and_groups_follow_locale_then_accept_language(
    client, headers, query, name, group
):
    service = services(client, headers, **query)["wilder-muell"]
    assert (service["service_name"], service["group"]) == (name, group)


def test_every_service_has_turkish_and_arabic_names_and_descriptions(client):
    german = services(client)
    for lang in ("tr", "ar"):
        translated = services(client, locale=lang)
        for code, service in translated.items():
            assert service["service_name"] != german[code]["service_name"], (lang, code)
            assert service["description"] != german[code]["description"], (lang, code)
            assert service["group"] != german[code]["group"], (lang, code)


def test_questions_and_answers_in_turkish_and_arabic(client):
    turkish = client.get(f"{API}/services/unsicherer-ort.json", headers=TURKISH).get_json()
    time_of_day, reasons = turkish["attributes"]
    assert time_of_day["description"] == "Orada kendinizi ne zaman güvensiz hissediyorsunuz?"
    assert {"key": "night", "name": "geceleri"} in time_of_day["values"]
    assert {"key": "dark", "name": "çok karanlık"} in reasons["values"]
    arabic = client.get(f"{API}/services/laterne-aus.json", query_string={"locale": "ar"})
    [mast] = arabic.get_json()["attributes"]
    assert mast["description"] == "رقم العمود"
    assert mast["datatype_description"].startswith("يوجد عادةً على لوحة صغيرة")


def test_requests_carry_status_words_and_notices_in_the_language(client, app_ctx):
    report = make_report(description="Papierkorb voll", point=BORSIGPLATZ)
    change_status(report, ReportStatus.IN_PROGRESS, "EDG ist informiert.")
    for lang, headers, query in (
        ("tr", TURKISH, {}),
        ("ar", {"Accept-Language": "de"}, {"locale": "ar"}),
    ):
        response = client.get(
            f"{API}/requests.json",
            headers=headers,
            query_string={"extensions": "true", **query},
        )
        [item] = response.get_json()
        ext = item["extended_attributes"]
        assert (
            item["service_name"] == services(client, locale=lang)["papierkorb-voll"]["service_name"]
        )
        assert ext["status_descriptive_name"] == said(lang, "In progress")
        assert said(lang, "In progress") != "In progress"
        assert [note["status_descriptive_name"] for note in ext["notes"]] == [
            said(lang, "Received"),
            said(lang, "In progress"),
        ]
        # the routing notice: where it went, with the rule in words of the language
        rule_word = {"tr": "kural", "ar": "القاعدة"}[lang]
        assert rule_word in item["service_notice"], item["service_notice"]
        # the department as the city names it in the language
        edg = {"tr": "atık toplama ve sokak temizliği", "ar": "جمع النفايات وتنظيف الشوارع"}[lang]
        assert f"EDG Entsorgung Dortmund ({edg})" in item["service_notice"]


def test_errors_in_the_language(client):
    for lang, params in (("tr", {"headers": TURKISH}), ("ar", {"query_string": {"locale": "ar"}})):
        response = client.get(f"{API}/services/nope.json", **params)
        assert response.status_code == 404
        [error] = response.get_json()
        assert error["description"] == said(lang, "There is no category “%(code)s”.", code="nope")


def test_discovery_and_the_document_name_the_locale_parameter(client):
    document = client.get(f"{API}/openapi.json").get_json()
    services_op = document["paths"]["/v2/services.{format}"]["get"]
    [locale] = [p for p in services_op["parameters"] if p["name"] == "locale"]
    assert locale["in"] == "query"
    assert locale["schema"]["enum"] == ["de", "en", "tr", "ar"]
    discovery = client.get("/open311/discovery.json", query_string={"locale": "tr"}).get_json()
    assert discovery["key_service"] == said(
        "tr",
        "Reading needs no key. To post reports, ask the operators for an API key "
        "(they create one with `flask api-keys create NAME`).",
    )


def test_without_its_own_locale_a_post_gives_updates_in_the_answers_language(
    client, api_key, app_ctx
):
    response = client.post(
        f"{API}/requests.json",
        query_string={"locale": "ar"},
        headers={"Accept-Language": "en"},
        data={
            "api_key": api_key,
            "service_code": "papierkorb-voll",
            "lat": str(BORSIGPLATZ[0]),
            "long": str(BORSIGPLATZ[1]),
            "telegram_chat_id": "123456789",
            "updates": "true",
        },
    )
    assert response.status_code == 200, response.data
    [created] = response.get_json()
    report = report_by_reference(created["service_request_id"])
    assert report.contact.locale == "ar"
    assert "القاعدة" in created["service_notice"]
