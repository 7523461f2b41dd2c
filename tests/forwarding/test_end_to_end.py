"""Done when: one cleanliness report goes from the web form to EDG's mailbox with its photo,
EDG clicks "done" in that e-mail's link, the report is resolved, and the resident's e-mail
goes out — all through the real worker process (``flask worker --once``) and a real SMTP
server on 127.0.0.1."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.enums import DeliveryStatus, ReportStatus
from app.extensions import db
from app.forwarding.outbox import FORWARD, RESIDENT_UPDATE
from app.reports.models import Report
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import (
    EDG_ADDRESS,
    csrf_from,
    deliveries,
    has_no_metadata,
    html_part,
    jpeg_attachments,
    partner_path,
    text_part,
    unsubscribe_path,
)
from tests.web.support import RATHAUS, csrf_token, de, jpeg, page_text

ROOT = Path(__file__).resolve().parents[2]
NO_NETWORK = ROOT / "tests" / "fakes" / "no_network"
RESIDENT = "erika.musterfrau@example.invalid"
FLASK = Path(sys.executable).parent / "flask"


def worker_env(app, smtp) -> dict[str, str]:
    """What the worker reads from config.py, pointed at this test's database, photo directory
    and SMTP server; nothing that could reach the internet."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLASK_", "SMTP_", "QM_", "HTTP_PROXY", "HTTPS_PROXY"))
        and k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    config = app.config
    env.update(
        {
            "QM_ENV": "development",
            "FLASK_SKIP_DOTENV": "1",
            "PYTHONPATH": os.pathsep.join([str(NO_NETWORK), str(ROOT)]),
            # SQLite: the session's database file; PostgreSQL: the TEST_DATABASE_URL database.
            "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
            or config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": config["SECRET_KEY"],
            "PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"],
            "CITY_DIR": config["CITY_DIR"],
            "PHOTO_STORAGE_DIR": config["PHOTO_STORAGE_DIR"],
            "MAIL_FROM": config["MAIL_FROM"],
            "SMTP_HOST": smtp.host,
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "0",
            "SMTP_USERNAME": "",
            "SMTP_PASSWORD": "",
            "SENDER_TIMEOUT": "5",
            "PARTNER_LINK_MAX_AGE_DAYS": str(config["PARTNER_LINK_MAX_AGE_DAYS"]),
            "DELIVERY_BACKOFF_SECONDS": "0",
            "SENDER_ALLOW_PRIVATE_NETWORKS": "1",  # the partners are local test servers
            "GEOCODER_URL": "",
            "MAP_TILES_URL": "",
            "TELEGRAM_API_URL": "",
            "TELEGRAM_BOT_TOKEN": "",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    return env


def run_worker(app, smtp) -> None:
    # The child process needs the database to itself for a moment (SQLite locks).
    db.session.rollback()
    db.session.remove()
    done = subprocess.run(
        [str(FLASK), "--app", "wsgi", "worker", "--once"],
        cwd=ROOT,
        env=worker_env(app, smtp),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "tried to reach the network" not in output, output
    assert "Traceback" not in output, output


@pytest.fixture
def geocoding_off(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "GEOCODER_URL", "")


def test_from_the_web_form_to_edg_and_back_to_the_resident(
    app,
    client,
    smtp_server,  # noqa: F811
    geocoding_off,
):
    # 1. A resident reports illegal dumping with a photo, a map point and an e-mail address.
    form = {
        "csrf_token": csrf_token(client),
        "category": "wilder-muell",
        "lat": RATHAUS[0],
        "lon": RATHAUS[1],
        "description": "Alte Matratzen und Müllsäcke neben dem Eingang.",
        "email": RESIDENT,
        "consent": "1",
        "photos": [(io.BytesIO(jpeg(size=(800, 600), gps=(51.5136, 7.4653))), "muell.jpg")],
    }
    response = client.post("/report", data=form, content_type="multipart/form-data")
    assert response.status_code == 303, page_text(response)
    report = db.session.execute(db.select(Report)).scalar_one()
    reference, report_id = report.reference, report.id
    assert report.department.code == "edg" and report.contact.wants_updates
    [ticket] = deliveries(FORWARD, report)
    assert ticket.status == DeliveryStatus.PENDING and ticket.method == "email"

    # 2. The worker process sends the ticket to EDG (and tells the resident it was forwarded).
    run_worker(app, smtp_server)
    [mail] = smtp_server.messages_to(EDG_ADDRESS)
    assert reference in mail["Subject"] and "Wilder Müll" in mail["Subject"]
    [(filename, photo)] = jpeg_attachments(mail)
    assert filename == f"{reference}-1.jpg" and has_no_metadata(photo)
    assert "Alte Matratzen und Müllsäcke neben dem Eingang." in text_part(mail)
    assert "Alte Matratzen und Müllsäcke neben dem Eingang." in html_part(mail)
    report = db.session.get(Report, report_id)
    assert report.status == ReportStatus.FORWARDED
    [forwarded_mail] = smtp_server.messages_to(RESIDENT)
    assert de("Forwarded to the responsible office") in forwarded_mail["Subject"]

    # 3. EDG follows the one-click link from the e-mail and reports "done".
    link = partner_path(mail)
    page = client.get(link)
    assert page.status_code == 200 and reference in page_text(page)
    done = client.post(
        link,
        data={"csrf_token": csrf_from(page), "action": "done", "note": "Alles abgeholt."},
        content_type="multipart/form-data",
    )
    assert done.status_code == 200, page_text(done)
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    assert report.status == ReportStatus.RESOLVED
    assert deliveries(FORWARD, report)[0].status == DeliveryStatus.DONE
    pending = [d for d in deliveries(RESIDENT_UPDATE, report) if d.status == DeliveryStatus.PENDING]
    assert len(pending) == 1

    # 4. The worker process sends the resident the news, in German, with the link.
    run_worker(app, smtp_server)
    first, resolved = smtp_server.messages_to(RESIDENT)
    assert first["Message-ID"] == forwarded_mail["Message-ID"]
    assert resolved["Subject"] == de(
        "Report %(reference)s: %(status)s", reference=reference, status="Erledigt"
    )
    body = text_part(resolved)
    assert "Erledigt" in body and "Alles abgeholt." in body
    assert f"http://localhost/r/{reference}" in body
    assert resolved["List-Unsubscribe"] == f"<http://localhost{unsubscribe_path(resolved)}>"
    report = db.session.get(Report, report_id)
    assert [d.status for d in deliveries(RESIDENT_UPDATE, report)] == [DeliveryStatus.SENT] * 2
    assert len(smtp_server.messages_to(EDG_ADDRESS)) == 1  # EDG got its ticket exactly once
