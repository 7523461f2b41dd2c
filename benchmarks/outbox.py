"""Deliveries per second from the outbox to a local webhook sink, with 1 and 2 worker
processes, beside the limit measured in the same run: a bare outbox loop with as many
processes on the same database and sink — claim one row (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), POST its pre-built JSON with the same headers, mark it sent, commit; nothing
else. Plain POSTs per second (no database) are shown too. Ours does more per delivery: builds
the ticket from the report, records the attempt, moves the report to "forwarded" with an
event, and writes the residents' notifications.

PostgreSQL (``BENCH_POSTGRES_URL``) when reachable, with 1 and 2 workers; otherwise SQLite
with 1 worker (SQLite runs one worker). Processes start, connect and warm up first; the clock
runs from a common "go" until the last one has finished.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.common import line

DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "400"))
SECRET_ENV = "QM_BENCH_WEBHOOK_SECRET"  # noqa: S105 - the name of a variable
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
    """Connect, warm up, say "ready", wait for "go", deliver what is due, say "done N"."""
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
        count = deliver_due(limit=10**9)
    print(f"done {count}", flush=True)


def _child_client(url: str, count: int, body_file: str) -> None:
    """``count`` POSTs of the same body and headers, one connection each (no database)."""
    from app.forwarding.senders.http import http_client

    body = Path(body_file).read_bytes()
    http_client(1.0).close()
    print("ready", flush=True)
    sys.stdin.readline()
    for number in range(count):
        with http_client(10.0) as client:
            response = client.post(
                url, content=body, headers=_headers(body, f"plain-{os.getpid()}-{number}")
            )
        response.raise_for_status()
    print(f"done {count}", flush=True)


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
    """The limit: the least an outbox worker must do per delivery, in plain SQL."""
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
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        conn.rollback()
        http_client(1.0).close()
        print("ready", flush=True)
        sys.stdin.readline()
        count = 0
        while True:
            with conn.begin():
                row = conn.execute(claim).first()
                if row is None:
                    break
                body = row.body.encode("utf-8")
                with http_client(10.0) as client:
                    response = client.post(
                        url, content=body, headers=_headers(body, row.idempotency_key)
                    )
                response.raise_for_status()
                conn.execute(done, {"id": row.id, "remote": response.json().get("id")})
            count += 1
    print(f"done {count}", flush=True)


def _run_children(commands: list[list[str]], env: dict[str, str]) -> tuple[float, int]:
    """Start the children, wait until all are ready, "go", and time until all are done."""
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
        total = 0
        for child in children:
            done = child.stdout.readline().split()
            if not done or done[0] != "done":
                raise RuntimeError("benchmark child failed")
            total += int(done[1])
        elapsed = time.perf_counter() - start
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=60)
    return elapsed, total


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


def _prepare(database_url: str | None, sink_url: str, count: int) -> tuple[str, str, bytes]:
    """A fresh database with ``count`` EDG tickets due by webhook, and the bare loop's table
    with as many pre-built bodies; returns (database URL, photo dir, one ticket's body)."""
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
        for number in range(count - 1):  # copies: intake is measured elsewhere
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
        db.session.commit()
        delivery = db.session.execute(
            sa.select(Delivery).where(Delivery.report_id == template.id)
        ).scalar_one()
        body = json.dumps(payload(delivery), ensure_ascii=False, separators=(",", ":"))
        db.session.rollback()
        bare = sa.Table(
            "bare_outbox",
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("idempotency_key", sa.String(80), unique=True),
            sa.Column("body", sa.Text),
            sa.Column("status", sa.String(20)),
            sa.Column("remote_id", sa.String(120)),
            sa.Index("ix_bare_outbox_status", "status"),
        )
        bare.create(db.engine)
        with db.engine.begin() as conn:
            conn.execute(
                bare.insert(),
                [
                    {"idempotency_key": f"bare-{n}", "body": body, "status": "pending"}
                    for n in range(count)
                ],
            )
        url = db.engine.url.render_as_string(hide_password=False)
        photo_dir = app.config["PHOTO_STORAGE_DIR"]
        db.session.remove()
        db.engine.dispose()
    return url, photo_dir, body.encode("utf-8")


def _measure(database_url: str | None, workers: int, count: int) -> dict[str, float]:
    """Per second with ``workers`` processes: our worker, the bare loop, plain POSTs."""
    rates = {}
    with _Sink() as sink:
        thread = threading.Thread(target=sink.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            url, photo_dir, body = _prepare(database_url, sink.url, count)
            env = _env()
            me = [sys.executable, "-m", "benchmarks.outbox"]
            elapsed, sent = _run_children(
                [[*me, "--worker", url, photo_dir] for _ in range(workers)], env
            )
            if sent != count or len(sink.keys) != count or sink.count != count:
                raise RuntimeError(
                    f"{sent} delivered, sink saw {sink.count} requests with "
                    f"{len(sink.keys)} keys, for {count} deliveries"
                )
            rates["ours"] = count / elapsed
            elapsed, sent = _run_children(
                [[*me, "--bare", url, sink.url] for _ in range(workers)], env
            )
            if sent != count:
                raise RuntimeError(f"bare loop sent {sent} of {count}")
            rates["bare"] = count / elapsed
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                handle.write(body)
            try:
                share = count // workers
                elapsed, sent = _run_children(
                    [[*me, "--client", sink.url, str(share), handle.name] for _ in range(workers)],
                    env,
                )
            finally:
                os.unlink(handle.name)
            rates["plain"] = sent / elapsed
        finally:
            sink.shutdown()
    return rates


def deliveries_per_second() -> None:
    from benchmarks.setup import POSTGRES_URL, postgres_available

    if postgres_available():
        runs = [(POSTGRES_URL, "PostgreSQL", 1), (POSTGRES_URL, "PostgreSQL", 2)]
    else:
        print(f"PostgreSQL at {POSTGRES_URL} not reachable: outbox on SQLite with 1 worker only")
        runs = [(None, "SQLite", 1)]
    for database_url, label, workers in runs:
        rates = _measure(database_url, workers, DELIVERIES)
        ours, bare, plain = rates["ours"], rates["bare"], rates["plain"]
        ratio = bare / ours
        noun = "worker" if workers == 1 else "workers"
        line(
            f"webhook deliveries, {workers} {noun} ({label})",
            f"{ours:.0f} deliveries/s",
            f"bare outbox loop {bare:.0f}/s (÷4 = {bare / 4:.0f}/s; plain POSTs {plain:.0f}/s)",
            f"ok (÷{ratio:.1f})" if ours >= bare / 4 else f"SLOWER (÷{ratio:.1f})",
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
