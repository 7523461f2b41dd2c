"""The bot takes the emergency number and the categories that get the emergency notice from
the backend (the services list), not from Dortmund's defaults."""

from __future__ import annotations

import sqlalchemy as sa

from app.catalogue.models import Category
from app.extensions import db
from tests.other_city import other_city  # noqa: F401  (fixture)


def _sensitive(code: str, value: bool) -> None:
    db.session.execute(sa.update(Category).where(Category.code == code).values(is_sensitive=value))
    db.session.commit()


def test_the_emergency_number_comes_from_the_city(other_city, chat):
    reply = chat.send("/hilfe")
    assert "Notruf 112" in reply and "110" not in reply
    chat.send("/start")
    reply = chat.tap("Unsicherer Ort")
    # The notice itself; the category's description after it is the loaded city's own text.
    [notice] = [text.split("\n\n")[0] for text in reply.texts if text.startswith("🚨")]
    assert "Notruf 112 an" in notice and "110" not in notice
    for text in (chat.send("/help"), chat.send("/status"), chat.send("/status ???")):
        for dortmund in ("Dortmund", "EDG", "DO-", "110", "Friedensplatz"):
            assert dortmund not in text


def test_another_sensitive_category_gets_the_notice(app_ctx, chat):
    _sensitive("wilder-muell", True)
    try:
        chat.send("/start")
        chat.tap("Sauberkeit")
        reply = chat.tap("Wilder Müll")
        assert "Kategorie: Wilder Müll ✓" in reply
        assert "Notruf 110" in reply  # Dortmund's number, from its configuration
    finally:
        _sensitive("wilder-muell", False)


def test_a_category_that_is_not_sensitive_gets_no_notice(chat):
    chat.send("/start")
    chat.tap("Sauberkeit")
    reply = chat.tap("Wilder Müll")
    assert "Kategorie: Wilder Müll ✓" in reply and "Notruf" not in reply
