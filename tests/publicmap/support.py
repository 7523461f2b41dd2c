"""A fixed set of reports for the public map's tests, with places and counts worked out by hand.

Grid at zoom 12 (``app/publicmap/grid.py``): cells of 360° / 2¹² / 4 = 0.02197265625° of
longitude and that × cos(51.5136°) ≈ 0.0136742° of latitude, numbered from (-90°, -180°).

| name | place | lat, lon | zoom-12 cell (row, col) |
|---|---|---|---|
| A1–A3 | around the Rathaus (Innenstadt-West) | 51.5130…51.5140, 7.4648…7.4660 | 10348, 8531 |
| B1, B2 | Phoenix See (Hörde) | 51.4886/51.4890, 7.5126/7.5130 | 10347, 8533 |
| C | Borsigplatz (Innenstadt-Nord) | 51.5233, 7.4817 | 10349, 8532 |
| D | unsafe place (Innenstadt-Ost) | 51.4990, 7.4760; public: 51.498456, 7.475868 | 10347, 8532 |

e.g. A1: (51.5136 + 90) / 0.0136742 = 10348.94 → row 10348, (7.4653 + 180) / 0.0219727 = 8531.8
→ col 8531. At zoom 8 (cells 16 times as large) all seven lie in one cell.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from app.core.enums import ReportStatus
from app.extensions import db
from app.reports.models import Report

A = [(51.5136, 7.4653), (51.5140, 7.4660), (51.5130, 7.4648)]
B = [(51.4886, 7.5126), (51.4890, 7.5130)]
C = (51.5233, 7.4817)
D_EXACT = (51.4990, 7.4760)
D_PUBLIC = (51.498456, 7.475868)  # its 250 m cell's centre (coarse_point), to 6 places
CITY_BBOX = "7.30,51.40,7.65,51.62"


def set_report(report: Report, *, status: ReportStatus | None = None, created=None) -> None:
    values = {}
    if status is not None:
        values["status"] = status.value
    if created is not None:
        values["created_at"] = created
        values["updated_at"] = created
    db.session.execute(sa.update(Report.__table__).where(Report.id == report.id).values(values))
    db.session.commit()


def fixed_reports(make_report) -> dict[str, Report]:
    """The seven reports above; B2 resolved; C and D made in March 2025, the rest in 2026."""
    made = {}
    for i, point in enumerate(A, 1):
        made[f"A{i}"] = make_report("papierkorb-voll", point)
    made["B1"] = make_report("laterne-aus", B[0])
    made["B2"] = make_report("wilder-muell", B[1])
    made["C"] = make_report("laterne-aus", C)
    made["D"] = make_report("unsicherer-ort", D_EXACT)
    for name, report in made.items():
        day = datetime(2025, 3, 10, 12, 0, tzinfo=UTC) if name in "CD" else None
        day = day or datetime(2026, 1, 5 + list(made).index(name), 12, 0, tzinfo=UTC)
        set_report(report, created=day)
    set_report(made["B2"], status=ReportStatus.RESOLVED)
    return made
