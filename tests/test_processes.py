"""The Procfile as `make run` starts it: gunicorn serves the web, and a process that dies comes
back by itself while the others go on serving."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_NETWORK = ROOT / "tests" / "fakes" / "no_network"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[tuple[int, str]]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes()
            except OSError:
                continue
            found.append((child, cmdline.replace(b"\0", b" ").decode(errors="replace")))
            todo.append(child)
    return found


def _wait(condition, what: str, timeout: float = 120):
    """Poll for an event; the timeout only ends a test that would otherwise hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local)
            return response.status, dict(response.headers)
    except OSError:
        return None


def _pid_of(honcho: int, marker: str, exclude: set[int] = frozenset()) -> int | None:
    for pid, cmdline in _descendants(honcho):
        if marker in cmdline and "keep-running" not in cmdline and pid not in exclude:
            return pid
    return None


@pytest.fixture
def procfile_env(app):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLASK_", "QM_", "TELEGRAM_")) and "proxy" not in k.lower()
    }
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONPATH": os.pathsep.join([str(NO_NETWORK), str(ROOT)]),
            "FLASK_SKIP_DOTENV": "1",
            "QM_ENV": "development",
            "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
            or app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "CITY_DIR": app.config["CITY_DIR"],
            "PHOTO_STORAGE_DIR": app.config["PHOTO_STORAGE_DIR"],
            "GEOCODER_URL": "",
            "MAP_TILES_URL": "",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "9",
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def test_make_run_serves_with_gunicorn_and_a_crash_takes_nothing_else_down(
    app, procfile_env, tmp_path
):
    port = _free_port()
    log = (tmp_path / "honcho.log").open("wb")
    honcho = subprocess.Popen(  # noqa: S603 (our own Procfile)
        [str(BIN / "honcho"), "start", "-f", "Procfile", "-p", str(port), "web", "worker"],
        cwd=ROOT,
        env=procfile_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    health = f"http://127.0.0.1:{port}/healthz"
    try:
        status, headers = _wait(lambda: _get(health), "the web process")
        assert status == 200
        assert "gunicorn" in headers.get("Server", "")  # not Flask's development server

        worker = _wait(lambda: _pid_of(honcho.pid, "wsgi worker"), "the worker")
        os.kill(worker, signal.SIGKILL)
        new_worker = _wait(
            lambda: _pid_of(honcho.pid, "wsgi worker", exclude={worker}), "a new worker"
        )
        assert new_worker != worker
        assert _get(health)[0] == 200  # the web went on serving
        assert honcho.poll() is None

        web = _wait(lambda: _pid_of(honcho.pid, "gunicorn"), "gunicorn")
        os.kill(web, signal.SIGKILL)
        _wait(lambda: _pid_of(honcho.pid, "gunicorn", exclude={web}), "a new gunicorn")
        assert _wait(lambda: _get(health), "the web again")[0] == 200
        assert _pid_of(honcho.pid, "wsgi worker") == new_worker  # the worker was left alone
    finally:
        processes = [pid for pid, _ in _descendants(honcho.pid)]
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
        log.close()
    # Stopping honcho stops everything it started (no process left serving).
    _wait(lambda: not any(Path(f"/proc/{pid}").exists() for pid in processes), "a clean stop", 60)
    text = (tmp_path / "honcho.log").read_text(errors="replace")
    assert "starting it again" in text
    assert "development server" not in text.lower()
