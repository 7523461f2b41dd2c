"""CPU per Open311 POST inside the process, without HTTP: the real WSGI app (rate limiter on,
counting in Redis when it answers) called directly, beside the bench's bare one-row insert, in
alternating rounds; each side's figure is the median of its rounds' thread CPU per request.

It shows where the intake's time goes, apart from the server and the client that
``intake_http`` includes for both sides:

    .venv/bin/python -m benchmarks.intake_cpu                       # SQLite
    .venv/bin/python -m benchmarks.intake_cpu --database-url postgresql://…/bench_x
    .venv/bin/python -m benchmarks.intake_cpu --profile /tmp/intake.prof   # cProfile of ours

(``bench_app`` empties the database it is given: use one of your own.)
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

from werkzeug.test import EnvironBuilder

from benchmarks.intake_http import REDIS_URL, _bare_app, limited_app

FORM = {
    "service_code": "papierkorb-voll",
    "lat": "51.5136",
    "long": "7.4653",
    "description": "Papierkorb am Markt quillt über",
}


def _caller(wsgi: Callable, path: str, form: dict[str, str]) -> Callable[[], None]:
    body = urlencode(form).encode()

    def one() -> None:
        environ = EnvironBuilder(
            path=path,
            method="POST",
            data=body,
            content_type="application/x-www-form-urlencoded",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).get_environ()
        status: list[str] = []
        b"".join(wsgi(environ, lambda s, h, e=None: status.append(s)))
        assert status[0].startswith("20"), status

    return one


def _cpu_per_request(one: Callable[[], None], requests: int) -> float:
    start = time.thread_time()
    for _ in range(requests):
        one()
    return (time.thread_time() - start) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=200, help="per round")
    parser.add_argument("--rounds", type=int, default=5, help="per side")
    parser.add_argument("--profile", default=None, help="write a cProfile of ours here")
    args = parser.parse_args()
    logging.disable(logging.INFO)

    app, token, url, storage = limited_app(args.database_url)
    ours = _caller(app, "/open311/v2/requests.json", {"api_key": token, **FORM})
    bare = _caller(_bare_app(url), "/insert", {k: FORM[k] for k in ("description", "lat", "long")})
    for _ in range(20):  # warm-up: caches, connections
        ours()
        bare()
    ours_ms: list[float] = []
    bare_ms: list[float] = []
    for _ in range(args.rounds):
        ours_ms.append(_cpu_per_request(ours, args.requests))
        bare_ms.append(_cpu_per_request(bare, args.requests))
    mine, theirs = statistics.median(ours_ms), statistics.median(bare_ms)
    label = "PostgreSQL" if args.database_url else "SQLite"
    limits = "Redis" if storage == REDIS_URL else "memory"
    print(
        f"{label} (limits in {limits}): Open311 POST {mine:.2f} ms CPU per request, "
        f"bare insert {theirs:.2f} ms (÷{mine / theirs:.2f})"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [ours() for _ in range(args.requests)])
        profile.dump_stats(args.profile)
        print(f"profile of {args.requests} requests: {args.profile}")


if __name__ == "__main__":
    main()
