"""Run every benchmark and print each figure beside its limit."""

from __future__ import annotations

import logging

from benchmarks import geo_photos


def main() -> None:
    logging.disable(logging.WARNING)
    print("Quartiersmelder benchmarks (figure, then the limit measured in this run)")
    geo_photos.district_lookup()
    geo_photos.photo_processing()
    from benchmarks import bot

    bot.bot_step_times()
    from benchmarks import inbox, intake_http, outbox
    from benchmarks.setup import POSTGRES_URL, postgres_available

    intake_http.intake_throughput()
    inbox.inbox_first_page()
    outbox.deliveries_per_second()
    if postgres_available():
        intake_http.intake_throughput(POSTGRES_URL, "PostgreSQL")
        inbox.inbox_first_page(POSTGRES_URL, "PostgreSQL")
    else:
        print(f"PostgreSQL at {POSTGRES_URL} not reachable: PostgreSQL figures skipped")


if __name__ == "__main__":
    main()
