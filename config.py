"""Configuration, read from the environment when the app is created (never at import time).

Every outbound integration has a setting; ``TestConfig`` switches them all off or points them
at local fakes. ``ProductionConfig`` refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://``/``postgresql://`` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Defaults for every environment; each value can be overridden by an environment variable."""

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY", "dev-only-not-secret")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'quartiersmelder.sqlite'}")
        )
        # No ping before each checkout (a round trip per request): the city version check,
        # every request's and every background round's first statement, notices a connection
        # the database closed and retries on a fresh one (app/cities/settings.py).
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
        # City configuration: a directory with city.json and the district/boundary GeoJSON.
        self.CITY_DIR = env.get("CITY_DIR", str(BASE_DIR / "app" / "cities" / "dortmund"))
        # Geocoding (Nominatim-compatible). Empty URL switches geocoding off.
        self.GEOCODER_URL = env.get("GEOCODER_URL", "https://nominatim.openstreetmap.org")
        self.GEOCODER_USER_AGENT = env.get(
            "GEOCODER_USER_AGENT", "Quartiersmelder/0.1 (contact: it@example.invalid)"
        )
        self.GEOCODER_TIMEOUT = _float("GEOCODER_TIMEOUT", 3.0)
        # Map tiles for the web form; the form stays usable without them.
        self.MAP_TILES_URL = env.get(
            "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
        self.MAP_TILES_ATTRIBUTION = env.get("MAP_TILES_ATTRIBUTION", "© OpenStreetMap-Mitwirkende")
        # Uploads: per photo, pixels, count, and the whole request.
        self.PHOTO_MAX_BYTES = _int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
        self.PHOTO_MAX_PIXELS = _int("PHOTO_MAX_PIXELS", 40_000_000)
        self.PHOTO_MAX_COUNT = _int("PHOTO_MAX_COUNT", 3)
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 40 * 1024 * 1024)
        self.MAX_FORM_MEMORY_SIZE = _int("MAX_FORM_MEMORY_SIZE", 1024 * 1024)
        self.PHOTO_STORAGE_DIR = env.get("PHOTO_STORAGE_DIR", str(INSTANCE_DIR / "photos"))
        # Faces and number plates pixelated at upload, on this machine (README "Photo
        # anonymisation"); thresholds and the per-photo time budget of the detector.
        self.ANONYMISE_PHOTOS = _bool("ANONYMISE_PHOTOS", True)
        self.ANONYMISE_TIME_BUDGET_S = _float("ANONYMISE_TIME_BUDGET_S", 5.0)
        self.ANONYMISE_DETECT_SIDE = _int("ANONYMISE_DETECT_SIDE", 1024)
        self.ANONYMISE_FACE_NEIGHBOURS = _int("ANONYMISE_FACE_NEIGHBOURS", 4)
        self.ANONYMISE_PROFILE_NEIGHBOURS = _int("ANONYMISE_PROFILE_NEIGHBOURS", 5)
        self.ANONYMISE_PLATE_MIN_WIDTH = _int("ANONYMISE_PLATE_MIN_WIDTH", 40)
        # Not in the web request but by the photo runner (`flask photos work`, Procfile
        # "photos"): the photo is stored "pending" and held back until it has run; tickets of
        # a report with pending photos wait for it up to ANONYMISE_HOLD_TICKETS_S, then go
        # without them. The runner's claim of a photo expires after ANONYMISE_LEASE_S (a runner
        # that died); it runs at the nice level ANONYMISE_NICE: 19, the lowest priority (its
        # session's too when the session is its own: app.photos.jobs.lower_priority), so
        # that it takes only CPU time the web processes leave (under a full load the photos
        # wait, their tickets too, up to ANONYMISE_HOLD_TICKETS_S).
        self.ANONYMISE_IN_BACKGROUND = _bool("ANONYMISE_IN_BACKGROUND", True)
        self.ANONYMISE_HOLD_TICKETS_S = _float("ANONYMISE_HOLD_TICKETS_S", 600.0)
        self.ANONYMISE_LEASE_S = _float("ANONYMISE_LEASE_S", 120.0)
        self.ANONYMISE_NICE = _int("ANONYMISE_NICE", 19)
        self.DESCRIPTION_MAX_LENGTH = _int("DESCRIPTION_MAX_LENGTH", 2000)
        self.NEARBY_DEFAULT_RADIUS_M = _int("NEARBY_DEFAULT_RADIUS_M", 50)
        # /readyz reports "not ready" when a due delivery has waited longer than this.
        self.OUTBOX_LAG_MAX_SECONDS = _int("OUTBOX_LAG_MAX_SECONDS", 300)
        # Public base URL for links in e-mails, messages and API answers.
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.BABEL_DEFAULT_LOCALE = "de"
        self.BABEL_DEFAULT_TIMEZONE = env.get("TIMEZONE", "Europe/Berlin")
        # German first (the default and every text's fallback), then English, Turkish, Arabic.
        self.LANGUAGES = ["de", "en", "tr", "ar"]
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.WTF_CSRF_TIME_LIMIT = None  # a resident may take a while with photos
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        # Production refuses per-process (memory://) counters unless this says one process is
        # all there is (several gunicorn workers would each count for themselves).
        self.RATELIMIT_ALLOW_MEMORY = _bool("RATELIMIT_ALLOW_MEMORY", False)
        # Open311 POST/GET budget per API key (or per address without a key).
        self.OPEN311_RATE_LIMIT = env.get("OPEN311_RATE_LIMIT", "2000/minute")
        # Requests of a key's budget a web process takes from shared (Redis) counters at once,
        # at most 1 % of the budget; 1: every request is one round trip (app/open311/limits.py).
        self.OPEN311_RATE_LIMIT_BATCH = int(env.get("OPEN311_RATE_LIMIT_BATCH", "32"))
        # The anonymous web form, per client address ("5/minute;30/hour": both apply).
        self.REPORT_RATE_LIMIT = env.get("REPORT_RATE_LIMIT", "5/minute;30/hour")
        self.PHOTO_LOCATION_RATE_LIMIT = env.get("PHOTO_LOCATION_RATE_LIMIT", "30/minute;200/hour")
        self.NEARBY_RATE_LIMIT = env.get("NEARBY_RATE_LIMIT", "60/minute;600/hour")
        # The form's language switch (it sends the form back with what was typed).
        self.LANGUAGE_SWITCH_RATE_LIMIT = env.get(
            "LANGUAGE_SWITCH_RATE_LIMIT", "30/minute;300/hour"
        )
        # "Follow this report" and "not fixed?" on the web, per client address.
        self.FOLLOW_RATE_LIMIT = env.get("FOLLOW_RATE_LIMIT", "5/minute;30/hour")
        self.NOT_FIXED_RATE_LIMIT = env.get("NOT_FIXED_RATE_LIMIT", "5/minute;30/hour")
        # The public map's JSON (clusters, "already reported here"), per client address.
        self.PUBLIC_MAP_RATE_LIMIT = env.get("PUBLIC_MAP_RATE_LIMIT", "600/minute")
        # Failed staff log-ins: per account and address pair, and per address, further attempts
        # wait until the window has room; past the per-account ceiling (attempts from many
        # addresses) the account is slowed to the pace, never locked for everyone.
        self.LOGIN_FAILURES_PER_PAIR = env.get("LOGIN_FAILURES_PER_PAIR", "5/15minutes")
        self.LOGIN_FAILURES_PER_ADDRESS = env.get("LOGIN_FAILURES_PER_ADDRESS", "30/15minutes")
        self.LOGIN_FAILURES_PER_ACCOUNT = env.get("LOGIN_FAILURES_PER_ACCOUNT", "20/15minutes")
        self.LOGIN_SLOW_PACE = env.get("LOGIN_SLOW_PACE", "1/20seconds")
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none, the
        # client's own address is used and forwarded headers are ignored).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        # Strict-Transport-Security max-age in seconds (0: not sent; production: one year).
        self.HSTS_MAX_AGE = _int("HSTS_MAX_AGE", 0)
        # Accept e-mail addresses under the reserved .invalid/.test domains (development and
        # tests use placeholders such as resident@example.invalid); never in production.
        self.EMAIL_ALLOW_RESERVED_DOMAINS = _bool("EMAIL_ALLOW_RESERVED_DOMAINS", True)
        # Outbox: attempts span more than a day (30 s doubling, capped at 6 h), then dead.
        self.DELIVERY_MAX_ATTEMPTS = _int("DELIVERY_MAX_ATTEMPTS", 14)
        self.DELIVERY_BACKOFF_SECONDS = _float("DELIVERY_BACKOFF_SECONDS", 30.0)
        self.DELIVERY_BACKOFF_CAP = _float("DELIVERY_BACKOFF_CAP", 6 * 3600.0)
        self.SENDER_TIMEOUT = _float("SENDER_TIMEOUT", 10.0)
        # Webhook and Open311 senders connect only to public addresses; set this for partners
        # inside the city's own network (loopback, private, link-local addresses).
        self.SENDER_ALLOW_PRIVATE_NETWORKS = _bool("SENDER_ALLOW_PRIVATE_NETWORKS", False)
        # Outgoing e-mail (forwarding, notifications). Empty host: e-mail deliveries wait.
        self.SMTP_HOST = env.get("SMTP_HOST", "localhost")
        self.SMTP_PORT = _int("SMTP_PORT", 25)
        self.SMTP_USERNAME = env.get("SMTP_USERNAME", "")
        self.SMTP_PASSWORD = env.get("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
        self.MAIL_FROM = env.get("MAIL_FROM", "Quartiersmelder <quartiersmelder@example.invalid>")
        # Telegram Bot API (the bot process and the telegram sender).
        self.TELEGRAM_BOT_TOKEN = env.get("TELEGRAM_BOT_TOKEN", "")
        self.TELEGRAM_API_URL = env.get("TELEGRAM_API_URL", "https://api.telegram.org")
        # Retention: contact data of reports closed this many days ago is deleted (0: never).
        self.RETENTION_DAYS = _int("RETENTION_DAYS", 180)
        # The archive: reports closed this many days ago leave the inbox's default text search
        # (the worker sets report.archived_at; "Search the archive too" still finds them).
        self.ARCHIVE_AFTER_DAYS = _int("ARCHIVE_AFTER_DAYS", 120)
        # Signed one-click links for partners (acknowledge / done) stay valid this long.
        self.PARTNER_LINK_MAX_AGE_DAYS = _int("PARTNER_LINK_MAX_AGE_DAYS", 30)
        # Signed photo URLs in webhook payloads and Open311 media_url stay valid this long.
        self.PARTNER_PHOTO_MAX_AGE_DAYS = _float("PARTNER_PHOTO_MAX_AGE_DAYS", 7)
        # Werkzeug's scrypt: a memory-hard KDF for staff passwords.
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt")


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    """No outbound integration: geocoding off unless a test points it at a local fake."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("TEST_DATABASE_URL", "sqlite://")
        )
        self.GEOCODER_URL = ""
        self.MAP_TILES_URL = ""
        self.PUBLIC_BASE_URL = "http://localhost"
        self.RATELIMIT_ENABLED = False
        self.SMTP_HOST = ""  # tests start a real SMTP server and point here
        self.TELEGRAM_API_URL = ""
        self.DELIVERY_BACKOFF_SECONDS = 0.0
        self.SENDER_ALLOW_PRIVATE_NETWORKS = True  # partners are local servers on 127.0.0.1
        # Hundreds of test accounts: a cheap hash keeps the suite fast (login tests still
        # verify against whatever method the hash names).
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name
        # Tests never depend on the machine's speed: the detector always gets to finish
        # (tests of the time budget set it to 0).
        self.ANONYMISE_TIME_BUDGET_S = _float("ANONYMISE_TIME_BUDGET_S", 300.0)
        # In the request, so a test's photo is anonymised when its report is stored; the tests
        # of the photo runner (tests/photos/test_jobs.py) switch the background mode on.
        self.ANONYMISE_IN_BACKGROUND = False


class ProductionConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        if os.environ.get("SECRET_KEY", "") in {"", "dev-only-not-secret"}:
            raise RuntimeError("ProductionConfig needs a real SECRET_KEY in the environment.")
        self.SESSION_COOKIE_SECURE = True
        self.EMAIL_ALLOW_RESERVED_DOMAINS = False
        self.HSTS_MAX_AGE = _int("HSTS_MAX_AGE", 365 * 24 * 3600)
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and not self.RATELIMIT_ALLOW_MEMORY:
            raise RuntimeError(
                "ProductionConfig: RATELIMIT_STORAGE_URI is memory://, so every web process "
                "would count rate limits and failed log-ins for itself. Point it at Redis "
                "(RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379), or set RATELIMIT_ALLOW_MEMORY=1 "
                "when exactly one web process serves the site."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    """The configuration named by ``QM_ENV`` (development by default)."""
    name = os.environ.get("QM_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"QM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
