"""``/karte/clusters.json``: grid clusters against counts worked out by hand (tests/publicmap/
support.py), bounding boxes, filters, the cap on cells, and the sensitive report only ever at its
cell's centre."""

from __future__ import annotations

import pytest

from app.publicmap.grid import MAX_CELLS, MAX_ZOOM, BBox, grid_for
from tests.publicmap.support import CITY_BBOX, D_EXACT, D_PUBLIC, A, B, C, fixed_reports


def clusters(client, **params):
    params.setdefault("bbox", CITY_BBOX)
    params.setdefault("zoom", "12")
    response = client.get("/karte/clusters.json", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def mean(points):
    return (
        round(sum(p[0] for p in points) / len(points), 6),
        round(sum(p[1] for p in points) / len(points), 6),
    )


def by_count(answer) -> list[int]:
    return sorted((c["count"] for c in answer["clusters"]), reverse=True)


@pytest.fixture
def reports(make_report):
    return fixed_reports(make_report)


def test_zoom_12_groups_the_reports_by_hand_computed_cells(client, reports):
    answer = clusters(client, zoom="12")
    assert answer["total"] == 7
    assert by_count(answer) == [3, 2, 1, 1]
    found = {(c["count"], c["lat"], c["lon"]) for c in answer["clusters"]}
    assert (3, *mean(A)) in found
    assert (2, *mean(B)) in found
    assert (1, *C) in found
    assert (1, *D_PUBLIC) in found


def test_a_low_zoom_gives_one_cluster_not_every_point(client, reports):
    answer = clusters(client, zoom="8")
    assert answer["clusters"] == [
        {"count": 7, "lat": answer["clusters"][0]["lat"], "lon": answer["clusters"][0]["lon"]}
    ]
    assert "reference" not in answer["clusters"][0]
    assert answer["total"] == 7


def test_a_cluster_of_one_names_its_report(client, reports):
    answer = clusters(client, zoom="12", lang="de")
    single = next(c for c in answer["clusters"] if (c["lat"], c["lon"]) == C)
    assert single == {
        "count": 1,
        "lat": C[0],
        "lon": C[1],
        "reference": reports["C"].reference,
        "category": "Straßenlaterne aus",
        "status": "new",
        "status_text": "Eingegangen",
        "url": f"/r/{reports['C'].reference}",
        "approximate": False,
    }
    english = clusters(client, zoom="12", lang="en")
    single = next(c for c in english["clusters"] if (c["lat"], c["lon"]) == C)
    assert single["status_text"] == "Received"


def test_the_bounding_box_limits_the_clusters(client, reports):
    # Around Phoenix See only.
    answer = clusters(client, bbox="7.50,51.48,7.52,51.50", zoom="12")
    assert [(c["count"], c["lat"], c["lon"]) for c in answer["clusters"]] == [(2, *mean(B))]
    # Nothing in the sea off Africa.
    nothing = clusters(client, bbox="0,0,1,1", zoom="12")
    assert (nothing["total"], nothing["clusters"]) == (0, [])


def test_filters_select_the_clusters(client, reports):
    assert clusters(client, group="sauberkeit")["total"] == 4  # A1–A3, B2
    assert clusters(client, group="beleuchtung")["total"] == 2  # B1, C
    assert clusters(client, status="open")["total"] == 6
    assert clusters(client, status="closed")["total"] == 1
    assert (
        clusters(client, status="resolved")["clusters"][0]["reference"] == reports["B2"].reference
    )
    assert clusters(client, district="5")["total"] == 2  # Hörde: Phoenix See
    assert clusters(client, district="04")["total"] == 1  # Innenstadt-Nord: Borsigplatz
    assert clusters(client, **{"from": "2025-03-01", "to": "2025-03-31"})["total"] == 2
    assert clusters(client, period="2025-03")["total"] == 2
    assert clusters(client, period="2026-01")["total"] == 5
    both = clusters(client, group="sauberkeit", status="open", period="2026-01")
    assert by_count(both) == [3]


def test_the_sensitive_report_is_only_ever_at_its_cell_centre(client, reports):
    for zoom in range(12, MAX_ZOOM + 1):
        lat, lon = D_EXACT
        answer = clusters(
            client, bbox=f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}", zoom=str(zoom)
        )
        points = [(c["lat"], c["lon"]) for c in answer["clusters"]]
        assert points == [D_PUBLIC], zoom
        assert answer["clusters"][0]["approximate"] is True
    # A box around the exact point that leaves out the cell centre finds nothing.
    lat, lon = D_EXACT
    tight = f"{lon - 0.0002},{lat - 0.0002},{lon + 0.0002},{lat + 0.0002}"
    assert clusters(client, bbox=tight, zoom="20")["total"] == 0


def test_the_cells_are_capped_whatever_the_box(client, make_report):
    # At the highest zoom each report is its own cell, but a box of the whole world at that
    # zoom still gets at most MAX_CELLS cells.
    for i in range(3):
        make_report("papierkorb-voll", (51.50 + i * 0.003, 7.45))
    answer = clusters(client, bbox="-180,-90,180,90", zoom=str(MAX_ZOOM))
    assert answer["total"] == 3
    assert len(answer["clusters"]) <= MAX_CELLS
    grid = grid_for(MAX_ZOOM, BBox(-180, -90, 180, 90), 51.5136)  # the city's latitude
    assert grid.cells_over(BBox(-180, -90, 180, 90)) <= MAX_CELLS
    assert answer["cell"] == {"lat": grid.d_lat, "lon": grid.d_lon}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": None}, "bbox is missing"),
        ({"bbox": "7,51,8"}, "four numbers"),
        ({"bbox": "7,51,8,abc"}, "four numbers"),
        ({"bbox": "7,51,8,nan"}, "four numbers"),
        ({"bbox": "7,51,8,inf"}, "four numbers"),
        ({"bbox": "8,51,7,52"}, "minLon < maxLon"),
        ({"bbox": "7,52,8,51"}, "minLon < maxLon"),
        ({"bbox": "7,51,7,52"}, "minLon < maxLon"),
        ({"bbox": "-200,51,8,52"}, "longitude -180 to 180"),
        ({"bbox": "7,51,8,95"}, "latitude -90 to 90"),
        ({"bbox": "1," * 500 + "1"}, "four numbers"),
        ({"zoom": None}, "zoom must be a whole number from 0 to 20"),
        ({"zoom": "-1"}, "zoom must be a whole number"),
        ({"zoom": "21"}, "zoom must be a whole number"),
        ({"zoom": "12.5"}, "zoom must be a whole number"),
        ({"zoom": "1e3"}, "zoom must be a whole number"),
        ({"zoom": "١٢"}, "zoom must be a whole number"),
        ({"group": "keine"}, "“keine” for “group” is not known"),
        ({"status": "offen"}, "“offen” for “status” is not known"),
        ({"district": "99"}, "“99” for “district” is not known"),
        ({"from": "gestern"}, "“gestern” was not understood (use YYYY-MM-DD)"),
        ({"to": "2026-02-30"}, "“2026-02-30” was not understood"),
        ({"period": "2026-13"}, "“2026-13” was not understood (use YYYY-MM)"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "starts after it ends"),
    ],
)
def test_bad_parameters_get_a_400_with_a_clear_message(client, params, message):
    query = {"bbox": CITY_BBOX, "zoom": "12", "lang": "en", **params}
    query = {k: v for k, v in query.items() if v is not None}
    response = client.get("/karte/clusters.json", query_string=query)
    assert response.status_code == 400
    assert response.is_json
    assert message in response.get_json()["error"]


def test_bad_parameters_are_explained_in_german_on_german_requests(client):
    response = client.get("/karte/clusters.json", query_string={"bbox": "x", "zoom": "3"})
    assert response.status_code == 400
    assert "vier Zahlen" in response.get_json()["error"]


def test_the_answer_may_be_cached_briefly(client, reports):
    response = client.get("/karte/clusters.json", query_string={"bbox": CITY_BBOX, "zoom": "9"})
    assert response.headers["Cache-Control"] == "public, max-age=30"
    assert [c["count"] for c in response.get_json()["clusters"]] == [7]


def test_many_requests_from_one_address_are_refused(client, monkeypatch, app_ctx):
    monkeypatch.setitem(app_ctx.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app_ctx.config, "PUBLIC_MAP_RATE_LIMIT", "3/minute")
    app_ctx.extensions.pop("qm_publicmap_limiter", None)
    try:
        codes = [
            client.get(
                "/karte/clusters.json",
                query_string={"bbox": CITY_BBOX, "zoom": "9"},
                environ_base={"REMOTE_ADDR": "192.0.2.7"},
            ).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        # The page itself (the list works without the map) is not limited here.
        assert client.get("/karte", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    finally:
        app_ctx.extensions.pop("qm_publicmap_limiter", None)


def test_grid_sizes_by_zoom():
    city = BBox(7.30, 51.40, 7.65, 51.62)
    assert grid_for(12, city, 0.0).d_lon == 360 / 4096 / 4
    assert grid_for(12, city, 0.0).d_lat == 360 / 4096 / 4
    assert grid_for(12, city, 60.0).d_lat == pytest.approx(360 / 4096 / 4 / 2)
    # Each zoom step halves the cells while the box allows it.
    assert grid_for(11, city, 51.5).d_lon == 2 * grid_for(12, city, 51.5).d_lon
    # Too many cells for the box: doubled until at most MAX_CELLS cover it.
    world = BBox(-180, -90, 180, 90)
    for zoom in range(MAX_ZOOM + 1):
        assert grid_for(zoom, world, 51.5).cells_over(world) <= MAX_CELLS
