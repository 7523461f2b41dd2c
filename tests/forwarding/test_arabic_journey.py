"""A resident who reads Arabic files a report on the web form and hears back in Arabic: the
pages are laid out right to left, the confirmation speaks Arabic, and so does the e-mail the
real worker process sends (subject, text and a right-to-left HTML part)."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from app.core.enums import ReportStatus
from app.extensions import db
from app.reports.models import Report
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import html_part, text_part
from tests.forwarding.test_end_to_end import geocoding_off, run_worker  # noqa: F401
from tests.web.support import RATHAUS, csrf_token, page_text

RESIDENT = "leyla.beispiel@example.invalid"


def ar(msgid: str, **variables) -> str:
    with force_locale("ar"):
        return gettext(msgid, **variables)


def test_a_report_in_arabic_from_the_form_to_the_e_mail(
    app,
    client,
    smtp_server,  # noqa: F811
    geocoding_off,  # noqa: F811
):
    form_page = client.get("/report?lang=ar")
    html = form_page.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html
    assert ar("Send report") in html and ar("Send report") != "Send report"

    response = client.post(
        "/report",
        data={
            "csrf_token": csrf_token(client),
            "category": "wilder-muell",
            "lat": RATHAUS[0],
            "lon": RATHAUS[1],
            "description": "أكياس قمامة بجانب المدخل.",
            "email": RESIDENT,
            "consent": "1",
        },
    )
    assert response.status_code == 303, page_text(response)
    report = db.session.execute(db.select(Report)).scalar_one()
    reference, report_id = report.reference, report.id
    assert report.contact is not None and report.contact.locale == "ar"

    confirmation = client.get(response.headers["Location"])
    page = confirmation.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in page
    assert reference in page
    assert ar("Thank you! Your report has been sent.") in page_text(confirmation)

    run_worker(app, smtp_server)
    assert db.session.get(Report, report_id).status == ReportStatus.FORWARDED
    [mail] = smtp_server.messages_to(RESIDENT)
    subject = ar("Forwarded to the responsible office")
    assert subject != "Forwarded to the responsible office"
    assert subject in mail["Subject"] and reference in mail["Subject"]
    assert reference in text_part(mail)
    html_mail = html_part(mail)
    assert 'lang="ar"' in html_mail and 'dir="rtl"' in html_mail
