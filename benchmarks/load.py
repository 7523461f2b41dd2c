"""A load test of the whole product beside a bare app, and a run with two web processes and
two workers showing that limits, throttles and deliveries hold across processes.

**Mixed load** (``mixed_load``): the product as production runs it — gunicorn with
``BENCH_LOAD_WORKERS`` (4) workers of ``BENCH_LOAD_THREADS`` (4) threads (``scripts/serve-web``),
``QM_ENV=production``, rate limits counted in Redis, the forwarding worker delivering every
ticket to a local webhook sink — on a PostgreSQL database holding ``BENCH_LOAD_REPORTS``
(50,000) reports (``bench_load``, filled once and reused). Beside it the bare app
(``benchmarks/bare_app.py``) under the same gunicorn settings on the same database. An async
client with ``BENCH_LOAD_CLIENTS`` (8) connections sends the same mix to both: Open311 report
POSTs with an API key (some with a photo), public status pages, the Open311 list, the public
map's clusters and the inbox page logged in (``BENCH_LOAD_MIX`` for some types only). The
sides take turns (A/B, B/A, …, ``BENCH_LOAD_ROUNDS`` turns each, ``BENCH_LOAD_SECONDS`` (20)
seconds per side in all), so the machine's noise hits both. The product's photos are
anonymised by the photo runner (``flask photos work``, niced as the Procfile runs it) beside the
web and the worker, not in the request; after each turn of the product the photos left pending
are anonymised and then the outbox is drained (its tickets wait for their photos) before the
bare app's turn starts — how long that took is printed and recorded ("anonymised after the
turns"). Printed: throughput, p50/p95/p99 per request type and errors for both; verdicts
**≥ 0.7 × the bare throughput, p50 ≤ 2 × the bare p50 per type, 0 errors**, and every ticket of
the run delivered exactly once.

**Two of each** (``shared_limits``): two gunicorn web processes on different ports, two
workers and two photo runners on the same PostgreSQL and Redis. The web form's rate limit is
counted across both ports (the request after the limit is refused with 429 on the other port),
failed log-ins are throttled across both, and a burst of reports sent through both ports is
delivered exactly once by the two workers; the burst's photos are anonymised once each by the
two photo runners.

``python -m benchmarks.load`` runs both; ``benchmarks.load.run_load()`` is the generator
(used by the tests against the bare app on SQLite).
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx

from benchmarks.common import ROOT, line, temp_dir

T = TypeVar("T")

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "4"))
REPORTS = int(os.environ.get("BENCH_LOAD_REPORTS", "50000"))
WEB_WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
WEB_THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "4"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BURST = int(os.environ.get("BENCH_LOAD_BURST", "200"))  # reports of the two-process run

# Request types and their share of the mix.
MIX: dict[str, int] = {
    "report": 12,
    "report+photo": 3,
    "status page": 30,
    "open311 list": 15,
    "map clusters": 20,
    "inbox": 20,
}


def parse_mix(text: str) -> dict[str, int]:
    """``BENCH_LOAD_MIX``: "status page=1,inbox=1" sends those types only, in those shares
    (to see one type without the others' cost); empty: the whole mix."""
    if not text.strip():
        return dict(MIX)
    mix: dict[str, int] = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        kind = kind.strip()
        if kind not in MIX or not weight.strip().isdigit() or int(weight) < 1:
            raise SystemExit(
                f"BENCH_LOAD_MIX: {part.strip()!r} is not type=weight (types: {', '.join(MIX)})"
            )
        mix[kind] = int(weight)
    return mix


SECRET_ENV = "QM_SENDER_BENCH_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable
STAFF_EMAIL = "bench-load@example.invalid"
STAFF_PASSWORD = "a long bench password"  # noqa: S105 - a bench account on a bench database
BBOX = "7.40,51.48,7.52,51.58"
ZOOM = "13"
SEED_PREFIX = "BL-"


# --- the load generator --------------------------------------------------------------------


@dataclass
class Plan:
    """What the clients need to build their requests."""

    api_key: str
    references: Sequence[str]
    inbox_cookie: str
    photo: bytes
    mix: dict[str, int] = field(
        default_factory=lambda: parse_mix(os.environ.get("BENCH_LOAD_MIX", ""))
    )


@dataclass
class Sample:
    kind: str
    status: int  # 0: no answer (connection error, timeout)
    seconds: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Tally:
    """Samples of one side and the seconds the clients were sending."""

    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        self.samples.extend(other.samples)
        self.seconds += other.seconds

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(not s.ok for s in self.samples)

    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.samples}, key=list(MIX).index)

    def of(self, kind: str) -> list[Sample]:
        return [s for s in self.samples if s.kind == kind]

    def percentile(self, kind: str, q: float) -> float:
        return percentile([s.seconds for s in self.of(kind)], q)

    def summary(self) -> dict[str, Any]:
        """Requests, seconds, throughput, errors, and per type n, p50/p95/p99 (ms), errors."""
        return {
            "requests": len(self.samples),
            "seconds": round(self.seconds, 3),
            "throughput": round(self.throughput, 2),
            "errors": self.errors,
            "types": {
                kind: {
                    "n": len(self.of(kind)),
                    **{
                        f"p{round(q * 100)}_ms": round(self.percentile(kind, q) * 1000, 2)
                        for q in (0.5, 0.95, 0.99)
                    },
                    "errors": sum(not s.ok for s in self.of(kind)),
                }
                for kind in self.kinds()
            },
        }

    def error_statuses(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for s in self.samples:
            if not s.ok:
                key = f"{s.kind} {s.status or 'no answer'}"
                found[key] = found.get(key, 0) + 1
        return found


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0…1): the smallest value with at least q of all values at
    or below it; NaN without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _request(kind: str, plan: Plan, rng: random.Random) -> dict[str, Any]:
    if kind in ("report", "report+photo"):
        data = {
            "api_key": plan.api_key,
            "service_code": "papierkorb-voll",
            "lat": f"{51.49 + rng.random() * 0.06:.6f}",
            "long": f"{7.42 + rng.random() * 0.10:.6f}",
            "description": "Papierkorb quillt über (Lasttest)",
        }
        request: dict[str, Any] = {
            "method": "POST",
            "url": "/open311/v2/requests.json",
            "data": data,
        }
        if kind == "report+photo":
            request["files"] = {"media": ("photo.jpg", plan.photo, "image/jpeg")}
        return request
    if kind == "status page":
        return {"method": "GET", "url": f"/r/{rng.choice(plan.references)}"}
    if kind == "open311 list":
        return {"method": "GET", "url": "/open311/v2/requests.json"}
    if kind == "map clusters":
        return {"method": "GET", "url": "/karte/clusters.json?bbox=" + BBOX + "&zoom=" + ZOOM}
    if kind == "inbox":
        return {"method": "GET", "url": "/inbox/", "headers": {"Cookie": plan.inbox_cookie}}
    raise ValueError(kind)


async def _client(
    base_url: str, plan: Plan, deadline: float, rng: random.Random, out: list[Sample]
) -> tuple[int, float]:
    """Send requests one after another until the deadline; (answers, seconds from the first
    request's start to the last answer)."""
    kinds, weights = list(plan.mix), list(plan.mix.values())
    count, first, last = 0, 0.0, 0.0
    async with httpx.AsyncClient(
        base_url=base_url, timeout=60, trust_env=False, follow_redirects=False
    ) as client:
        while time.perf_counter() < deadline:
            kind = rng.choices(kinds, weights)[0]
            request = _request(kind, plan, rng)
            started = time.perf_counter()
            first = first or started
            try:
                response = await client.request(**request)
                await response.aread()
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            last = time.perf_counter()
            out.append(Sample(kind, status, last - started))
            count += 1
    return count, last - first


def run_async(coroutine_function: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end on an event loop of its own thread, so the load generator
    works from any caller, also one whose thread already runs an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function())).result()


def run_load(
    base_url: str, plan: Plan, seconds: float, clients: int = CLIENTS, seed: int = 1
) -> Tally:
    """``clients`` connections sending the mix to ``base_url`` for ``seconds``; every answer
    is one sample (type, status, time). A request still running at the deadline is waited
    for and counted. The throughput is the sum of each connection's answers per second, from
    its first request to its last answer (so neither a connection's setup nor the requests
    left running at the deadline bend it)."""
    samples: list[Sample] = []

    async def main() -> tuple[float, list[tuple[int, float]]]:
        started = time.perf_counter()
        deadline = started + seconds
        per_client = await asyncio.gather(
            *(
                _client(base_url, plan, deadline, random.Random(seed * 1000 + n), samples)
                for n in range(clients)
            )
        )
        return time.perf_counter() - started, list(per_client)

    elapsed, per_client = run_async(main)
    rate = combined_rate(per_client)
    return Tally(samples, len(samples) / rate if rate else elapsed)


def combined_rate(per_client: Sequence[tuple[int, float]]) -> float:
    """Answers per second of all connections: the sum of each one's (answers, seconds)."""
    return sum(count / spent for count, spent in per_client if count and spent > 0)


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Processes:
    """Child processes with their output in log files, each in a session of its own as honcho
    starts the Procfile's lines (on Linux with autogroups the CPU is shared between sessions
    first); all stopped (SIGTERM, then SIGKILL) on leaving."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("wb")
        child = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.children.append((name, child))
        return child

    def first_error(self, name: str, lines: int = 25) -> str:
        """The first traceback in a child's log (the lines after "Traceback"), or ''."""
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        start = text.find("Traceback")
        return "\n".join(text[start:].splitlines()[:lines]) if start >= 0 else ""

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for _, child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _, child in self.children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def gunicorn(app: str, port: int, workers: int = WEB_WORKERS) -> list[str]:
    """The web process as ``scripts/serve-web`` starts it (without the access log, for both
    sides: a log nobody reads is no part of the comparison)."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(WEB_THREADS),
        "--timeout",
        "60",
        # Several gunicorns run at once here: none takes the shared control socket's path.
        "--no-control-socket",
    ]


def wait_until_up(url: str, processes: Processes, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    child = dict(processes.children)[name]
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"{name} stopped:\n{processes.log_tail(name)}")
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer at {url}:\n{processes.log_tail(name)}")


def cookie_header(response: httpx.Response, jar: dict[str, str] | None = None) -> dict[str, str]:
    """The cookies a response sets, added to ``jar``. (By hand: the product's production
    cookies are ``Secure``, which a cookie jar keeps away from plain http.)"""
    jar = dict(jar or {})
    for value in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(value)
        for name, morsel in parsed.items():
            jar[name] = morsel.value
    return jar


def as_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(response: httpx.Response) -> str:
    found = _CSRF.search(response.text)
    if found is None:
        raise RuntimeError(f"no CSRF token in {response.request.url}")
    return found.group(1)


def log_in(base_url: str, email: str, password: str) -> str:
    """Log in through the product's form; the Cookie header of the session."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client:
        page = client.get("/login")
        jar = cookie_header(page)
        answer = client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_of(page)},
            headers={"Cookie": as_header(jar)},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"log-in failed: {answer.status_code}")
        return as_header(cookie_header(answer, jar))


def bare_log_in(base_url: str, email: str) -> str:
    with httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client:
        answer = client.post("/login", data={"email": email})
        answer.raise_for_status()
        return as_header(cookie_header(answer))


# --- the webhook sink ----------------------------------------------------------------------


class Sink(ThreadingHTTPServer):
    """Counts webhook deliveries per Idempotency-Key."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.keys: dict[str, int] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server: Sink = self.server  # type: ignore[assignment]
        key = self.headers.get("Idempotency-Key", "")
        with server.lock:
            server.keys[key] = server.keys.get(key, 0) + 1
        body = json.dumps({"id": key[:100]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# --- the database --------------------------------------------------------------------------


def load_database_url() -> str:
    from benchmarks.setup import POSTGRES_URL

    return os.environ.get("BENCH_LOAD_URL", POSTGRES_URL.rsplit("/", 1)[0] + "/bench_load")


def _fill(count: int, start: int) -> None:
    """Reports ``start``…``count - 1`` over three years, routed as the rules say."""
    import sqlalchemy as sa

    from app.catalogue.models import Category
    from app.core.db import utcnow
    from app.core.enums import Channel, LocationSource
    from app.extensions import db
    from app.geo.models import District
    from app.reports.models import Report
    from app.reports.public_point import public_point_of
    from app.routing.models import Department
    from app.routing.service import route

    rng = random.Random(start)
    categories = db.session.execute(sa.select(Category)).scalars().all()
    districts = db.session.execute(sa.select(District)).scalars().all()
    departments = {d.code: d.id for d in db.session.execute(sa.select(Department)).scalars()}
    routes = {}
    for category in categories:
        for district in districts:
            decision = route(category, district.number, district.name, {"reasons": ["deserted"]})
            code = decision.assignment.department_code if decision.assignment else None
            routes[category.id, district.id] = departments.get(code) if code else None
    statuses = ["new", "in_progress", "forwarded", "resolved", "rejected", "duplicate"]
    weights = [6, 5, 5, 75, 4, 5]
    now = utcnow()
    span = int(timedelta(days=3 * 365).total_seconds())
    for first in range(start, count, 10_000):
        rows = []
        for i in range(first, min(first + 10_000, count)):
            category = rng.choice(categories)
            district = rng.choice(districts)
            created = now - timedelta(seconds=rng.randrange(span))
            lat, lon = 51.48 + rng.random() / 10, 7.40 + rng.random() / 8
            public_lat, public_lon = public_point_of(lat, lon, sensitive=category.is_sensitive)
            rows.append(
                {
                    "reference": f"{SEED_PREFIX}{i:07d}",
                    "category_id": category.id,
                    "status": rng.choices(statuses, weights)[0],
                    "description": "Lasttest-Meldung",
                    "attributes": {},
                    "lat": lat,
                    "lon": lon,
                    "public_lat": public_lat,
                    "public_lon": public_lon,
                    "location_source": LocationSource.MAP.value,
                    "district_id": district.id,
                    "department_id": routes[category.id, district.id],
                    "routing_reason": {},
                    "channel": Channel.WEB.value,
                    "locale": "de",
                    "created_at": created,
                    "updated_at": created,
                    "due_at": created + timedelta(days=14),
                    "version": 1,
                    "is_description_hidden": False,
                }
            )
        db.session.execute(sa.insert(Report), rows)
        db.session.commit()


@dataclass
class Prepared:
    database_url: str
    api_key: str
    references: list[str]
    delivery_mark: int  # deliveries with a higher id were made by this run


def prepare(database_url: str, sink_url: str, reports: int = REPORTS) -> Prepared:
    """Migrate the load database (created if missing), fill it up to ``reports`` seeded
    reports (kept between runs), point every department's forwarding at the sink, and add a
    staff account and a fresh API key."""
    import sqlalchemy as sa
    from alembic.util.exc import CommandError
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import Role, User
    from app.auth.services import create_user
    from app.cities.seed import load_city
    from app.extensions import db
    from app.open311.keys import create_api_key
    from app.routing.models import Department
    from config import TestConfig, normalise_database_url

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
    app = create_app(config)
    with app.app_context():
        try:
            upgrade()
        except (CommandError, SystemExit):
            # The database was migrated by code that is gone (a migration renamed or removed
            # since; Flask-Migrate logs it and exits): start it afresh rather than fail.
            print("  (load database: its migration is unknown to this code; filled afresh)")
            db.session.rollback()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            upgrade()
        if not db.session.execute(sa.text("SELECT count(*) FROM category")).scalar():
            load_city(app.config["CITY_DIR"])
            db.session.commit()
        have = db.session.execute(
            sa.text("SELECT count(*) FROM report WHERE reference LIKE :p"),
            {"p": SEED_PREFIX + "%"},
        ).scalar_one()
        if have < reports:
            started = time.perf_counter()
            _fill(reports, have)
            with db.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
            print(
                f"  (load database: {reports - have:,} reports added in "
                f"{time.perf_counter() - started:.0f} s)"
            )
        for department in db.session.execute(sa.select(Department)).scalars():
            department.forward_method = "webhook"
            department.forward_config = {"url": sink_url, "secret_env": SECRET_ENV}
        if db.session.execute(sa.select(User).filter_by(email=STAFF_EMAIL)).scalar() is None:
            create_user(STAFF_EMAIL, "Lasttest", STAFF_PASSWORD, Role.CASEWORKER, ["edg"])
        _, token = create_api_key(f"bench load {secrets.token_hex(4)}")
        db.session.commit()
        references = list(
            db.session.execute(
                sa.text("SELECT reference FROM report WHERE reference LIKE :p ORDER BY id"),
                {"p": SEED_PREFIX + "%"},
            ).scalars()
        )
        mark = db.session.execute(sa.text("SELECT coalesce(max(id), 0) FROM delivery")).scalar()
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
        db.engine.dispose()
    from benchmarks import bare_app

    engine = sa.create_engine(url)
    bare_app.metadata.create_all(engine, checkfirst=True)
    engine.dispose()
    return Prepared(url, token, references, int(mark or 0))


def product_env(database_url: str, photo_dir: Path, **extra: str) -> dict[str, str]:
    """The product's environment as in production (README "Production"), offline."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and not k.startswith(("QM_", "RATELIMIT_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "QM_ENV": "production",
            "SECRET_KEY": "bench-" + secrets.token_hex(16),
            "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "PHOTO_STORAGE_DIR": str(photo_dir),
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "GEOCODER_URL": "",
            "MAP_TILES_URL": "",
            "SMTP_HOST": "",
            "TELEGRAM_API_URL": "",
            "SENDER_ALLOW_PRIVATE_NETWORKS": "1",
            SECRET_ENV: "bench-secret",
            "MAIL_FROM": "Quartiersmelder <melder@example.invalid>",
            # The limiter is on and counts in Redis; the Open311 key and the map's address
            # get budgets above what 8 clients from one address send.
            "OPEN311_RATE_LIMIT": "1000000/minute",
            "PUBLIC_MAP_RATE_LIMIT": "1000000/minute",
        }
    )
    env.update(extra)
    return env


def pending_of_run(database_url: str, mark: int) -> tuple[int, list[str]]:
    """(deliveries of this run still pending, idempotency keys of those sent)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            pending = conn.execute(
                sa.text("SELECT count(*) FROM delivery WHERE id > :m AND status = 'pending'"),
                {"m": mark},
            ).scalar_one()
            sent = (
                conn.execute(
                    sa.text(
                        "SELECT idempotency_key FROM delivery WHERE id > :m AND status <> 'pending'"
                    ),
                    {"m": mark},
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    return int(pending), list(sent)


def workers_of_run(database_url: str, mark: int) -> int:
    """How many worker processes made the delivery attempts of this run."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(DISTINCT worker) FROM delivery_attempt WHERE delivery_id > :m"
                    ),
                    {"m": mark},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def pending_photos(database_url: str) -> int:
    """Photos still waiting for the photo runner."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM report_photo WHERE anonymisation = 'pending'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


@dataclass
class PhotoDrain:
    """Photos the runner anonymised after the product's turns, and the seconds it took."""

    photos: int = 0
    seconds: float = 0.0
    complete: bool = True

    def add(self, photos: int, seconds: float, complete: bool) -> None:
        self.photos += photos
        self.seconds += seconds
        self.complete = self.complete and complete


def drain_photos(database_url: str, timeout: float = 600) -> tuple[int, float, bool]:
    """Wait until the photo runner(s) have anonymised every pending photo: (photos pending at
    the start, seconds until none was, whether it got there within ``timeout``)."""
    started = time.perf_counter()
    first = left = pending_photos(database_url)
    while left and time.perf_counter() - started < timeout:
        time.sleep(0.2)
        left = pending_photos(database_url)
    return first, time.perf_counter() - started if first else 0.0, left == 0


def photo_runner(*extra: str) -> list[str]:
    """The Procfile's ``photos`` process (it lowers its own priority: ANONYMISE_NICE)."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", "photos", "work", *extra]


def drain(database_url: str, mark: int, timeout: float = 120) -> bool:
    """Wait until the worker has sent every delivery of this run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending_of_run(database_url, mark)[0] == 0:
            return True
        time.sleep(0.5)
    return False


def exactly_once(sink: Sink, database_url: str, mark: int) -> tuple[int, int, int]:
    """(deliveries of the run, those the sink saw exactly once, those it saw more than once)."""
    pending, sent = pending_of_run(database_url, mark)
    with sink.lock:
        seen = dict(sink.keys)
    once = sum(1 for key in sent if seen.get(key) == 1)
    more = sum(1 for key in sent if seen.get(key, 0) > 1)
    return pending + len(sent), once, more


def phone_photo(size: tuple[int, int] = (2016, 1512)) -> bytes:
    """A phone-like JPEG (noise, so it does not compress to nothing)."""
    from PIL import Image

    image = Image.merge("RGB", [Image.effect_noise(size, sigma) for sigma in (40, 60, 80)])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


# --- the mixed load ------------------------------------------------------------------------


def _table(title: str, tally: Tally) -> None:
    print(
        f"  {title}: {len(tally.samples):,} requests in {tally.seconds:.1f} s = "
        f"{tally.throughput:.0f}/s, {tally.errors} errors"
    )
    print(f"    {'type':<14} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in tally.kinds():
        samples = tally.of(kind)
        p50, p95, p99 = (tally.percentile(kind, q) * 1000 for q in (0.5, 0.95, 0.99))
        errors = sum(not s.ok for s in samples)
        print(f"    {kind:<14} {len(samples):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors:>7}")
    if tally.errors:
        print(f"    errors by type and status: {tally.error_statuses()}")


def alternate(
    sides: dict[str, Callable[[float, int], Tally]],
    seconds: float,
    rounds: int,
    after: dict[str, Callable[[], None]] | None = None,
) -> dict[str, Tally]:
    """Each side in turns (A/B, then B/A, …) for ``seconds / rounds`` per turn."""
    tallies = {name: Tally() for name in sides}
    names = list(sides)
    for number in range(rounds):
        order = names if number % 2 == 0 else names[::-1]
        for name in order:
            tallies[name].add(sides[name](seconds / rounds, number + 1))
            if after and name in after:
                after[name]()
    return tallies


def mixed_load(database_url: str | None = None) -> None:
    """The product and the bare app under the same mixed load, in turns; prints the figures."""
    from benchmarks.setup import ensure_postgres_database

    url = database_url or load_database_url()
    if not ensure_postgres_database(url):
        print(f"PostgreSQL at {url} not reachable: load test skipped")
        return
    label = "PostgreSQL"
    work = temp_dir("qm-bench-load-")
    with Sink() as sink, Processes(work) as processes:
        prepared = prepare(url, sink.url)
        ours_port, bare_port = free_port(), free_port()
        env = product_env(prepared.database_url, work / "photos")
        processes.start("web", gunicorn("wsgi:app", ours_port), env)
        processes.start("worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env)
        processes.start("photos", photo_runner(), env)
        ours_url = f"http://127.0.0.1:{ours_port}"
        wait_until_up(f"{ours_url}/healthz", processes, "web")
        # The bare app lists as many reports as the product does by default.
        listed = httpx.get(f"{ours_url}/open311/v2/requests.json", trust_env=False, timeout=60)
        listed.raise_for_status()
        bare_env = {
            **env,
            "BARE_LIST_SIZE": str(len(listed.json())),
            "BARE_PHOTO_DIR": str(work / "bare-photos"),
        }
        processes.start("bare", gunicorn("benchmarks.bare_app:app", bare_port), bare_env)
        bare_url = f"http://127.0.0.1:{bare_port}"
        wait_until_up(f"{bare_url}/healthz", processes, "bare")
        photo = phone_photo()
        plans = {
            "product": Plan(
                prepared.api_key,
                prepared.references,
                log_in(ours_url, STAFF_EMAIL, STAFF_PASSWORD),
                photo,
            ),
            "bare": Plan(
                prepared.api_key, prepared.references, bare_log_in(bare_url, STAFF_EMAIL), photo
            ),
        }
        urls = {"product": ours_url, "bare": bare_url}
        for name in urls:  # warm up: every worker process connects and fills its caches
            run_load(urls[name], plans[name], 2.0, CLIENTS, seed=0)
        drain_photos(prepared.database_url)
        drain(prepared.database_url, prepared.delivery_mark)
        print(
            f"  (mixed load: {CLIENTS} clients, {SECONDS:g} s per side in {ROUNDS} turns each, "
            f"{len(prepared.references):,} reports stored, gunicorn {WEB_WORKERS} workers × "
            f"{WEB_THREADS} threads; load average before {os.getloadavg()[0]:.2f}; "
            f"mix {plans['product'].mix})"
        )
        drained: list[bool] = []
        photos = PhotoDrain()

        def side(name: str) -> Callable[[float, int], Tally]:
            return lambda seconds, turn: run_load(urls[name], plans[name], seconds, CLIENTS, turn)

        def after_product() -> None:
            # The photos first: the tickets of reports with photos wait for them.
            photos.add(*drain_photos(prepared.database_url))
            drained.append(drain(prepared.database_url, prepared.delivery_mark))

        tallies = alternate(
            {name: side(name) for name in urls},
            SECONDS,
            ROUNDS,
            after={"product": after_product},
        )
        total, once, more = exactly_once(sink, prepared.database_url, prepared.delivery_mark)
        for name in ("web", "worker", "photos", "bare"):
            error = processes.first_error(name)
            if error:
                print(f"  (first traceback in the {name} process's log:)\n{error}")
    ours, bare = tallies["product"], tallies["bare"]
    _table("product", ours)
    _table("bare app", bare)
    _verdicts(ours, bare, label)
    photos_sent = len(ours.of("report+photo"))
    line(
        f"load: anonymised after the turns ({label})",
        f"{photos.photos} photos in {photos.seconds:.1f} s",
        f"all pending ones ({photos_sent} photos sent in the turns)",
        "ok" if photos.complete else "NOT DRAINED",
        value=photos.photos,
        unit="photos",
        details={
            "photos": photos.photos,
            "seconds": round(photos.seconds, 2),
            "per_photo_s": round(photos.seconds / photos.photos, 3) if photos.photos else None,
            "photos_sent": photos_sent,
        },
    )
    print(
        f"  anonymised after the turns: {photos.photos} photos in {photos.seconds:.1f} s "
        f"(of the {photos_sent} photos sent, {photos_sent - photos.photos} were no longer "
        "pending when their turn ended)"
    )
    line(
        f"load: tickets delivered exactly once ({label})",
        f"{once} of {total}",
        "every ticket of the run, once",
        "ok" if once == total and not more and all(drained) else f"MISSED ({more} twice)",
        value=once,
        unit="tickets",
        limit_value=total,
    )


def _mix_name() -> str:
    """ "mixed traffic" for the whole mix; "only status page + inbox" for a part of it."""
    kinds = parse_mix(os.environ.get("BENCH_LOAD_MIX", ""))
    return "mixed traffic" if kinds == MIX else "only " + " + ".join(kinds)


def _verdicts(ours: Tally, bare: Tally, label: str) -> None:
    floor = 0.7 * bare.throughput
    line(
        f"load: {_mix_name()}, {CLIENTS} clients ({label})",
        f"{ours.throughput:.0f} requests/s",
        f"bare app {bare.throughput:.0f}/s (×0.7 = {floor:.0f}/s)",
        f"ok (×{ours.throughput / bare.throughput:.2f})"
        if ours.throughput >= floor
        else f"SLOWER (×{ours.throughput / bare.throughput:.2f})",
        value=round(ours.throughput, 1),
        limit_value=round(floor, 1),
        details={"product": ours.summary(), "bare": bare.summary()},
    )
    for kind in ours.kinds():
        p50 = ours.percentile(kind, 0.5)
        p95, p99 = ours.percentile(kind, 0.95), ours.percentile(kind, 0.99)
        bare_p50 = bare.percentile(kind, 0.5)
        limit = 2 * bare_p50
        line(
            f"load: {kind}, p50 ({label})",
            f"{p50 * 1000:.1f} ms (p95 {p95 * 1000:.0f}, p99 {p99 * 1000:.0f})",
            f"bare p50 {bare_p50 * 1000:.1f} ms (×2 = {limit * 1000:.1f} ms)",
            "ok" if p50 <= limit else f"SLOWER (×{p50 / bare_p50:.1f})",
        )
    line(
        f"load: errors ({label})",
        f"{ours.errors} of {len(ours.samples):,}",
        f"0 (bare app: {bare.errors})",
        "ok" if ours.errors == 0 else "ERRORS",
        value=ours.errors,
        unit="errors",
        limit_value=0,
    )


# --- two web processes, two workers ----------------------------------------------------------


def _max_photo_id(database_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM report_photo")).scalar_one()
            )
    finally:
        engine.dispose()


def photo_events_once(database_url: str, mark: int) -> tuple[int, int, int]:
    """(photos stored after ``mark``, those with exactly one "photo_anonymised" event, those
    anonymised: done or failed)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT p.id, p.anonymisation, count(e.id) FROM report_photo p "
                    "LEFT JOIN report_event e ON e.report_id = p.report_id "
                    "AND e.kind = 'photo_anonymised' WHERE p.id > :m GROUP BY p.id"
                ),
                {"m": mark},
            ).all()
    finally:
        engine.dispose()
    single = sum(1 for _id, _state, events in rows if events == 1)
    done = sum(1 for _id, state, _events in rows if state in ("done", "failed"))
    return len(rows), single, done


def _first_limit(setting: str) -> int:
    from limits import parse_many

    from config import Config

    return min(item.amount for item in parse_many(getattr(Config(), setting)))


def shared_limits(database_url: str | None = None) -> None:
    """Two web processes and two workers on one PostgreSQL and Redis: limits, throttles and
    deliveries hold across processes."""
    from benchmarks.setup import ensure_postgres_database

    url = database_url or load_database_url()
    if not ensure_postgres_database(url):
        print(f"PostgreSQL at {url} not reachable: two-process run skipped")
        return
    label = "PostgreSQL"
    work = temp_dir("qm-bench-shared-")
    # A fresh client address and account name: counters in Redis from earlier runs do not
    # count (the web processes trust one proxy, as in production behind nginx).
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    forwarded = {"X-Forwarded-For": address}
    with Sink() as sink, Processes(work) as processes:
        prepared = prepare(url, sink.url)
        env = product_env(prepared.database_url, work / "photos", TRUSTED_PROXIES="1")
        ports = [free_port(), free_port()]
        for n, port in enumerate(ports):
            processes.start(f"web{n}", gunicorn("wsgi:app", port, workers=2), env)
        for n in range(2):
            processes.start(
                f"worker{n}",
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--interval", "0.5"],
                env,
            )
            processes.start(f"photos{n}", photo_runner("--interval", "0.5"), env)
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for n, base in enumerate(urls):
            wait_until_up(f"{base}/healthz", processes, f"web{n}")

        # The web form's limit: its requests alternate between the ports.
        allowed = _first_limit("REPORT_RATE_LIMIT")
        with httpx.Client(trust_env=False, timeout=30) as client:
            form = client.get(f"{urls[0]}/report", headers=forwarded)
            jar = cookie_header(form)
            headers = {**forwarded, "Cookie": as_header(jar)}
            data = {"csrf_token": csrf_of(form), "description": "Lasttest"}
            statuses = [
                client.post(f"{urls[n % 2]}/report", data=data, headers=headers).status_code
                for n in range(allowed + 1)
            ]
        held = 429 not in statuses[:allowed] and statuses[allowed] == 429
        line(
            f"web form limit over 2 web processes ({label})",
            f"request {allowed + 1} → {statuses[allowed]}",
            f"{allowed}/minute per address, counted in Redis",
            "ok" if held else f"NOT SHARED ({statuses})",
            value=statuses[allowed],
            unit="status",
            limit_value=429,
        )

        # Failed log-ins of one account from one address, alternating between the ports.
        failures = _first_limit("LOGIN_FAILURES_PER_PAIR")
        email = f"nobody-{secrets.token_hex(4)}@example.invalid"
        with httpx.Client(trust_env=False, timeout=30) as client:
            page = client.get(f"{urls[0]}/login", headers=forwarded)
            headers = {**forwarded, "Cookie": as_header(cookie_header(page))}
            data = {"email": email, "password": "wrong", "csrf_token": csrf_of(page)}
            statuses = [
                client.post(f"{urls[n % 2]}/login", data=data, headers=headers).status_code
                for n in range(failures + 1)
            ]
        held = statuses[:failures] == [401] * failures and statuses[failures] == 429
        line(
            f"log-in throttle over 2 web processes ({label})",
            f"attempt {failures + 1} → {statuses[failures]}",
            f"{failures} failures per account and address",
            "ok" if held else f"NOT SHARED ({statuses})",
            value=statuses[failures],
            unit="status",
            limit_value=429,
        )

        # A burst of reports through both ports (every tenth with a photo), delivered by both
        # workers once the two photo runners have anonymised the photos.
        photo = phone_photo((1024, 768))
        photo_mark = _max_photo_id(prepared.database_url)

        async def burst() -> list[int]:
            async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
                gate = asyncio.Semaphore(CLIENTS)

                async def one(n: int) -> int:
                    async with gate:
                        answer = await client.post(
                            f"{urls[n % 2]}/open311/v2/requests.json",
                            data={
                                "api_key": prepared.api_key,
                                "service_code": "papierkorb-voll",
                                "lat": "51.5136",
                                "long": "7.4653",
                                "description": f"Lasttest {n}",
                            },
                            files={"media": ("photo.jpg", photo, "image/jpeg")}
                            if n % 10 == 0
                            else None,
                        )
                        return answer.status_code

                return await asyncio.gather(*(one(n) for n in range(BURST)))

        statuses = run_async(burst)
        _photos, _seconds, photos_drained = drain_photos(prepared.database_url)
        drained = drain(prepared.database_url, prepared.delivery_mark)
        photos_once = photo_events_once(prepared.database_url, photo_mark)
        total, once, more = exactly_once(sink, prepared.database_url, prepared.delivery_mark)
        workers = workers_of_run(prepared.database_url, prepared.delivery_mark)
        created = sum(1 for s in statuses if 200 <= s < 300)
    ok = drained and created == BURST and once == total and total >= BURST and not more
    if not ok:
        verdict = f"MISSED ({created} created, {more} twice, drained {drained})"
    elif workers < 2:
        verdict = f"NOT SHOWN (attempts by {workers} worker)"
    else:
        verdict = "ok"
    photo_count, single, done = photos_once
    line(
        f"photos by 2 photo runners, {photo_count} photos ({label})",
        f"{single} of {photo_count} anonymised once",
        "every photo exactly once",
        "ok" if photos_drained and single == photo_count == done else "MISSED",
        value=single,
        unit="photos",
        limit_value=photo_count,
    )
    line(
        f"deliveries by 2 workers, {BURST} reports over 2 ports ({label})",
        f"{once} of {total} once, by {workers} workers",
        "every ticket exactly once",
        verdict,
        value=once,
        unit="tickets",
        limit_value=total,
    )


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    mixed_load()
    shared_limits()
