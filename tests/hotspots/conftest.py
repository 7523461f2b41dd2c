"""A fixed data set of reports for the hotspot tests, with hand-placed points and dates."""

from __future__ import annotations

from datetime import timedelta

import h3
import pytest

from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db

# Centres of three h3 cells in Dortmund (resolution 9, edge about 200 m): points within 20 m of
# a centre lie in that cell.
CITY_CENTRE = h3.cell_to_latlng(h3.latlng_to_cell(51.5136, 7.4653, 9))
HOERDE = h3.cell_to_latlng(h3.latlng_to_cell(51.4855, 7.5135, 9))
EICHLINGHOFEN = h3.cell_to_latlng(h3.latlng_to_cell(51.4830, 7.4150, 9))
# Unsafe places: two points 120 m apart in the Nordstadt (Innenstadt-Nord, a copy goes to the
# Quartiersmanagement), and one far away in Hombruch.
NORDSTADT = (51.5233, 7.4817)
NORDSTADT_2 = (51.5240, 7.4830)
HOMBRUCH = (51.4700, 7.4400)


def near(point: tuple[float, float], north_m: float = 0.0, east_m: float = 0.0):
    return (point[0] + north_m / 111_320, point[1] + east_m / 69_300)


@pytest.fixture
def data_set(make_report):
    """The reports, with their creation times set relative to ``now``.

    City centre cell (sauberkeit): 4 counted reports (1, 9, 20 and 55 days ago), plus one
    duplicate and one rejected (not counted), one created exactly 8 weeks ago (outside the
    window) and two lighting reports (another group).
    Hörde cell (sauberkeit): 2 reports (below the threshold of 3).
    Eichlinghofen cell (sauberkeit): 3 reports, the oldest 8 weeks minus one minute ago (just
    inside the window): a hotspot of 3.
    Unsafe places: 3 in the Nordstadt within 12 weeks (one res-8 cell), 1 in Hombruch.
    """
    now = utcnow()
    made: dict[str, object] = {}

    def add(name, category, point, age, status=None, **fields):
        report = make_report(category, point, **fields)
        report.created_at = now - age
        if status is not None:
            report.status = status
        db.session.commit()
        made[name] = report
        return report

    day = timedelta(days=1)
    add("c1", "papierkorb-voll", near(CITY_CENTRE, 10, 0), 1 * day)
    add("c2", "wilder-muell", near(CITY_CENTRE, -15, 5), 9 * day)
    add("c3", "littering", near(CITY_CENTRE, 0, -12), 20 * day)
    add("c4", "papierkorb-voll", near(CITY_CENTRE, 5, 15), 55 * day)
    add("c_dup", "papierkorb-voll", near(CITY_CENTRE, 2, 2), 2 * day, ReportStatus.DUPLICATE)
    add("c_rej", "papierkorb-voll", near(CITY_CENTRE, 3, 3), 3 * day, ReportStatus.REJECTED)
    add("c_old", "papierkorb-voll", near(CITY_CENTRE, 4, 4), timedelta(weeks=8))
    add("l1", "laterne-aus", near(CITY_CENTRE, 1, 1), 2 * day)
    add("l2", "laterne-aus", near(CITY_CENTRE, 6, 1), 4 * day)
    add("h1", "papierkorb-voll", near(HOERDE, 5, 5), 2 * day)
    add("h2", "papierkorb-voll", near(HOERDE, -5, 5), 3 * day)
    add("e1", "wilder-muell", near(EICHLINGHOFEN, 5, 0), 6 * day)
    add("e2", "wilder-muell", near(EICHLINGHOFEN, -5, 0), 13 * day)
    add("e3", "wilder-muell", near(EICHLINGHOFEN, 0, 5), timedelta(weeks=8) - timedelta(minutes=1))
    add("u1", "unsicherer-ort", NORDSTADT, 3 * day)
    add("u2", "unsicherer-ort", NORDSTADT_2, 30 * day)
    add("u3", "unsicherer-ort", NORDSTADT, 70 * day)
    add("u4", "unsicherer-ort", HOMBRUCH, 5 * day)
    return now, made
