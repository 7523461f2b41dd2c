"""Dated daily snapshots of the open-data files, beside the live ones.

``flask open-data snapshot`` (run once a day, e.g. by cron or a systemd timer) writes
``reports-<YYYY-MM-DD>.csv.gz`` and ``reports-<YYYY-MM-DD>.geojson.gz`` (German names) to
``OPEN_DATA_SNAPSHOT_DIR`` (default ``instance/open-data``) and removes those older than
``OPEN_DATA_SNAPSHOT_KEEP_DAYS`` (default 90). A file is written under a temporary name and
renamed when complete, so a download never gets half a file; writing it again the same day
replaces it.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app

from app.opendata import export

KINDS = {"csv": export.csv_chunks, "geojson": export.geojson_chunks}
NAME = re.compile(r"^reports-(\d{4}-\d{2}-\d{2})\.(csv|geojson)\.gz$")
DEFAULT_KEEP_DAYS = 90


@dataclass(frozen=True)
class Snapshot:
    day: date
    kind: str
    name: str
    size: int


def snapshot_dir() -> Path:
    configured = current_app.config.get("OPEN_DATA_SNAPSHOT_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "instance" / "open-data"


def file_name(day: date, kind: str) -> str:
    return f"reports-{day.isoformat()}.{kind}.gz"


def write_snapshot(day: date, lang: str = "de") -> list[Snapshot]:
    """Write the day's files (the data as it is now) and prune old ones; returns the new files."""
    directory = snapshot_dir()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, chunks in KINDS.items():
        target = directory / file_name(day, kind)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".writing-", suffix=".gz")
        try:
            with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
                for chunk in chunks(lang, export.DEFAULT_BATCH):
                    out.write(chunk.encode("utf-8"))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(Snapshot(day, kind, target.name, target.stat().st_size))
    prune(day)
    return written


def snapshots() -> list[Snapshot]:
    """The snapshots there are, newest first."""
    directory = snapshot_dir()
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = NAME.match(path.name)
        if match and path.is_file():
            found.append(
                Snapshot(date.fromisoformat(match[1]), match[2], path.name, path.stat().st_size)
            )
    return sorted(found, key=lambda s: (s.day, s.kind), reverse=True)


def prune(today: date) -> int:
    keep = int(current_app.config.get("OPEN_DATA_SNAPSHOT_KEEP_DAYS", DEFAULT_KEEP_DAYS))
    oldest = today - timedelta(days=keep - 1)
    removed = 0
    for snapshot in snapshots():
        if snapshot.day < oldest:
            (snapshot_dir() / snapshot.name).unlink(missing_ok=True)
            removed += 1
    return removed
