"""The session cookie (``app.core.sessions``): what a browser is told to keep it keeps, through
key rotation; a client that sends no cookie and stores nothing is given none."""

from __future__ import annotations

import re

import pytest

from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_language_chosen_once_is_remembered_in_the_cookie(client):
    first = client.get("/?lang=en")
    assert "session=" in first.headers.get("Set-Cookie", "")
    assert "Cookie" in first.headers.get("Vary", "")
    assert _lang(client.get("/")) == "en"  # the cookie carried it
    assert _lang(client.get("/?lang=de")) == "de"
    assert _lang(client.get("/")) == "de"


def test_a_request_without_a_session_gets_no_cookie(client):
    for path in ("/", "/open311/discovery.json", "/open311/v2/requests.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    # The page read the (empty) session for its language: caches keep it apart per cookie.
    assert "Cookie" in client.get("/").headers.get("Vary", "")


@pytest.mark.parametrize("kept", [True, False])
def test_a_rotated_key_reads_old_cookies_only_while_it_is_a_fallback(limited_app, kept):  # noqa: F811
    """Each request in an app context of its own, as in production (nothing on ``g`` can
    stand in for the cookie)."""
    served = limited_app(SECRET_KEY="the key before", SECRET_KEY_FALLBACKS=[])
    browser = served.test_client()
    browser.get("/?lang=en")
    served.config["SECRET_KEY"] = "the key after"
    served.config["SECRET_KEY_FALLBACKS"] = ["the key before"] if kept else []
    assert _lang(browser.get("/")) == ("en" if kept else "de")
    # A cookie signed now is signed with the new key, and read with it alone.
    browser.get("/?lang=en")
    served.config["SECRET_KEY_FALLBACKS"] = []
    assert _lang(browser.get("/")) == "en"
