"""API keys never reach the logs.

Access logs (werkzeug's development server, gunicorn) print the request line with its query
string, and GeoReport v2 clients may send ``api_key`` there. Clients should send the key in the
``X-API-Key`` header (the Telegram bot does); for those that cannot, the key is replaced by
``[redacted]`` in every record of the access loggers before any handler writes it.
"""

from __future__ import annotations

import logging
import re

# ``api_key=…`` in a query string (also percent-encoded), and anything that looks like a key.
_PATTERNS = (
    (re.compile(r"(api(?:_|%5f)key=)[^&;\s\"']*", re.IGNORECASE), r"\1[redacted]"),
    (re.compile(r"\bqm_[A-Za-z0-9_\-]{8,}"), "qm_[redacted]"),
)
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactApiKeys(logging.Filter):
    """Rewrites a record's message when it carries a key (the record still goes out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the logging module's to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_key_redaction() -> None:
    """Add the filter to the access loggers (once per process)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactApiKeys) for f in logger.filters):
            logger.addFilter(RedactApiKeys())
