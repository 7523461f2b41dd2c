"""Fixtures for the Open311 API: an API key, a helper to post reports, and the app served on
a real local port (for the published ``georeport`` client and raw HTTP)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.open311.keys import create_api_key

API = "/open311/v2"
FRIEDENSPLATZ = (51.5136, 7.4653)  # Innenstadt-West
BORSIGPLATZ = (51.5235, 7.4837)  # Innenstadt-Nord
PHOENIX_SEE = (51.4886, 7.5126)  # Hörde
BOCHUM_HBF = (51.4785, 7.2232)  # outside Dortmund
UNSAFE_FORM = {"attribute[time_of_day]": "night", "attribute[reasons][]": ["dark", "deserted"]}


@pytest.fixture
def api_key(app_ctx) -> str:
    """A fresh, active API key (the secret token)."""
    _key, token = create_api_key("test client")
    db.session.commit()
    return token


@pytest.fixture
def post_report(client, api_key):
    """``post_report(**form)``: POST requests.json with a valid key and sensible defaults."""

    def post(fmt: str = "json", *, files=None, headers=None, **form):
        data = {
            "api_key": api_key,
            "service_code": "papierkorb-voll",
            "lat": str(FRIEDENSPLATZ[0]),
            "long": str(FRIEDENSPLATZ[1]),
            **form,
        }
        data = {k: v for k, v in data.items() if v is not None}
        if files:
            data.update(files)
        return client.post(f"{API}/requests.{fmt}", data=data, headers=headers or {})

    return post


class LiveServer:
    def __init__(self, app) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app_ctx, monkeypatch) -> Iterator[LiveServer]:
    """The app on http://127.0.0.1:<free port>, stopped after the test."""
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    server = LiveServer(app_ctx).start()
    try:
        yield server
    finally:
        server.stop()
