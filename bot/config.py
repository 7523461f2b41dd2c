"""The bot's settings, read from the environment (never from the backend's config: the bot is a
separate process that only knows the backend's URL and its own API key)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STATE_FILE = Path(__file__).resolve().parent.parent / "instance" / "bot-state.sqlite3"
# Where earlier versions kept the state (a pickle); taken over once by the default file.
LEGACY_STATE_FILE = DEFAULT_STATE_FILE.with_name("bot-state.pickle")

BOTFATHER_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the Telegram bot cannot start.

How to get a token:
  1. Open Telegram and start a chat with @BotFather (https://t.me/BotFather).
  2. Send /newbot, choose a display name (e.g. "Quartiersmelder" and the city) and a user name
     ending in "bot" (e.g. quartiersmelder_do_bot).
  3. BotFather answers with a token like 123456789:AAE…; keep it secret.
  4. export TELEGRAM_BOT_TOKEN=123456789:AAE…   and run `python -m bot` again.

The bot also needs the backend's address and its own Open311 API key:
  export BACKEND_URL=http://127.0.0.1:5000          (default)
  export BACKEND_API_KEY=$(flask api-keys create telegram-bot | tail -n 1)
"""

API_KEY_HELP = """\
BACKEND_API_KEY is not set: the bot posts reports through the backend's Open311 API and needs
its own key. Create one on the backend with

  flask api-keys create telegram-bot

and export BACKEND_API_KEY=<the key it prints>.
"""


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says what to do."""


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}.") from None


def _int(env: dict[str, str], name: str, default: int) -> int:
    return int(_float(env, name, default))


@dataclass
class BotConfig:
    token: str
    backend_url: str = "http://127.0.0.1:5000"
    api_key: str = ""
    public_url: str = ""  # status links; the backend URL when empty
    telegram_api_url: str = "https://api.telegram.org"
    mode: str = "polling"  # or "webhook"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    state_file: Path = field(default_factory=lambda: DEFAULT_STATE_FILE)
    persist_interval: float = 2.0  # seconds between persistence writes (plus before each answer)
    backend_timeout: float = 10.0
    flood_limit: int = 30  # updates per user …
    flood_window: float = 60.0  # … in this many seconds
    photo_max_bytes: int = 10 * 1024 * 1024  # the backend's default PHOTO_MAX_BYTES
    photo_max_count: int = 3
    concurrent_updates: int = 32
    poll_timeout: int = 10
    # Categories that get the emergency notice; empty: the backend's sensitive categories.
    emergency_codes: tuple[str, ...] = ()

    @property
    def bot_api_base_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/bot"

    @property
    def bot_api_file_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/file/bot"

    @property
    def status_base_url(self) -> str:
        return (self.public_url or self.backend_url).rstrip("/")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> BotConfig:
        env = dict(os.environ if env is None else env)
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(BOTFATHER_HELP)
        api_key = env.get("BACKEND_API_KEY", "").strip()
        key_file = env.get("BACKEND_API_KEY_FILE", "").strip()
        if not api_key and key_file and Path(key_file).is_file():
            # `make run` keeps the bot's key in a file only the operator can read.
            api_key = Path(key_file).read_text(encoding="utf-8").strip()
        if not api_key:
            raise ConfigError(API_KEY_HELP)
        mode = env.get("BOT_MODE", "polling").strip().lower() or "polling"
        if mode not in ("polling", "webhook"):
            raise ConfigError(f"BOT_MODE must be polling or webhook, not {mode!r}.")
        webhook_url = env.get("WEBHOOK_URL", "").strip()
        webhook_secret = env.get("WEBHOOK_SECRET", "").strip()
        if mode == "webhook":
            if not webhook_url.startswith("https://"):
                raise ConfigError(
                    "BOT_MODE=webhook needs WEBHOOK_URL, the public https:// address Telegram "
                    "posts updates to (e.g. https://melder.example.org/telegram)."
                )
            if not webhook_secret:
                raise ConfigError(
                    "BOT_MODE=webhook needs WEBHOOK_SECRET (1–256 characters A–Z, a–z, 0–9, _ "
                    "and -): Telegram sends it in the X-Telegram-Bot-Api-Secret-Token header "
                    "and the bot refuses requests without it."
                )
        codes = env.get("BOT_EMERGENCY_CATEGORIES", "")
        return cls(
            token=token,
            backend_url=env.get("BACKEND_URL", "").strip().rstrip("/") or "http://127.0.0.1:5000",
            api_key=api_key,
            public_url=env.get("PUBLIC_URL", "").strip().rstrip("/"),
            telegram_api_url=env.get("TELEGRAM_API_URL", "").strip().rstrip("/")
            or "https://api.telegram.org",
            mode=mode,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=_int(env, "WEBHOOK_PORT", 8443),
            state_file=Path(env.get("BOT_STATE_FILE", "").strip() or DEFAULT_STATE_FILE),
            persist_interval=_float(env, "BOT_PERSIST_INTERVAL", 2.0),
            backend_timeout=_float(env, "BACKEND_TIMEOUT", 10.0),
            flood_limit=_int(env, "BOT_FLOOD_LIMIT", 30),
            flood_window=_float(env, "BOT_FLOOD_WINDOW", 60.0),
            photo_max_bytes=_int(env, "PHOTO_MAX_BYTES", 10 * 1024 * 1024),
            photo_max_count=_int(env, "PHOTO_MAX_COUNT", 3),
            poll_timeout=_int(env, "BOT_POLL_TIMEOUT", 10),
            emergency_codes=tuple(c.strip() for c in codes.split(",") if c.strip()),
        )
