"""The database goes away for a moment: a TCP proxy between the app and PostgreSQL is cut and
restored while reports come in through the web form and Open311. Every report answered with a
reference exists afterwards, requests during the outage get a clear 503 (page or JSON, never a
500 with a trace), and the app recovers by itself."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.open311.keys import create_api_key
from app.reports.models import Report
from config import TestConfig
from tests.fakes.smtp import smtp_server  # noqa: F401  (pytest fixture)

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="needs a database server to cut off: set TEST_DATABASE_URL to PostgreSQL",
)
FRIEDENSPLATZ = ("51.5136", "7.4653")


class CuttableProxy:
    """Forwards 127.0.0.1:port to the database; ``cut()`` drops every connection and refuses
    new ones until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not, and the
            # port would stay taken.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxied(app_ctx, tmp_path):
    parts = urlsplit(PG_URL)
    proxy = CuttableProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = urlunsplit(parts._replace(netloc=netloc)).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    # As configured (no ping before each checkout), with a short connect timeout.
    config.SQLALCHEMY_ENGINE_OPTIONS = {
        **config.SQLALCHEMY_ENGINE_OPTIONS,
        "connect_args": {"connect_timeout": 5},
    }
    config.WTF_CSRF_ENABLED = False
    config.PHOTO_STORAGE_DIR = str(tmp_path / "photos")
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _key, token = create_api_key("outage test")
    db.session.commit()
    yield proxy, f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    proxy.cut()
    with app.app_context():
        db.engine.dispose()


def _web_report(http, base):
    return http.post(
        f"{base}/report",
        data={
            "category": "papierkorb-voll",
            "lat": FRIEDENSPLATZ[0],
            "lon": FRIEDENSPLATZ[1],
            "description": "Papierkorb quillt über",
        },
        follow_redirects=False,
    )


def _open311_report(http, base, token):
    return http.post(
        f"{base}/open311/v2/requests.json",
        data={
            "service_code": "papierkorb-voll",
            "lat": FRIEDENSPLATZ[0],
            "long": FRIEDENSPLATZ[1],
            "description": "Papierkorb quillt über",
            "api_key": token,
        },
    )


def _answered_reference(kind: str, response) -> str | None:
    """The reference a client was given, or None for a clear 503; anything else fails."""
    if kind == "web" and response.status_code == 303:
        return re.search(r"/report/([^/]+)/submitted", response.headers["Location"]).group(1)
    if kind == "open311" and response.status_code in (200, 201):
        return response.json()[0]["service_request_id"]
    assert response.status_code == 503, (kind, response.status_code, response.text[:300])
    assert response.headers.get("Retry-After")
    assert "Traceback" not in response.text
    if kind == "open311":
        assert response.json()[0]["code"] == 503
    else:
        assert "nicht gesendet" in response.text or "Nichts wurde gespeichert" in response.text
    return None


def test_reports_survive_a_database_outage_and_the_app_recovers(proxied):
    import httpx

    proxy, base, token = proxied
    answered: list[str] = []
    outcomes: list[str] = []
    with httpx.Client(timeout=60) as http:

        def send_both():
            for kind, response in (
                ("web", _web_report(http, base)),
                ("open311", _open311_report(http, base, token)),
            ):
                reference = _answered_reference(kind, response)
                outcomes.append("ok" if reference else "503")
                if reference:
                    answered.append(reference)

        send_both()
        send_both()
        assert outcomes == ["ok"] * 4
        proxy.cut()
        for _ in range(3):
            send_both()
        assert outcomes[4:] == ["503"] * 6  # clear refusals, nothing half written
        page = http.get(f"{base}/r/{answered[0]}")
        assert page.status_code == 503 and "nicht verfügbar" in page.text
        proxy.restore()
        # Back without a restart: the first request's version check finds its connection
        # dead, the pool is thrown away, and it reads again on a fresh connection.
        send_both()
        send_both()
        assert outcomes[10:] == ["ok"] * 4
        assert http.get(f"{base}/r/{answered[0]}").status_code == 200
    db.session.rollback()
    stored = set(db.session.execute(sa.select(Report.reference)).scalars())
    assert set(answered) <= stored
    assert len(answered) == 8 and len(stored) == 8


def test_a_database_restart_between_requests_costs_no_request(proxied):
    """The database restarted while the site was idle: every pooled connection is dead, and
    nobody noticed. The next requests are answered all the same — the first statement of each
    (the city version check) finds its connection closed and reads again on a fresh one."""
    import httpx

    proxy, base, token = proxied
    with httpx.Client(timeout=60) as http:
        reference = _answered_reference("web", _web_report(http, base))
        assert reference is not None
        assert http.get(f"{base}/r/{reference}").status_code == 200
        proxy.cut()  # every connection dropped …
        proxy.restore()  # … and the database back before anyone asked
        for _ in range(3):
            assert http.get(f"{base}/r/{reference}").status_code == 200
            assert _answered_reference("open311", _open311_report(http, base, token))
            assert _answered_reference("web", _web_report(http, base))


def test_the_worker_rides_out_a_database_outage_without_a_restart(
    app_ctx, make_report, smtp_server, tmp_path
):
    """Tickets written before and during the outage all reach EDG, by one worker process that
    was never restarted. A ticket whose sending was recorded only after the cut may arrive
    twice: then with the same Message-ID, so EDG's mail system sees one ticket."""
    import subprocess
    import time

    from tests.forwarding.test_end_to_end import FLASK, ROOT, worker_env

    parts = urlsplit(PG_URL)
    proxy = CuttableProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    env = worker_env(app_ctx, smtp_server)
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    env["DATABASE_URL"] = urlunsplit(parts._replace(netloc=netloc))
    edg = "meldungen@edg.example.invalid"
    before = [make_report("papierkorb-voll").reference for _ in range(2)]
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 (our own CLI)
            [str(FLASK), "--app", "wsgi", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def wait(condition, what):
                deadline = time.monotonic() + 120  # only ends a test that would hang
                while not condition():
                    assert worker.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, f"gave up waiting for {what}"
                    time.sleep(0.1)

            wait(lambda: len(smtp_server.messages_to(edg)) >= 2, "the first tickets")
            proxy.cut()
            wait(lambda: "Database not reachable" in log_path.read_text(), "the outage")
            during = [make_report("papierkorb-voll").reference for _ in range(2)]
            proxy.restore()

            def all_arrived():
                subjects = " ".join(m["Subject"] for m in smtp_server.messages_to(edg))
                return all(reference in subjects for reference in before + during)

            wait(all_arrived, "the tickets of the outage")
            assert worker.poll() is None  # the same process, never restarted
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            proxy.cut()
    for reference in before + during:
        copies = [m for m in smtp_server.messages_to(edg) if reference in m["Subject"]]
        assert len({m["Message-ID"] for m in copies}) == 1, reference
