"""Run every benchmark and print each figure beside its limit (``make bench``).

The inbox figures insert a million reports per database (``BENCH_INBOX_REPORTS`` changes it);
PostgreSQL figures need ``BENCH_POSTGRES_URL`` (default: database ``bench`` on 127.0.0.1).
"""

from __future__ import annotations

import logging

from benchmarks import bot, geo_photos, inbox, intake_http, outbox, public_map, statistics
from benchmarks.setup import POSTGRES_URL, postgres_available


def city_scale(label: str, database_url: str | None = None) -> None:
    """The figures at a million reports, measured on one filled database per engine."""
    app = inbox.filled_app(database_url, label)
    inbox.inbox_first_page(app, label)
    public_map.cluster_endpoint(app, label)
    statistics.statistics_page(app, label)


def main() -> None:
    logging.disable(logging.WARNING)
    print("Quartiersmelder benchmarks (figure, then the limit measured in this run)")
    geo_photos.district_lookup()
    geo_photos.photo_processing()
    bot.bot_step_times()
    outbox.deliveries_per_second()
    intake_http.intake_throughput()
    city_scale("SQLite")
    if postgres_available():
        intake_http.intake_throughput(POSTGRES_URL, "PostgreSQL")
        city_scale("PostgreSQL", POSTGRES_URL)
    else:
        print(f"PostgreSQL at {POSTGRES_URL} not reachable: PostgreSQL figures skipped")


if __name__ == "__main__":
    main()
