"""Dated daily snapshots: written by the command, listed on the page, served, pruned."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date

import pytest

from app.opendata import snapshots


@pytest.fixture
def snapshot_dir(app_ctx, tmp_path, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "OPEN_DATA_SNAPSHOT_DIR", str(tmp_path / "open-data"))
    monkeypatch.setitem(app_ctx.config, "OPEN_DATA_SNAPSHOT_KEEP_DAYS", 3)
    return tmp_path / "open-data"


def test_the_command_writes_both_files_and_the_page_links_them(
    app_ctx, client, make_report, snapshot_dir
):
    litter = make_report("papierkorb-voll", (51.5115, 7.4650))
    result = app_ctx.test_cli_runner().invoke(
        args=["open-data", "snapshot", "--date", "2026-03-02"]
    )
    assert result.exit_code == 0, result.output
    assert "reports-2026-03-02.csv.gz" in result.output
    assert sorted(p.name for p in snapshot_dir.iterdir()) == [
        "reports-2026-03-02.csv.gz",
        "reports-2026-03-02.geojson.gz",
    ]

    page = client.get("/open-data/").get_data(as_text=True)
    assert 'href="/open-data/snapshots/reports-2026-03-02.csv.gz"' in page

    response = client.get("/open-data/snapshots/reports-2026-03-02.csv.gz")
    assert response.status_code == 200
    assert response.mimetype == "application/gzip"
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(response.data).decode(), newline="")))
    assert [row["reference"] for row in rows] == [litter.reference]
    response.close()

    geojson = client.get("/open-data/snapshots/reports-2026-03-02.geojson.gz")
    features = json.loads(gzip.decompress(geojson.data))["features"]
    assert [f["id"] for f in features] == [litter.reference]
    geojson.close()


def test_old_snapshots_are_pruned(app_ctx, snapshot_dir):
    for day in ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"):
        snapshots.write_snapshot(date.fromisoformat(day))
    assert sorted({s.day.isoformat() for s in snapshots.snapshots()}) == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
    ]
    assert not [p for p in snapshot_dir.iterdir() if p.name.startswith(".writing-")]


@pytest.mark.parametrize(
    "name",
    [
        "reports-2026-03-09.csv.gz",  # no such snapshot
        "..%2Fquartiersmelder.sqlite",
        "reports-2026-03-02.csv",
        "other.txt",
    ],
)
def test_only_snapshot_files_are_served(client, snapshot_dir, name):
    assert client.get(f"/open-data/snapshots/{name}").status_code == 404


def test_no_snapshots_no_list(client, snapshot_dir):
    assert 'id="snapshots"' not in client.get("/open-data/").get_data(as_text=True)
