"""Rate limits of the anonymous web form per client address: sending reports, reading a photo's
location, asking for nearby reports. 429 with Retry-After, a page in the user's language (the
form comes back with the entries) or JSON for the JSON endpoints."""

from __future__ import annotations

import io

from flask_babel import force_locale

from app.extensions import db
from app.reports.models import Report
from app.web.limits import wait_text
from config import Config
from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)
from tests.web.support import RATHAUS, csrf_token, de, en, jpeg, page_text

LIMIT_PAGE = (
    "Many reports came from your internet connection in a short time, so this one was not sent yet."
)
LIMIT_JSON = "Many requests came from your internet connection in a short time."


def report_data(client, description: str) -> dict:
    return {
        "csrf_token": csrf_token(client),
        "category": "papierkorb-voll",
        "lat": RATHAUS[0],
        "lon": RATHAUS[1],
        "description": description,
    }


def reports() -> int:
    db.session.rollback()
    return db.session.execute(db.select(db.func.count()).select_from(Report)).scalar_one()


def wait_seconds(response) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 61  # the rest of the minute (rounded up)
    return seconds


def test_the_defaults_limit_each_endpoint(monkeypatch):
    for name in ("REPORT_RATE_LIMIT", "PHOTO_LOCATION_RATE_LIMIT", "NEARBY_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert config.REPORT_RATE_LIMIT == "5/minute;30/hour"
    assert config.PHOTO_LOCATION_RATE_LIMIT == "30/minute;200/hour"
    assert config.NEARBY_RATE_LIMIT == "60/minute;600/hour"


def test_a_burst_of_reports_from_one_address_is_stopped(limited_app):  # noqa: F811
    client = limited_app(REPORT_RATE_LIMIT="3/minute").test_client()
    sent = [
        client.post("/report", data=report_data(client, f"Papierkorb voll, Nummer {n}."))
        for n in range(3)
    ]
    assert [r.status_code for r in sent] == [303, 303, 303]

    refused = client.post("/report", data=report_data(client, "Noch ein voller Papierkorb."))
    assert refused.status_code == 429
    seconds = wait_seconds(refused)
    body = page_text(refused)
    assert de(LIMIT_PAGE) in body
    with force_locale("de"):
        assert wait_text(seconds) in body  # "Bitte warten Sie 1 Minute …" or "… 40 Sekunden …"
    assert "Notruf 110" in body
    assert "Noch ein voller Papierkorb." in body  # the entries are kept
    assert reports() == 3  # the fourth was not stored, so not forwarded either

    # Another client address has its own budget.
    other = client.post(
        "/report",
        data=report_data(client, "Von woanders."),
        environ_base={"REMOTE_ADDR": "127.0.0.8"},
    )
    assert other.status_code == 303
    assert reports() == 4


def test_the_limit_page_speaks_english(limited_app):  # noqa: F811
    client = limited_app(REPORT_RATE_LIMIT="1/hour").test_client()
    client.get("/report?lang=en")
    assert client.post("/report", data=report_data(client, "First one.")).status_code == 303
    refused = client.post("/report", data=report_data(client, "Second one."))
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 3500 <= seconds <= 3601  # the rest of the hour
    body = page_text(refused)
    assert '<html lang="en">' in body
    assert en(LIMIT_PAGE) in body
    assert f"Please wait {-(-seconds // 60)} minutes and try again." in body


def test_photo_location_answers_json_429(limited_app):  # noqa: F811
    client = limited_app(PHOTO_LOCATION_RATE_LIMIT="2/minute").test_client()
    token = csrf_token(client)

    def send():
        photo = (io.BytesIO(jpeg(gps=(51.5136, 7.4653))), "foto.jpg")
        return client.post(
            "/report/photo-location",
            data={"photo": photo, "csrf_token": token},
            headers={"X-CSRFToken": token},
        )

    assert [send().status_code for _ in range(2)] == [200, 200]
    refused = send()
    assert refused.status_code == 429
    wait_seconds(refused)
    assert refused.get_json()["error"].startswith(de(LIMIT_JSON))


def test_nearby_answers_json_429(limited_app):  # noqa: F811
    client = limited_app(NEARBY_RATE_LIMIT="2/minute").test_client()
    query = {"category": "papierkorb-voll", "lat": RATHAUS[0], "lon": RATHAUS[1]}
    assert [client.get("/report/nearby", query_string=query).status_code for _ in range(2)] == [
        200,
        200,
    ]
    refused = client.get("/report/nearby", query_string=query)
    assert refused.status_code == 429
    wait_seconds(refused)
    assert refused.get_json()["error"].startswith(de(LIMIT_JSON))
    # The form page itself and other addresses are not limited by it.
    assert client.get("/report").status_code == 200
    other = client.get(
        "/report/nearby", query_string=query, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    assert other.status_code == 200


def test_the_suite_runs_without_limits(app_ctx):
    """The session's app (every other test) has limiting off: no test meets a limit by chance."""
    assert app_ctx.config["RATELIMIT_ENABLED"] is False


def test_only_the_limited_endpoints_touch_the_limiter(limited_app, monkeypatch):  # noqa: F811
    """The form's limiter looks at its limit state before, after and at the end of the
    requests it limits only: the API, the pages and the map pay nothing for it; a limited
    endpoint is still counted (the third report of a burst of two is refused)."""
    from flask_limiter import Limiter

    app = limited_app(REPORT_RATE_LIMIT="2/minute")
    touched: list[str | None] = []
    context = Limiter.context

    def watched(self):
        from flask import request

        touched.append(request.endpoint)
        return context.fget(self)

    monkeypatch.setattr(Limiter, "context", property(watched))
    client = app.test_client()
    for path in ("/", "/open311/v2/services.json", "/karte", "/statistik"):
        assert client.get(path).status_code == 200, path
    assert touched == []
    sent = [
        client.post("/report", data=report_data(client, f"Papierkorb voll, Nummer {n}."))
        for n in range(3)
    ]
    assert [r.status_code for r in sent] == [303, 303, 429]
    assert set(touched) == {"web.submit"}
