"""The invented Musterstadt (``tests/fixtures/musterstadt``) on a database of its own: its
routing table, a resident's report and the Open311 API work as they do for Dortmund."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.enums import Channel
from app.core.events import Actor
from app.extensions import db
from app.geo.index import coarse_point
from app.open311.keys import create_api_key
from app.reports.drafts import ReportDraft
from app.reports.intake import submit_report
from app.routing.models import Department
from tests.cities.test_no_dortmund import musterstadt  # noqa: F401  (module fixture)

ALTSTADT = (48.095, 10.995)
NORDVIERTEL = (48.095, 11.025)
SUEDFELD = (48.095, 11.055)
DORTMUND_RATHAUS = (51.5136, 7.4653)


@pytest.fixture
def city(musterstadt):  # noqa: F811
    with musterstadt.app_context():
        yield musterstadt
        db.session.rollback()


@pytest.mark.parametrize(
    ("category", "point", "answers", "department", "copies"),
    [
        ("muellhaufen", ALTSTADT, {}, "bauhof", []),
        ("lampe-dunkel", SUEDFELD, {}, "stadtwerke", []),
        ("angstort", ALTSTADT, {"warum": "einsam"}, "ordnung", []),
        ("angstort", NORDVIERTEL, {"warum": "einsam"}, "ordnung", ["quartier-nord"]),
        ("angstort", NORDVIERTEL, {"warum": "finster"}, "ordnung", ["quartier-nord", "stadtwerke"]),
        ("angstort", SUEDFELD, {"warum": "finster"}, "ordnung", ["stadtwerke"]),
    ],
)
def test_the_routing_table_of_musterstadt(city, category, point, answers, department, copies):
    result = submit_report(
        ReportDraft(
            channel=Channel.WEB,
            category_code=category,
            lat=point[0],
            lon=point[1],
            attributes=answers,
        ),
        Actor("resident", "test"),
    )
    report = result.report
    assert report.reference.startswith("MS-")
    assert report.department.code == department
    assert sorted(c.department.code for c in report.copies) == sorted(copies)
    sensitive = category == "angstort"
    expected = coarse_point(*point) if sensitive else point
    assert (report.public_lat, report.public_lon) == expected


def test_open311_against_musterstadt(city):
    client = city.test_client()
    _key, token = create_api_key("musterstadt client")
    db.session.commit()
    services = client.get("/open311/v2/services.json").get_json()
    assert sorted(s["service_code"] for s in services) == [
        "angstort",
        "lampe-dunkel",
        "muellhaufen",
    ]
    assert {s["emergency_number"] for s in services} == {"112"}
    posted = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "angstort",
            "lat": str(NORDVIERTEL[0]),
            "long": str(NORDVIERTEL[1]),
            "attribute[warum]": "finster",
        },
        headers={"X-API-Key": token},
    )
    assert posted.status_code == 200, posted.data
    [created] = posted.get_json()
    reference = created["service_request_id"]
    assert reference.startswith("MS-")
    [item] = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    ordnung = db.session.execute(
        sa.select(Department.name).where(Department.code == "ordnung")
    ).scalar_one()
    assert item["agency_responsible"] == ordnung
    assert item["extended_attributes"]["coarse_location"] is True
    assert (item["lat"], item["long"]) == coarse_point(*NORDVIERTEL)
    refused = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "muellhaufen",
            "lat": str(DORTMUND_RATHAUS[0]),
            "long": str(DORTMUND_RATHAUS[1]),
        },
        headers={"X-API-Key": token},
    )
    assert refused.status_code == 400
    assert "Musterstadt" in refused.get_json()[0]["description"]
