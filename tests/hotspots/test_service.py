"""Which cells become hotspots, with which counts and trend — against the hand-made data set."""

from __future__ import annotations

import h3
import pytest

from app.hotspots.config import (
    SENSITIVE_MAX_RESOLUTION,
    HotspotConfigError,
    coarser_than_public_grid,
    rule_for,
)
from app.hotspots.service import find_hotspots, hotspot_groups
from app.reports.public_point import COARSE_CELL_M
from tests.hotspots.conftest import CITY_CENTRE, EICHLINGHOFEN, HOERDE


def rules():
    return {group.code: group.rule for group in hotspot_groups()}


def test_dortmund_thresholds_come_from_the_city_configuration(app_ctx):
    sauberkeit, unsafe, other = rules()["sauberkeit"], rules()["unsicherer-ort"], rules()["gruen"]
    assert (sauberkeit.resolution, sauberkeit.min_reports, sauberkeit.weeks) == (9, 3, 8)
    assert not sauberkeit.is_public
    assert (unsafe.resolution, unsafe.min_reports, unsafe.weeks) == (8, 3, 12)
    assert unsafe.is_public and unsafe.is_sensitive
    assert (other.resolution, other.min_reports, other.weeks, other.is_public) == (9, 3, 8, False)


def test_cleanliness_hotspots(data_set):
    now, made = data_set
    found = find_hotspots(rules()["sauberkeit"], now=now)
    by_cell = {hotspot.cell: hotspot for hotspot in found}
    centre = h3.latlng_to_cell(*CITY_CENTRE, 9)
    eichlinghofen = h3.latlng_to_cell(*EICHLINGHOFEN, 9)
    # Hörde has only 2 reports; the city centre 4 (duplicate, rejected and the one exactly
    # 8 weeks old left out, lighting is another group); Eichlinghofen 3, the oldest 1 minute
    # inside the window.
    assert set(by_cell) == {centre, eichlinghofen}
    assert h3.latlng_to_cell(*HOERDE, 9) not in by_cell
    assert [h.cell for h in found] == [centre, eichlinghofen]  # most reports first

    hotspot = by_cell[centre]
    assert hotspot.reports == 4
    assert hotspot.report_ids == tuple(made[n].id for n in ("c1", "c2", "c3", "c4"))
    assert hotspot.first == made["c4"].created_at
    assert hotspot.last == made["c1"].created_at
    # Weeks counted back from now, oldest first: 55 days ago is in week 1 of 8 (days 56–49),
    # 20 days in week 6 (days 21–14), 9 days in week 7 (days 14–7), 1 day in week 8.
    assert hotspot.weekly == (1, 0, 0, 0, 0, 1, 1, 1)
    assert hotspot.resolution == 9

    edge = by_cell[eichlinghofen]
    assert edge.reports == 3
    assert edge.weekly == (1, 0, 0, 0, 0, 0, 1, 1)


def test_the_window_edge(data_set):
    now, made = data_set
    rule = rules()["sauberkeit"]
    # One minute later the oldest Eichlinghofen report leaves the window, and with it the hotspot.
    from datetime import timedelta

    later = find_hotspots(rule, now=now + timedelta(minutes=1))
    assert h3.latlng_to_cell(*EICHLINGHOFEN, 9) not in {h.cell for h in later}
    # One minute earlier the city centre report of exactly 8 weeks is inside: 5 reports.
    earlier = {h.cell: h for h in find_hotspots(rule, now=now - timedelta(minutes=1))}
    assert earlier[h3.latlng_to_cell(*CITY_CENTRE, 9)].reports == 5


def test_unsafe_place_hotspots_are_counted_on_the_public_point_at_resolution_8(data_set):
    now, made = data_set
    found = find_hotspots(rules()["unsicherer-ort"], now=now)
    assert len(found) == 1
    hotspot = found[0]
    u1, u2, u3 = made["u1"], made["u2"], made["u3"]
    assert hotspot.reports == 3
    assert set(hotspot.report_ids) == {u1.id, u2.id, u3.id}
    assert hotspot.cell == h3.latlng_to_cell(u1.public_lat, u1.public_lon, 8)
    assert h3.get_resolution(hotspot.cell) == 8
    assert len(hotspot.weekly) == 12


@pytest.mark.parametrize("asked", [9, 10, 15])
def test_a_sensitive_group_is_never_finer_than_resolution_8(app_ctx, monkeypatch, asked):
    from app.cities.settings import city

    monkeypatch.setitem(
        city().raw, "hotspots", {"unsicherer-ort": {"resolution": asked, "public": True}}
    )
    assert rules()["unsicherer-ort"].resolution == SENSITIVE_MAX_RESOLUTION == 8
    # … and an ordinary group may be finer
    assert rule_for("sauberkeit", is_sensitive=False, config={"sauberkeit": {"resolution": asked}})
    assert rules()["sauberkeit"].resolution == 9


def test_sensitive_cells_are_coarser_than_the_public_grid(data_set):
    now, _made = data_set
    assert COARSE_CELL_M == 250
    assert coarser_than_public_grid(SENSITIVE_MAX_RESOLUTION)
    assert not coarser_than_public_grid(SENSITIVE_MAX_RESOLUTION + 1)
    for hotspot in find_hotspots(rules()["unsicherer-ort"], now=now):
        assert h3.cell_area(hotspot.cell, unit="m^2") > COARSE_CELL_M**2 * 4


def test_a_city_without_hotspot_settings_gets_the_defaults():
    rule = rule_for("anything", is_sensitive=False, config=None)
    assert (rule.resolution, rule.min_reports, rule.weeks, rule.is_public) == (9, 3, 8, False)
    sensitive = rule_for("unsafe", is_sensitive=True, config={})
    assert sensitive.resolution == 8 and not sensitive.is_public


@pytest.mark.parametrize(
    "entry", [{"resolution": 16}, {"min_reports": 0}, {"weeks": "8"}, {"resolution": True}]
)
def test_unusable_settings_are_refused_with_the_key(entry):
    with pytest.raises(HotspotConfigError, match=r"hotspots\.sauberkeit\."):
        rule_for("sauberkeit", is_sensitive=False, config={"sauberkeit": entry})


def test_department_scope(data_set, app_ctx):
    from app.extensions import db
    from app.routing.models import Department

    now, made = data_set
    ids = dict(db.session.execute(db.select(Department.code, Department.id)).all())
    unsafe = rules()["unsicherer-ort"]
    cleanliness = rules()["sauberkeit"]
    assert find_hotspots(cleanliness, now=now, department_ids={ids["ordnungsamt"]}) == []
    assert len(find_hotspots(cleanliness, now=now, department_ids={ids["edg"]})) == 2
    # The Quartiersmanagement gets copies of the Nordstadt reports: it sees that hotspot.
    copies = find_hotspots(unsafe, now=now, department_ids={ids["qm-nordstadt"]})
    assert [h.reports for h in copies] == [3]
    assert find_hotspots(unsafe, now=now, department_ids=set()) == []
