"""Run every benchmark and print each figure beside its limit (``make bench``).

The inbox figures insert a million reports per database (``BENCH_INBOX_REPORTS`` changes it);
PostgreSQL figures need ``BENCH_POSTGRES_URL`` (default: database ``bench`` on 127.0.0.1).
The figures are also written as JSON to ``bench-results/<timestamp>.json`` (the path is
printed at the end; ``scripts/bench_table.py`` makes the README's table from such files).
``BENCH_ONLY=load,intake`` runs some sections only (``SECTIONS`` names them).
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import UTC, datetime

from benchmarks import (
    bot,
    geo_photos,
    inbox,
    intake_http,
    load,
    open311_lists,
    outbox,
    public_map,
    statistics,
)
from benchmarks.common import machine_speed, remove_temp_dirs, write_results
from benchmarks.setup import POSTGRES_URL, postgres_available

SECTIONS = ("geo", "photos", "bot", "outbox", "intake", "city", "load")


def city_scale(label: str, database_url: str | None = None) -> None:
    """The inbox at 10k, 200k and 1M reports (databases kept in ``.bench-cache/`` and
    ``bench_inbox_<size>`` between runs); then the other figures at a million, on a scratch
    copy of the filled database (they may change its reports)."""
    inbox.inbox_at_scale(database_url, label)
    with inbox.scratch_copy(inbox.REPORTS, database_url) as app:
        public_map.cluster_endpoint(app, label)
        open311_lists.requests_list(app, label)
        statistics.statistics_page(app, label)


def selected_sections(value: str | None = None) -> list[str]:
    """The sections ``BENCH_ONLY`` names (all when it is empty); an unknown name is an error."""
    value = os.environ.get("BENCH_ONLY", "") if value is None else value
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise SystemExit(
            f"BENCH_ONLY: unknown section {', '.join(unknown)}; known: {', '.join(SECTIONS)}"
        )
    return names or list(SECTIONS)


def run(sections: list[str]) -> None:
    if "geo" in sections:
        geo_photos.district_lookup()
    if "photos" in sections:
        geo_photos.photo_processing()
    if "bot" in sections:
        bot.bot_step_times()
    if "outbox" in sections:
        outbox.deliveries_per_second()
    if "intake" in sections:
        intake_http.intake_throughput()
    if "city" in sections:
        city_scale("SQLite")
    postgres_sections = [name for name in sections if name in ("intake", "city", "load")]
    if not postgres_sections:
        return
    if not postgres_available():
        print(f"PostgreSQL at {POSTGRES_URL} not reachable: PostgreSQL figures skipped")
        return
    if "intake" in sections:
        intake_http.intake_throughput(POSTGRES_URL, "PostgreSQL")
    if "city" in sections:
        city_scale("PostgreSQL", POSTGRES_URL)
    if "load" in sections:
        load.mixed_load()
        load.shared_limits()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    logging.disable(logging.WARNING)
    # Stopped from outside (kill, a timeout): still write the results so far, stop the child
    # processes and remove the temporary directories.
    signal.signal(signal.SIGTERM, _stop)
    sections = selected_sections()
    started = datetime.now(UTC)
    print("Quartiersmelder benchmarks (figure, then the limit measured in this run)")
    print(
        f"machine: {os.cpu_count()} CPUs; a million-step Python loop takes "
        f"{machine_speed():.0f} ms (runs on machines of other speeds compare by ratios only)"
    )
    try:
        run(sections)
    finally:
        path = write_results(started, only=None if sections == list(SECTIONS) else sections)
        print(f"Results as JSON: {path}")
        remove_temp_dirs()


if __name__ == "__main__":
    main()
