"""``PageFormat`` writes dates and times as Flask-Babel does (the inbox's rows use it): the same
text in every language, in the city's time zone, on both sides of the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _

from app.core.formatting import PageFormat
from app.core.locale import when
from app.inbox.presenters import local_date, local_datetime

# Around the change to summer time (2026-03-29, 01:00 UTC) and back (2026-10-25, 01:00 UTC),
# midnight in Berlin, the turn of the year.
MOMENTS = [
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    datetime(2026, 7, 1, 22, 15, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 5, tzinfo=UTC),
    datetime(2026, 12, 31, 22, 5),  # noqa: DTZ001 - naive: UTC
]


@pytest.mark.parametrize("lang", ["de", "en", "tr", "ar"])
def test_dates_and_times_are_flask_babels(app_ctx, lang):
    with app_ctx.test_request_context("/"), force_locale(lang):
        fmt = PageFormat()
        for moment in MOMENTS:
            # Flask-Babel's own formatting (pytz, rebased to the city's zone) is the reference.
            medium = format_date(moment, "medium")
            short = format_time(moment, "short")
            long = format_date(moment, "long")
            assert fmt.date(moment) == local_date(moment) == medium
            assert fmt.time(moment) == short
            assert fmt.datetime(moment) == local_datetime(moment)
            assert local_datetime(moment) == _("%(date)s, %(time)s", date=medium, time=short)
            assert when(moment) == _("%(date)s, %(time)s", date=long, time=short)
        # Every minute of the night the clocks go back, twice over.
        start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
        for minutes in range(0, 240, 7):
            moment = start + timedelta(minutes=minutes)
            assert fmt.datetime(moment) == local_datetime(moment)


def test_the_hour_the_clocks_go_back_is_written_twice(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("de"):
        fmt = PageFormat()
        first = fmt.time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
        second = fmt.time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert first == second == "02:30"
