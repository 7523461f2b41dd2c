"""The open-data page: German first, fields, licence from the city configuration."""

from __future__ import annotations

from app.opendata.config import DEFAULT_LICENCE, licence
from app.opendata.export import FIELD_NAMES


def test_page_in_german(client):
    response = client.get("/open-data/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<h1>Offene Daten</h1>" in text
    assert 'href="/open-data/reports.csv"' in text
    assert 'href="/open-data/reports.geojson"' in text
    assert 'href="/open-data/reports.csv?lang=en"' in text
    assert 'href="/hotspots.geojson"' in text
    for name in FIELD_NAMES:
        assert f'id="field-{name}"' in text
    assert "Mitte einer 250-m-Rasterzelle" in text
    assert (
        '<a href="https://www.govdata.de/dl-de/by-2-0" rel="license">'
        "Datenlizenz Deutschland – Namensnennung – Version 2.0</a>" in text
    )
    assert "Stadt Dortmund, Quartiersmelder" in text


def test_page_in_english(client):
    text = client.get("/open-data/?lang=en").get_data(as_text=True)
    assert "<h1>Open data</h1>" in text
    assert "centre of a 250 m grid cell" in text
    assert "No street addresses" in text


def test_the_public_footer_links_to_open_data(client):
    assert 'href="/open-data/"' in client.get("/about").get_data(as_text=True)


def test_a_city_without_open_data_settings_gets_the_default_licence(app_ctx, monkeypatch):
    from app.cities.settings import city

    monkeypatch.delitem(city().raw, "open_data")
    default = licence()
    assert default.name == DEFAULT_LICENCE
    assert default.url == "https://www.govdata.de/dl-de/by-2-0"
    assert default.attribution == city().name
    monkeypatch.setitem(city().raw, "open_data", {"licence": "CC0 1.0"})
    assert (licence().name, licence().url) == ("CC0 1.0", "")
