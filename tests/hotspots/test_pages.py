"""The public hotspot layer and the staff page: what each may see."""

from __future__ import annotations

import re

import h3

from tests.hotspots.conftest import CITY_CENTRE
from tests.inbox.support import login

CONTRACT = {"cell", "group", "group_name", "reports", "weeks", "first", "last"}
REFERENCE = re.compile(r"DO-\d{4}-\d{5}")


def local_day(moment) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()


def test_public_layer_shows_unsafe_place_hotspots_only_as_cells_and_counts(client, data_set):
    _now, made = data_set
    response = client.get("/hotspots.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    # Cleanliness hotspots exist (see test_service) but the group is not public in Dortmund.
    assert [f["properties"]["group"] for f in body["features"]] == ["unsicherer-ort"]
    feature = body["features"][0]
    u1 = made["u1"]
    assert feature["properties"] == {
        "cell": h3.latlng_to_cell(u1.public_lat, u1.public_lon, 8),
        "group": "unsicherer-ort",
        "group_name": "Unsicherer Ort",
        "reports": 3,
        "weeks": 12,
        "first": local_day(made["u3"].created_at),
        "last": local_day(made["u1"].created_at),
    }
    assert set(feature["properties"]) == CONTRACT
    geometry = feature["geometry"]
    assert geometry["type"] == "Polygon"
    ring = geometry["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]
    # the ring is the cell's hexagon, [lon, lat]
    assert (
        h3.latlng_to_cell(sum(p[1] for p in ring[:-1]) / 6, sum(p[0] for p in ring[:-1]) / 6, 8)
        == feature["properties"]["cell"]
    )
    text = response.get_data(as_text=True)
    assert not REFERENCE.search(text)
    for report in made.values():
        assert f"{report.lat:.5f}" not in text or not report.category.is_sensitive


def test_public_layer_group_filter_and_language(client, data_set):
    english = client.get("/hotspots.geojson?group=unsicherer-ort&lang=en").get_json()
    assert [f["properties"]["group_name"] for f in english["features"]] == ["Unsafe place"]
    assert client.get("/hotspots.geojson?group=sauberkeit").get_json()["features"] == []
    missing = client.get("/hotspots.geojson?group=nope")
    assert missing.status_code == 404


def test_public_layer_without_reports_is_an_empty_collection(client):
    body = client.get("/hotspots.geojson").get_json()
    assert body == {"type": "FeatureCollection", "features": []}


def test_staff_page_needs_a_login(client):
    response = client.get("/inbox/hotspots")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def references(page: str) -> set[str]:
    return set(REFERENCE.findall(page))


def test_caseworkers_see_the_hotspots_of_their_departments_only(client, data_set, make_user):
    _now, made = data_set
    edg_refs = {made[n].reference for n in ("c1", "c2", "c3", "c4", "e1", "e2", "e3")}

    login(client, make_user("caseworker", departments=("edg",)))
    page = client.get("/inbox/hotspots")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    text = page.get_data(as_text=True)
    assert references(text) == edg_refs
    assert f'href="/inbox/reports/{made["c1"].reference}"' in text
    assert h3.latlng_to_cell(*CITY_CENTRE, 9) in text
    assert "<svg" in text and 'role="img"' in text
    client.post("/logout", data={})  # best effort; a fresh client follows anyway


def test_ordnungsamt_does_not_see_edg_hotspot_reports(app_ctx, data_set, make_user):
    _now, made = data_set
    client = app_ctx.test_client()
    login(client, make_user("caseworker", departments=("ordnungsamt",)))
    text = client.get("/inbox/hotspots").get_data(as_text=True)
    assert references(text) == {made[n].reference for n in ("u1", "u2", "u3")}
    assert made["c1"].reference not in text
    assert h3.latlng_to_cell(*CITY_CENTRE, 9) not in text


def test_a_department_without_reports_sees_no_hotspot(app_ctx, data_set, make_user):
    client = app_ctx.test_client()
    login(client, make_user("caseworker", departments=("gruenflaechen",)))
    text = client.get("/inbox/hotspots").get_data(as_text=True)
    assert references(text) == set()


def test_dispatchers_see_all_hotspots_and_can_pick_a_group(app_ctx, data_set, make_user):
    _now, made = data_set
    client = app_ctx.test_client()
    login(client, make_user("dispatcher"))
    everything = client.get("/inbox/hotspots").get_data(as_text=True)
    assert references(everything) == {
        made[n].reference for n in ("c1", "c2", "c3", "c4", "e1", "e2", "e3", "u1", "u2", "u3")
    }
    only_unsafe = client.get("/inbox/hotspots?group=unsicherer-ort").get_data(as_text=True)
    assert references(only_unsafe) == {made[n].reference for n in ("u1", "u2", "u3")}


def test_staff_page_in_german_and_english(app_ctx, data_set, make_user):
    client = app_ctx.test_client()
    login(client, make_user("dispatcher"))
    german = client.get("/inbox/hotspots?lang=de").get_data(as_text=True)
    assert "<h1>Brennpunkte</h1>" in german and "4 Meldungen" in german
    english = client.get("/inbox/hotspots?lang=en").get_data(as_text=True)
    assert "<h1>Hotspots</h1>" in english
    assert "4 reports" in english and "Reports per week" in english


def test_the_inbox_navigation_links_to_hotspots(app_ctx, make_user):
    client = app_ctx.test_client()
    login(client, make_user("caseworker"))
    assert 'href="/inbox/hotspots"' in client.get("/inbox/").get_data(as_text=True)
