"""Signed links in e-mails: one-click acknowledge/done for partners without an account,
unsubscribe and "not fixed?" for residents. Tokens are signed with SECRET_KEY (itsdangerous)
and carry no personal data."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.forwarding.models import Delivery

_PARTNER_SALT = "qm-partner-link"
_UNSUBSCRIBE_SALT = "qm-unsubscribe"
_REOPEN_SALT = "qm-reopen"


class LinkInvalid(Exception):
    """A forged, mangled or expired link (``expired`` says which)."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


@functools.lru_cache(maxsize=16)
def _cached_serializer(secret_key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def _serializer(salt: str) -> URLSafeTimedSerializer:
    # One per key and salt: the worker signs a partner link for every ticket.
    return _cached_serializer(current_app.config["SECRET_KEY"], salt)


def public_url(path: str) -> str:
    """An absolute URL for e-mails and API answers (``PUBLIC_BASE_URL`` + path)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def app_path(endpoint: str, **values: Any) -> str:
    """What ``url_for(endpoint, **values)`` gives inside a request (the path, with the
    application root), without one: the worker builds two paths per ticket, and a test
    request context per ticket cost more than the rest of the ticket. The URL map is bound
    once per app, as ``test_request_context()`` binds it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object; typed as Flask
    adapter = app.extensions.get("qm_path_adapter")
    if adapter is None:
        with app.test_request_context() as ctx:
            adapter = app.extensions["qm_path_adapter"] = ctx.url_adapter
    app.inject_url_defaults(endpoint, values)
    return str(adapter.build(endpoint, values))


def partner_token(delivery: Delivery) -> str:
    # The idempotency key ties the token to this very delivery row, not just its id.
    return _serializer(_PARTNER_SALT).dumps({"d": delivery.id, "k": delivery.idempotency_key})


def delivery_from_partner_token(token: str) -> Delivery:
    """The delivery a partner link points to; ``LinkInvalid`` for forged or expired links."""
    max_age = current_app.config["PARTNER_LINK_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer(_PARTNER_SALT).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkInvalid(expired=True) from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    delivery = db.session.get(Delivery, data.get("d")) if isinstance(data, dict) else None
    if delivery is None or delivery.idempotency_key != data.get("k"):
        raise LinkInvalid()
    return delivery


def unsubscribe_token(target: str) -> str:
    """For ``contact:<id>`` or ``supporter:<id>``; does not expire (an old e-mail still works)."""
    return _serializer(_UNSUBSCRIBE_SALT).dumps(target)


def target_from_unsubscribe_token(token: str) -> str:
    try:
        target = _serializer(_UNSUBSCRIBE_SALT).loads(token)
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if not isinstance(target, str) or not target.startswith(("contact:", "supporter:")):
        raise LinkInvalid()
    return target


@dataclass(frozen=True)
class ReopenClaim:
    """What a "not fixed?" link names: the report and the contact or supporter it was sent to."""

    report_id: int
    target: str


def reopen_token(target: str, report_id: int) -> str:
    """For ``contact:<id>`` or ``supporter:<id>`` of report ``report_id``: the link works for
    this report and this person only."""
    return _serializer(_REOPEN_SALT).dumps({"r": report_id, "t": target})


def claim_from_reopen_token(token: str, max_age: timedelta) -> ReopenClaim:
    """The report and person a "not fixed?" link names; ``LinkInvalid`` for a forged link,
    ``LinkInvalid(expired=True)`` for one older than ``max_age``."""
    try:
        data = _serializer(_REOPEN_SALT).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkInvalid(expired=True) from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if not isinstance(data, dict):
        raise LinkInvalid()
    report_id, target = data.get("r"), data.get("t")
    if not isinstance(report_id, int) or not isinstance(target, str):
        raise LinkInvalid()
    if not target.startswith(("contact:", "supporter:")):
        raise LinkInvalid()
    return ReopenClaim(report_id, target)
