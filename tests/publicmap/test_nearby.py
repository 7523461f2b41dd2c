"""``/karte/nearby.json``: "already reported here" for a point clicked on the map — open
reports of any category, each within its category's radius; unsafe places cell by cell."""

from __future__ import annotations

import math

import pytest

from app.core.enums import ReportStatus
from app.geo.index import coarse_point
from app.reports.public_point import COARSE_CELL_M
from tests.publicmap.support import D_EXACT, set_report

RATHAUS = (51.5136, 7.4653)
M_PER_DEG_LAT = 111_195.0


def north(point, metres):
    return (point[0] + metres / M_PER_DEG_LAT, point[1])


def nearby(client, point, lang="de"):
    response = client.get(
        "/karte/nearby.json",
        query_string={"lat": f"{point[0]:.6f}", "lon": f"{point[1]:.6f}", "lang": lang},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["reports"]


def test_open_reports_of_any_category_within_their_radius(client, make_report):
    here = make_report("papierkorb-voll", RATHAUS)
    lamp = make_report("laterne-aus", north(RATHAUS, 40))
    make_report("gehweg", north(RATHAUS, 80))  # outside the 50 m default radius
    done = make_report("wilder-muell", RATHAUS)
    set_report(done, status=ReportStatus.RESOLVED)
    found = nearby(client, RATHAUS)
    assert found == [
        {
            "reference": here.reference,
            "category": "Papierkorb voll",
            "status": "new",
            "status_text": "Eingegangen",
            "url": f"/r/{here.reference}",
            "distance_m": 0,
            "approximate": False,
        },
        {
            "reference": lamp.reference,
            "category": "Straßenlaterne aus",
            "status": "new",
            "status_text": "Eingegangen",
            "url": f"/r/{lamp.reference}",
            "distance_m": 40,
            "approximate": False,
        },
    ]
    assert nearby(client, RATHAUS, lang="en")[1]["category"] == "Street light out"
    assert nearby(client, north(RATHAUS, 500)) == []


def test_an_unsafe_place_is_found_cell_by_cell_without_a_distance(client, make_report):
    report = make_report("unsicherer-ort", D_EXACT)
    centre = coarse_point(*D_EXACT, COARSE_CELL_M)
    # Every point of the report's cell gets the same answer, wherever the exact point lies.
    answers = []
    step = COARSE_CELL_M / 5 / M_PER_DEG_LAT
    for i in range(-2, 3):
        for j in range(-2, 3):
            point = (centre[0] + i * step, centre[1] + j * step / math.cos(math.radians(centre[0])))
            assert coarse_point(*point, COARSE_CELL_M) == centre
            answers.append(nearby(client, point))
    assert all(answer == answers[0] for answer in answers)
    assert answers[0] == [
        {
            "reference": report.reference,
            "category": "Unsicherer Ort (Angstraum)",
            "status": "new",
            "status_text": "Eingegangen",
            "url": f"/r/{report.reference}",
            "distance_m": None,
            "approximate": True,
        }
    ]
    # Far enough away (more than radius + one cell from the cell's centre): not listed.
    assert nearby(client, north(centre, 100 + COARSE_CELL_M + 300)) == []


def test_the_answer_for_an_unsafe_place_changes_only_at_cell_borders(client, make_report):
    """Walking north from the cell in 10 m steps, the report drops out of the answer at a
    cell border, never between two points of one cell — so nothing finer than the cell
    can be learnt by searching."""
    make_report("unsicherer-ort", D_EXACT)
    start = coarse_point(*D_EXACT, COARSE_CELL_M)
    by_cell: dict[tuple[float, float], set[bool]] = {}
    for step in range(0, 80):
        point = north(start, step * 10)
        by_cell.setdefault(coarse_point(*point, COARSE_CELL_M), set()).add(
            bool(nearby(client, point))
        )
    assert all(len(seen) == 1 for seen in by_cell.values())
    assert {True} in by_cell.values() and {False} in by_cell.values()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"lat": "51.5"},
        {"lat": "abc", "lon": "7.4"},
        {"lat": "91", "lon": "7.4"},
        {"lat": "51.5", "lon": "181"},
        {"lat": "nan", "lon": "7.4"},
        {"lat": "51.5", "lon": "-inf"},
    ],
)
def test_bad_points_get_a_400_with_a_clear_message(client, query):
    response = client.get("/karte/nearby.json", query_string={**query, "lang": "en"})
    assert response.status_code == 400
    assert "lat and lon must be a latitude" in response.get_json()["error"]


def test_a_german_comma_is_understood(client, make_report):
    report = make_report("papierkorb-voll", RATHAUS)
    response = client.get("/karte/nearby.json?lat=51,5136&lon=7,4653")
    assert [r["reference"] for r in response.get_json()["reports"]] == [report.reference]
