"""Statements and one-client latency of the public reads and the inbox page.

A small look, not part of ``make bench``: an app on a fresh database (SQLite in a temporary
directory, or ``--postgres URL``) with 60 reports, one of them with a released photo, a copy
to another department, a supporter and a public status note; then each page asked ``--rounds``
times in a row through the WSGI app (one client, no server in between). Prints per page the
SQL statements of one request and the median and p95 time of a request.

    .venv/bin/python -m benchmarks.page_reads [--rounds 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import sqlalchemy as sa

from app.extensions import db

FRIEDENSPLATZ = (51.5136, 7.4653)
UNSAFE = (51.524173, 7.481658)


def _setup(app) -> tuple[str, str, object, str]:
    from app.auth.models import Role
    from app.auth.services import create_user
    from app.core.enums import Channel, ReportStatus
    from app.core.events import Actor
    from app.open311.keys import create_api_key
    from app.reports import workflow
    from app.reports.models import Report, ReportPhoto, ReportSupporter

    with app.app_context():
        _key, token = create_api_key("page reads")
        create_user(
            "caseworker@example.invalid",
            "Caseworker",
            "a long bench password",
            Role.CASEWORKER,
            ("edg",),
        )
        db.session.commit()
    client = app.test_client()
    references = []
    for i in range(60):
        data = _litter_form(token, i)
        if i == 0:
            data.update(
                service_code="unsicherer-ort",
                lat=str(UNSAFE[0]),
                long=str(UNSAFE[1]),
                **{"attribute[time_of_day]": "night", "attribute[reasons][]": ["dark"]},
            )
        answer = client.post("/open311/v2/requests.json", data=data)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        references.append(answer.get_json()[0]["service_request_id"])
    reference = references[1]
    with app.app_context():
        report = db.session.execute(
            sa.select(Report).where(Report.reference == reference)
        ).scalar_one()
        db.session.add(
            ReportPhoto(
                report_id=report.id,
                storage_key="0" * 64 + ".jpg",
                thumbnail_key="1" * 64 + ".jpg",
                width=2000,
                height=1500,
                is_public=True,
                anonymisation="done",
            )
        )
        db.session.add(ReportSupporter(report_id=report.id, channel=Channel.WEB, locale="de"))
        workflow.apply_status(
            report, ReportStatus.IN_PROGRESS, Actor("system", "bench"), "Wir kümmern uns."
        )
        db.session.commit()
    return references[0], reference, client, token


def _litter_form(token: str, i: int) -> dict[str, str]:
    """The Open311 form of a full litter bin, the ``i``-th a little further north."""
    return {
        "api_key": token,
        "service_code": "papierkorb-voll",
        "lat": str(FRIEDENSPLATZ[0] + i * 1e-4),
        "long": str(FRIEDENSPLATZ[1]),
        "description": f"Papierkorb {i} quillt über",
    }


def _login(client) -> None:
    import re

    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    data = {"email": "caseworker@example.invalid", "password": "a long bench password"}
    if match:
        data["csrf_token"] = match.group(1)
    assert client.post("/login", data=data).status_code == 302


def _measure(
    app,
    get: Callable[[], object],
    rounds: int,
    show: bool = False,
    before: Callable[[], object] | None = None,
) -> tuple[int, float, float]:
    """Statements of one ``get()`` and the median and p95 of ``rounds`` more, each after
    ``before()`` (not timed) where given."""
    seen: list[str] = []

    def record(conn, cursor, sql, *args):
        seen.append(sql)

    get()  # caches filled
    with app.app_context():
        engine = db.engine
    if before is not None:
        before()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        get()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if show:
        print("\n".join("    " + " ".join(sql.split())[:150] for sql in seen))
    times = []
    for _ in range(rounds):
        if before is not None:
            before()
        start = time.perf_counter()
        get()
        times.append(time.perf_counter() - start)
    times.sort()
    return len(seen), statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    from benchmarks.common import remove_temp_dirs
    from benchmarks.setup import bench_app, ensure_postgres_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--show", action="store_true", help="print each page's statements")
    args = parser.parse_args()
    if args.postgres:
        assert ensure_postgres_database(args.postgres), "PostgreSQL does not answer"
    app = bench_app(args.postgres, RATELIMIT_ENABLED=False)
    try:
        sensitive, reference, client, token = _setup(app)
        staff = app.test_client()
        _login(staff)

        def ok(c, url: str) -> Callable[[], object]:
            def get() -> object:
                response = c.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            return get

        def open311_list() -> object:
            from app.open311 import caching

            with app.app_context():
                caching.forget_answers()  # built anew, as after any new report
            return ok(client, "/open311/v2/requests.json?extensions=true")()

        def new_report() -> None:
            answer = client.post("/open311/v2/requests.json", data=_litter_form(token, 0))
            assert answer.status_code == 200, answer.get_data(as_text=True)

        pages = {
            "status page /r/<ref>": ok(client, f"/r/{reference}"),
            "status page, unsafe place": ok(client, f"/r/{sensitive}"),
            "confirmation /r/<ref>/submitted": ok(client, f"/report/{reference}/submitted"),
            "Open311 GET one request": ok(client, f"/open311/v2/requests/{reference}.json"),
            "Open311 list (50, built anew)": open311_list,
            "Open311 list, after a new report": ok(
                client, "/open311/v2/requests.json?extensions=true"
            ),
            "inbox page (50 reports)": ok(staff, "/inbox/"),
        }
        # Before each: a new report (the list's state moved, 49 of its 50 reports did not).
        before = {"Open311 list, after a new report": new_report}
        print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {args.rounds} rounds")
        print(f"{'page':36} {'statements':>10} {'median ms':>10} {'p95 ms':>8}")
        for name, get in pages.items():
            count, median, p95 = _measure(app, get, args.rounds, args.show, before.get(name))
            print(f"{name:36} {count:>10} {median * 1000:>10.2f} {p95 * 1000:>8.2f}")
    finally:
        remove_temp_dirs()


if __name__ == "__main__":
    main()
