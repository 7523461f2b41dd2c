"""Rate limits of the anonymous web form, per client address: sending a report or a "me too"
(``REPORT_RATE_LIMIT``, counted apart), reading a photo's location
(``PHOTO_LOCATION_RATE_LIMIT``) and asking for nearby reports or their cards
(``NEARBY_RATE_LIMIT``), switching the form's language
(``LANGUAGE_SWITCH_RATE_LIMIT``), following a report (``FOLLOW_RATE_LIMIT``) and saying
"not fixed" (``NOT_FIXED_RATE_LIMIT``).

Behind a proxy the client address is the one ``TRUSTED_PROXIES`` lets through
(``app/core/edge.py``). Counters live in ``RATELIMIT_STORAGE_URI`` (Redis in production, shared
by every web process); ``RATELIMIT_ENABLED=False`` switches limiting off (the test suite does,
except for the tests of the limits themselves).
"""

from __future__ import annotations

import math
import time
from functools import partial
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import ngettext
from flask_limiter import Limiter

EXTENSION = "web_limiter"
# endpoint -> the setting with its limit
LIMITED_ENDPOINTS = {
    "web.submit": "REPORT_RATE_LIMIT",
    "web.photo_location": "PHOTO_LOCATION_RATE_LIMIT",
    "web.nearby": "NEARBY_RATE_LIMIT",
    "web.nearby_cards": "NEARBY_RATE_LIMIT",
    "web.me_too": "REPORT_RATE_LIMIT",
    "web.switch_language": "LANGUAGE_SWITCH_RATE_LIMIT",
    "afterwards.follow": "FOLLOW_RATE_LIMIT",
    "afterwards.not_fixed_send": "NOT_FIXED_RATE_LIMIT",
}


def client_address() -> str:
    return request.remote_addr or "unknown"


def _limit_of(setting: str) -> str:
    return current_app.config[setting]


def init_web_limits(app: Flask) -> Limiter:
    """A limiter of this app (one per app, so apps do not share state) on the form's endpoints;
    call after the web blueprints are registered."""
    limiter = Limiter(key_func=client_address, headers_enabled=False)
    for endpoint, setting in LIMITED_ENDPOINTS.items():
        view = app.view_functions[endpoint]
        limit = limiter.limit(partial(_limit_of, setting), key_func=client_address)
        # Flask-Limiter's decorator is typed for sync and async views alike; these are sync.
        app.view_functions[endpoint] = limit(view)  # type: ignore[assignment]
    limiter.init_app(app)
    _check_limited_endpoints_only(app, limiter)
    app.extensions[EXTENSION] = limiter
    return limiter


def _check_limited_endpoints_only(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter checks every request of the app before its view (for default limits,
    which this limiter has none of), and after it and at its end looks at the request's limit
    state; let it do so only for the endpoints above: its hooks move from the app to the
    blueprints of those endpoints, and there run for those endpoints only, so that other
    requests (the API above all) pay nothing for them (about 1 % of an Open311 POST). The
    limits themselves sit on the views; an endpoint without one has no limit state to look
    at or to release."""

    def owned(hook: Any) -> bool:
        return getattr(hook, "__self__", None) is limiter or (
            isinstance(hook, partial) and hook.args[:1] == (limiter,)
        )

    def before(check: Any) -> Any:
        def check_limited() -> Any:
            return check() if request.endpoint in LIMITED_ENDPOINTS else None

        return check_limited

    def after(inject: Any) -> Any:
        def after_limited(response: Response) -> Response:
            return inject(response) if request.endpoint in LIMITED_ENDPOINTS else response

        return after_limited

    def teardown(release: Any) -> Any:
        def release_limited(error: BaseException | None = None) -> None:
            if request.endpoint in LIMITED_ENDPOINTS:
                release(error)

        return release_limited

    hooks_by_kind: tuple[tuple[Any, Any], ...] = (
        (app.before_request_funcs, before),
        (app.after_request_funcs, after),
        (app.teardown_request_funcs, teardown),
    )
    blueprints = sorted({endpoint.partition(".")[0] for endpoint in LIMITED_ENDPOINTS})
    for hooks, wrap in hooks_by_kind:
        app_hooks = hooks.get(None, [])
        moved = [hook for hook in app_hooks if owned(hook)]
        app_hooks[:] = [hook for hook in app_hooks if not owned(hook)]
        for blueprint in blueprints:
            hooks.setdefault(blueprint, []).extend(wrap(hook) for hook in moved)


def retry_after_seconds() -> int:
    """Seconds until the limit that refused this request has room again."""
    limiter = current_app.extensions.get(EXTENSION)
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def wait_text(seconds: int) -> str:
    """'Please wait …' in the page's language: seconds up to two minutes, then whole minutes."""
    if seconds < 120:
        return ngettext(
            "Please wait %(num)d second and try again.",
            "Please wait %(num)d seconds and try again.",
            seconds,
        )
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Please wait %(num)d minute and try again.",
        "Please wait %(num)d minutes and try again.",
        minutes,
    )
