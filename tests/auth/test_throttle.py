"""Log-in throttling per account and address pair, per address, and a per-account ceiling that
slows guessing from many addresses without locking the account's owner out."""

from __future__ import annotations

import pytest

from tests.auth.test_login import login
from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)

PASSWORD = "a long test password"
WRONG = "wrong password!!"


def attempt(client, email: str, password: str, address: str):
    return login(client, email, password, environ_base={"REMOTE_ADDR": address})


def test_five_wrong_passwords_from_one_address_do_not_lock_the_account_for_others(
    client, make_user
):
    user = make_user()
    for _ in range(5):
        assert attempt(client, user.email, WRONG, "203.0.113.9").status_code == 401
    blocked = attempt(client, user.email, PASSWORD, "203.0.113.9")
    assert blocked.status_code == 429  # the guessing address waits (15 minutes)
    assert 800 <= int(blocked.headers["Retry-After"]) <= 901
    # The account's owner, at the office, logs in as usual.
    assert attempt(client, user.email, PASSWORD, "198.51.100.20").status_code == 302


def test_an_address_trying_many_accounts_is_stopped(client, make_user, monkeypatch, app_ctx):
    monkeypatch.setitem(app_ctx.config, "LOGIN_FAILURES_PER_ADDRESS", "4/15minutes")
    user = make_user()
    for n in range(4):
        assert attempt(client, f"guess{n}@example.invalid", WRONG, "203.0.113.9").status_code == 401
    assert attempt(client, user.email, PASSWORD, "203.0.113.9").status_code == 429
    assert attempt(client, user.email, PASSWORD, "198.51.100.20").status_code == 302


@pytest.fixture
def served(limited_app):  # noqa: F811
    """An app of its own with a small ceiling: 6 failures per account from any addresses, then
    one attempt per minute. Each request gets a fresh app context, as in production."""
    return limited_app(
        LOGIN_FAILURES_PER_PAIR="3/15minutes",
        LOGIN_FAILURES_PER_ACCOUNT="6/15minutes",
        LOGIN_SLOW_PACE="1/minute",
    )


def guess_from_many_addresses(client, email: str, times: int) -> None:
    for n in range(times):  # three tries per address: under the per-pair limit
        response = attempt(client, email, WRONG, f"203.0.113.{n // 3}")
        assert response.status_code in (401, 429)


def test_guessing_from_many_addresses_slows_the_account_instead_of_locking_it(served, make_user):
    user = make_user()
    attacker = served.test_client()
    guess_from_many_addresses(attacker, user.email, 6)
    # Past the ceiling: another attempt waits for the pace, from any new address ...
    slowed = attempt(attacker, user.email, WRONG, "203.0.113.50")
    assert slowed.status_code == 429
    seconds = int(slowed.headers["Retry-After"])
    assert 1 <= seconds <= 61  # a minute at most, never the 15 minutes of a lock
    assert "Zu viele Fehlversuche." in slowed.get_data(as_text=True)
    # ... and a stranger's browser too, with the right password.
    stranger = served.test_client()
    assert attempt(stranger, user.email, PASSWORD, "198.51.100.20").status_code == 429


def test_a_browser_that_logged_in_before_is_not_slowed(served, make_user):
    user = make_user()
    owner = served.test_client()
    assert attempt(owner, user.email, PASSWORD, "198.51.100.20").status_code == 302
    known = owner.get_cookie("qm_known_login", path="/login")
    assert known is not None and known.http_only
    owner.delete_cookie("session")  # the session is over; the browser keeps the device cookie

    attacker = served.test_client()
    guess_from_many_addresses(attacker, user.email, 7)
    assert attempt(attacker, user.email, PASSWORD, "203.0.113.60").status_code == 429

    assert attempt(owner, user.email, PASSWORD, "198.51.100.20").status_code == 302


def test_a_forged_device_cookie_counts_for_nothing(served, make_user):
    user = make_user()
    attacker = served.test_client()
    guess_from_many_addresses(attacker, user.email, 7)
    attacker.set_cookie("qm_known_login", "W10.forged.signature", path="/login")
    assert attempt(attacker, user.email, PASSWORD, "203.0.113.61").status_code == 429
