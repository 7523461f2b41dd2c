"""Deliveries per second from the outbox to a local webhook sink, with 1 and 2 worker
processes, beside the limit measured in the same run: a bare outbox loop with as many
processes on the same database and sink — claim one row (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), POST its pre-built JSON with the same headers, mark it sent, commit; nothing
else. Every process sends over one kept-alive connection, as the worker does (the sink
answers with TCP_NODELAY, as servers in front of partners do). Plain POSTs per second (no
database) are shown too. Ours does more per delivery: builds
the ticket from the report, records the attempt, moves the report to "forwarded" with an
event, and writes the residents' notifications.

PostgreSQL (``BENCH_POSTGRES_URL``) when reachable, with 1 and 2 workers; otherwise SQLite
with 1 worker (SQLite runs one worker). ``BENCH_DELIVERIES`` (default 2,000) per measurement,
``BENCH_OUTBOX_ROUNDS`` (default 5) rounds; each round measures ours and the bare loop with 1
and 2 processes in turn (the order alternating between rounds), on one database prepared once
with a fresh slice of due deliveries per measurement, and the figures are the medians over the
rounds (the ratios' range printed beside them). Processes start, connect and warm up first;
the clock runs from a common "go" until the last one has finished. The database's temporary
directory is removed at the end. Beside each figure: the CPU one delivery costs in our worker
processes and in the bare loop's (the median over the rounds), which decides how far a second
process gets on 2 cores better than the rates of a busy machine do.

``python -m benchmarks.outbox`` runs just this benchmark.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.common import line

DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "2000"))
SECRET_ENV = "QM_SENDER_BENCH_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable
ROOT = Path(__file__).resolve().parent.parent


# --- the sink --------------------------------------------------------------------------------


class _Sink(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.count = 0
        self.keys: set[str] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The answer's head and body are two writes: with Nagle's algorithm the body waits for
    # the client's delayed ACK (40 ms) on a kept-alive connection. Servers in front of real
    # partners (nginx, gunicorn …) send with TCP_NODELAY.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server: _Sink = self.server  # type: ignore[assignment]
        with server.lock:
            server.count += 1
            server.keys.add(self.headers.get("Idempotency-Key", ""))
            number = server.count
        body = json.dumps({"id": f"r{number}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# --- child processes: a worker, or a plain client ----------------------------------------------


def _child_worker(database_url: str, photo_dir: str) -> None:
    """Connect, warm up, say "ready", wait for "go", deliver what is due, say "done N CPU"
    (the seconds of CPU this process spent on it)."""
    from app import create_app
    from app.extensions import db
    from app.forwarding.senders import load_all
    from app.forwarding.senders.http import http_client
    from app.forwarding.worker import deliver_due
    from config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.PHOTO_STORAGE_DIR = photo_dir
    config.SENDER_TIMEOUT = 10.0
    app = create_app(config)
    logging.disable(logging.WARNING)  # httpx logs every request at INFO
    load_all()
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.session.rollback()
        http_client(1.0).close()  # the TLS context is built once per process
        print("ready", flush=True)
        sys.stdin.readline()
        cpu = time.process_time()
        count = deliver_due(limit=10**9)
        cpu = time.process_time() - cpu
    print(f"done {count} {cpu:.6f}", flush=True)


def _child_client(url: str, count: int, body_file: str) -> None:
    """``count`` POSTs of the same body and headers over one kept-alive connection, as the
    worker sends (no database)."""
    from app.forwarding.senders.http import http_client

    body = Path(body_file).read_bytes()
    with http_client(10.0) as client:
        print("ready", flush=True)
        sys.stdin.readline()
        cpu = time.process_time()
        for number in range(count):
            response = client.post(
                url, content=body, headers=_headers(body, f"plain-{os.getpid()}-{number}")
            )
            response.raise_for_status()
        cpu = time.process_time() - cpu
    print(f"done {count} {cpu:.6f}", flush=True)


def _headers(body: bytes, key: str) -> dict[str, str]:
    import hashlib
    import hmac

    stamp = str(int(time.time()))
    signature = hmac.new(b"bench-secret", f"{stamp}.".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": key,
        "X-Quartiersmelder-Timestamp": stamp,
        "X-Quartiersmelder-Signature": f"sha256={signature.hexdigest()}",
    }


def _child_bare(database_url: str, url: str) -> None:
    """The limit: the least an outbox worker must do per delivery, in plain SQL, its POSTs
    over one kept-alive connection (as the worker sends)."""
    import sqlalchemy as sa

    from app.forwarding.senders.http import http_client

    engine = sa.create_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    claim = sa.text(
        "SELECT id, idempotency_key, body FROM bare_outbox WHERE status = 'pending' "
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
        if postgres
        else "SELECT id, idempotency_key, body FROM bare_outbox WHERE status = 'pending' "
        "ORDER BY id LIMIT 1"
    )
    done = sa.text("UPDATE bare_outbox SET status = 'sent', remote_id = :remote WHERE id = :id")
    with engine.connect() as conn, http_client(10.0) as client:
        conn.execute(sa.text("SELECT 1"))
        conn.rollback()
        print("ready", flush=True)
        sys.stdin.readline()
        cpu = time.process_time()
        count = 0
        while True:
            with conn.begin():
                row = conn.execute(claim).first()
                if row is None:
                    break
                body = row.body.encode("utf-8")
                response = client.post(
                    url, content=body, headers=_headers(body, row.idempotency_key)
                )
                response.raise_for_status()
                conn.execute(done, {"id": row.id, "remote": response.json().get("id")})
            count += 1
        cpu = time.process_time() - cpu
    print(f"done {count} {cpu:.6f}", flush=True)


def _run_children(commands: list[list[str]], env: dict[str, str]) -> tuple[float, int, float]:
    """Start the children, wait until all are ready, "go", and time until all are done;
    returns the time, what they did, and the CPU seconds they spent on it together."""
    children = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,  # noqa: S603
            stdout=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    try:
        for child in children:
            ready = child.stdout.readline().strip()
            if ready != "ready":
                raise RuntimeError(f"benchmark child failed to start: {ready!r}")
        start = time.perf_counter()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        total, cpu = 0, 0.0
        for child in children:
            done = child.stdout.readline().split()
            if len(done) != 3 or done[0] != "done":
                raise RuntimeError("benchmark child failed")
            total += int(done[1])
            cpu += float(done[2])
        elapsed = time.perf_counter() - start
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=60)
    return elapsed, total, cpu


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") or k.lower() == "no_proxy"
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            SECRET_ENV: "bench-secret",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    return env


# --- the benchmark -----------------------------------------------------------------------------

# Five: with three, one round on a busy moment moved the single worker's median far enough to
# swing the two-vs-one verdict between runs (×1.48 and ×1.78 on the same code).
ROUNDS = int(os.environ.get("BENCH_OUTBOX_ROUNDS", "5"))
NOT_YET = datetime(2999, 1, 1, tzinfo=UTC)  # a slice waits until its measurement makes it due


def _prepare(
    database_url: str | None, sink_url: str, slices: int, count: int
) -> tuple[str, str, bytes]:
    """A fresh database with ``slices`` × ``count`` EDG tickets by webhook (not yet due), and
    the bare loop's table with as many pre-built bodies (waiting); returns (database URL,
    the temporary directory to remove, one ticket's body)."""
    import sqlalchemy as sa

    from app.core.enums import Channel
    from app.core.events import Actor
    from app.extensions import db
    from app.forwarding.models import Delivery
    from app.forwarding.outbox import FORWARD, add_delivery
    from app.forwarding.senders.webhook import payload
    from app.reports.drafts import ReportDraft
    from app.reports.intake import submit_report
    from app.reports.models import Report
    from app.routing.models import Department
    from benchmarks.setup import bench_app

    os.environ[SECRET_ENV] = "bench-secret"
    app = bench_app(database_url)
    with app.app_context():
        edg = db.session.execute(sa.select(Department).where(Department.code == "edg")).scalar_one()
        edg.forward_method = "webhook"
        edg.forward_config = {"url": sink_url, "secret_env": SECRET_ENV}
        db.session.commit()
        template = submit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code="papierkorb-voll",
                lat=51.5136,
                lon=7.4653,
                description="Papierkorb am Friedensplatz quillt über",
            ),
            Actor("resident", "bench"),
        ).report
        db.session.commit()
        for number in range(slices * count - 1):  # copies: intake is measured elsewhere
            report = Report(
                reference=f"BM-{number:07d}",
                category_id=template.category_id,
                description=template.description,
                lat=template.lat,
                lon=template.lon,
                location_source=template.location_source,
                address=template.address,
                district_id=template.district_id,
                department_id=edg.id,
                channel=Channel.WEB,
                attributes={},
                routing_reason={},
            )
            db.session.add(report)
            add_delivery(report, "webhook", "edg", FORWARD, department=edg)
            if number % 1000 == 999:
                db.session.flush()
        db.session.commit()
        delivery = db.session.execute(
            sa.select(Delivery).where(Delivery.report_id == template.id)
        ).scalar_one()
        body = json.dumps(payload(delivery), ensure_ascii=False, separators=(",", ":"))
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(sa.update(Delivery).values(next_attempt_at=NOT_YET))
            conn.execute(
                sa.text(
                    "CREATE TABLE bare_outbox (id INTEGER PRIMARY KEY, idempotency_key "
                    "VARCHAR(80) UNIQUE, body TEXT, status VARCHAR(20), remote_id VARCHAR(120))"
                )
            )
            conn.execute(sa.text("CREATE INDEX ix_bare_outbox_status ON bare_outbox (status)"))
            conn.execute(
                sa.text(
                    "INSERT INTO bare_outbox (id, idempotency_key, body, status) "
                    "VALUES (:id, :key, :body, 'waiting')"
                ),
                [{"id": n, "key": f"bare-{n}", "body": body} for n in range(slices * count)],
            )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text("VACUUM ANALYZE")
                )
        url = db.engine.url.render_as_string(hide_password=False)
        workdir = str(Path(app.config["PHOTO_STORAGE_DIR"]).parent)
        db.session.remove()
        db.engine.dispose()
    return url, workdir, body.encode("utf-8")


def _make_due(url: str, table: str, number: int, count: int) -> None:
    """Slice ``number`` of ``table`` becomes due (ours: by its time; the bare loop: pending)."""
    import sqlalchemy as sa

    from app.forwarding.models import Delivery

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if table == "delivery":
                ids = (
                    sa.select(Delivery.id)
                    .order_by(Delivery.id)
                    .limit(count)
                    .offset(number * count)
                    .scalar_subquery()
                )
                conn.execute(
                    sa.update(Delivery)
                    .where(Delivery.id.in_(ids))
                    .values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC))
                )
            else:
                conn.execute(
                    sa.text("UPDATE bare_outbox SET status = 'pending' WHERE id >= :a AND id < :b"),
                    {"a": number * count, "b": (number + 1) * count},
                )
    finally:
        engine.dispose()


def _ours(url: str, workdir: str, workers: int, count: int, sink: _Sink) -> tuple[float, float]:
    """Deliveries per second, and ms of CPU per delivery in the worker processes."""
    before_count, before_keys = sink.count, len(sink.keys)
    me = [sys.executable, "-m", "benchmarks.outbox"]
    elapsed, sent, cpu = _run_children(
        [[*me, "--worker", url, str(Path(workdir) / "photos")] for _ in range(workers)], _env()
    )
    requests, keys = sink.count - before_count, len(sink.keys) - before_keys
    if sent != count or keys != count or requests != count:
        raise RuntimeError(
            f"{sent} delivered, sink saw {requests} requests with {keys} new keys, "
            f"for {count} deliveries"
        )
    return count / elapsed, cpu * 1000 / count


def _bare(url: str, workers: int, count: int, sink: _Sink) -> tuple[float, float]:
    """Deliveries per second, and ms of CPU per delivery in the loop's processes."""
    me = [sys.executable, "-m", "benchmarks.outbox"]
    elapsed, sent, cpu = _run_children(
        [[*me, "--bare", url, sink.url] for _ in range(workers)], _env()
    )
    if sent != count:
        raise RuntimeError(f"bare loop sent {sent} of {count}")
    return count / elapsed, cpu * 1000 / count


def _plain(workers: int, count: int, sink: _Sink, body: bytes) -> float:
    me = [sys.executable, "-m", "benchmarks.outbox"]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        handle.write(body)
    try:
        share = count // workers
        elapsed, sent, _cpu = _run_children(
            [[*me, "--client", sink.url, str(share), handle.name] for _ in range(workers)], _env()
        )
    finally:
        os.unlink(handle.name)
    return sent / elapsed


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def _measure(
    database_url: str | None, worker_counts: tuple[int, ...], count: int, rounds: int
) -> dict[int, dict[str, list[float]]]:
    """Per second, per round and number of processes: our worker, the bare loop, plain POSTs;
    and the ms of CPU per delivery in our workers' and the bare loop's processes."""
    import shutil

    rates: dict[int, dict[str, list[float]]] = {
        w: {"ours": [], "bare": [], "plain": [], "ours_cpu": [], "bare_cpu": []}
        for w in worker_counts
    }
    with _Sink() as sink:
        thread = threading.Thread(target=sink.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        workdir = None
        try:
            slices = rounds * len(worker_counts)
            url, workdir, body = _prepare(database_url, sink.url, slices, count)
            measurement = 0
            for number in range(rounds):
                for workers in worker_counts:
                    first_ours = (number + workers) % 2 == 0  # alternate the order
                    for side in ("ours", "bare") if first_ours else ("bare", "ours"):
                        table = "delivery" if side == "ours" else "bare_outbox"
                        _make_due(url, table, measurement, count)
                        if side == "ours":
                            rate, cpu = _ours(url, workdir, workers, count, sink)
                        else:
                            rate, cpu = _bare(url, workers, count, sink)
                        rates[workers][side].append(rate)
                        rates[workers][f"{side}_cpu"].append(cpu)
                    measurement += 1
                    if number == 0:
                        rates[workers]["plain"].append(_plain(workers, count, sink, body))
        finally:
            sink.shutdown()
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
    return rates


def deliveries_per_second() -> None:
    from benchmarks.setup import POSTGRES_URL, postgres_available

    worker_counts: tuple[int, ...]
    if postgres_available():
        database_url, label, worker_counts = POSTGRES_URL, "PostgreSQL", (1, 2)
    else:
        print(f"PostgreSQL at {POSTGRES_URL} not reachable: outbox on SQLite with 1 worker only")
        database_url, label, worker_counts = None, "SQLite", (1,)
    rates = _measure(database_url, worker_counts, DELIVERIES, ROUNDS)
    medians = {}
    for workers in worker_counts:
        ours, bare = rates[workers]["ours"], rates[workers]["bare"]
        shares = [o / b for o, b in zip(ours, bare, strict=True)]
        share = _median(shares)
        medians[workers] = _median(ours)
        noun = "worker" if workers == 1 else "workers"
        cpu = {side: _median(rates[workers][f"{side}_cpu"]) for side in ("ours", "bare")}
        line(
            f"webhook deliveries, {workers} {noun} ({label})",
            f"{_median(ours):.0f} deliveries/s",
            f"bare outbox loop {_median(bare):.0f}/s (½ = {_median(bare) / 2:.0f}/s; "
            f"plain POSTs {_median(rates[workers]['plain']):.0f}/s)",
            f"{'ok' if share >= 0.5 else 'SLOWER'} (×{share:.2f} of bare, "
            f"{len(shares)} rounds ×{min(shares):.2f}–{max(shares):.2f})",
            details={"cpu_ms_per_delivery": cpu},
        )
        # What decides the scaling on 2 cores: the CPU one delivery costs in the processes.
        print(
            f"  CPU per delivery, {workers} {'process' if workers == 1 else 'processes'}: "
            f"ours {cpu['ours']:.2f} ms, bare loop {cpu['bare']:.2f} ms"
        )
    if 2 in medians:
        scale = medians[2] / medians[1]
        bare_scale = _median(rates[2]["bare"]) / _median(rates[1]["bare"])
        # Each round's own two-vs-one ratio, beside the medians' one: how much the rounds agree.
        per_round = [two / one for one, two in zip(rates[1]["ours"], rates[2]["ours"], strict=True)]
        line(
            f"webhook deliveries, 2 workers vs 1 ({label})",
            f"×{scale:.2f}",
            f"×1.6 (bare loop ×{bare_scale:.2f}; {len(per_round)} rounds "
            f"×{min(per_round):.2f}–{max(per_round):.2f})",
            "ok" if scale >= 1.6 else "SLOWER",
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _child_worker(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--bare":
        _child_bare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--client":
        _child_client(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        logging.disable(logging.WARNING)
        deliveries_per_second()
