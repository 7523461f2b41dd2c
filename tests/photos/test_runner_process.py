"""The Procfile's ``photos`` process as `make run` starts it: it runs at a lower CPU priority
than the web (``ANONYMISE_NICE``), anonymises a photo stored pending, and comes back by itself
when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reports.drafts import PhotoUpload
from app.reports.models import ReportPhoto
from tests.forwarding.email_support import FRIEDENSPLATZ
from tests.photos.test_anonymisation import jpeg
from tests.photos.test_jobs import _plain, background  # noqa: F401  (fixture)
from tests.test_processes import BIN, ROOT, _descendants, _pid_of, _wait, procfile_env  # noqa: F401

MARKER = "wsgi photos work"


def _niceness(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])  # field 19: nice


def _autogroup_nice(pid: int) -> int | None:
    """The nice level of a process's autogroup (None where the kernel keeps none).

    A process whose line of ancestors never started a session of its own (as under a
    container's first process) is in the kernel's root group: its file is empty, and it
    shares the CPU as a group at nice level 0."""
    path = Path(f"/proc/{pid}/autogroup")
    if not path.exists():
        return None
    fields = path.read_text().split()
    return int(fields[-1]) if fields else 0


def _state(photo_id: int) -> str:
    db.session.rollback()
    return db.session.execute(
        sa.select(ReportPhoto.anonymisation).where(ReportPhoto.id == photo_id)
    ).scalar_one()


def test_the_photos_process_anonymises_at_a_lower_priority_and_comes_back(
    background,  # noqa: F811
    make_report,
    procfile_env,  # noqa: F811
    tmp_path,
):
    procfile_env = {
        **procfile_env,
        "PHOTO_STORAGE_DIR": background.config["PHOTO_STORAGE_DIR"],
        "ANONYMISE_NICE": "7",
    }
    log = (tmp_path / "honcho.log").open("wb")
    honcho = subprocess.Popen(  # noqa: S603 (our own Procfile)
        [str(BIN / "honcho"), "start", "-f", "Procfile", "photos"],
        cwd=ROOT,
        env=procfile_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        runner = _wait(lambda: _pid_of(honcho.pid, MARKER), "the photo runner")
        report = make_report(
            "papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain()), "a.jpg")]
        )
        photo_id = report.photos[0].id
        _wait(lambda: _state(photo_id) == "done", "the photo anonymised")
        assert _niceness(runner) >= 7 > _niceness(os.getpid())
        # honcho gave the line a session of its own: the session's CPU share is lowered too
        # (with autogroups the kernel shares the CPU between sessions first).
        if _autogroup_nice(runner) is not None:
            assert _autogroup_nice(runner) == 7
            assert _autogroup_nice(os.getpid()) == 0

        os.kill(runner, signal.SIGKILL)
        _wait(lambda: _pid_of(honcho.pid, MARKER, exclude={runner}), "a new photo runner")
        again = make_report(
            "papierkorb-voll", FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(_plain(3)), "b.jpg")]
        )
        _wait(lambda: _state(again.photos[0].id) == "done", "the next photo anonymised")
    finally:
        processes = [pid for pid, _ in _descendants(honcho.pid)]
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
        log.close()
    _wait(lambda: not any(Path(f"/proc/{pid}").exists() for pid in processes), "a clean stop", 60)


LOWER = (
    "import os; from app.photos.jobs import lower_priority; lower_priority(5);"
    " print(os.nice(0), open('/proc/self/autogroup').read().split()[-1])"
)


def _lowered(command: str) -> tuple[int, int]:
    """(nice level, autogroup nice level) a process reports after ``lower_priority(5)``,
    started by ``sh -c command`` in a session of its own (as honcho starts a Procfile line)."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        ["/bin/sh", "-c", command],
        cwd=ROOT,
        env={**os.environ, "PYTHON": str(BIN / "python"), "LOWER": LOWER},
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        check=True,
    )
    nice, group = done.stdout.split()
    return int(nice), int(group)


@pytest.mark.skipif(
    not Path("/proc/self/autogroup").exists(), reason="the kernel keeps no autogroups"
)
def test_the_runner_lowers_its_sessions_share_only_when_the_session_is_its_own():
    # Alone in its session (with the shell that started it): the session's share goes down.
    assert _lowered('exec "$PYTHON" -c "$LOWER"') == (5, 5)
    assert _lowered('"$PYTHON" -c "$LOWER"') == (5, 5)
    # Beside another program of the same session: that program keeps its share.
    assert _lowered('sleep 30 & "$PYTHON" -c "$LOWER"; kill $!') == (5, 0)
