"""Run every benchmark and print each figure beside its limit."""

from __future__ import annotations

import logging

from benchmarks import geo_photos


def main() -> None:
    logging.disable(logging.WARNING)
    print("Quartiersmelder benchmarks (figure, then the limit measured in this run)")
    geo_photos.district_lookup()
    geo_photos.photo_processing()
    try:
        from benchmarks import intake_http
    except ImportError:
        return
    intake_http.intake_throughput()


if __name__ == "__main__":
    main()
