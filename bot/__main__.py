"""``python -m bot``: the Telegram bot process (polling by default, webhook by configuration).

It talks to the backend only over HTTP (the Open311 API with its own key); see bot/config.py
for the environment variables and README for setting up a bot with BotFather.
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.config import BotConfig, ConfigError
from bot.i18n import missing_catalogues

WEBHOOK_EXTRA_HELP = """\
BOT_MODE=webhook needs python-telegram-bot's "webhooks" extra (the tornado web server):

  pip install "python-telegram-bot[webhooks]==22.8"

Or run the bot with BOT_MODE=polling (the default), which needs no public address.
"""


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll is too chatty
    try:
        config = BotConfig.from_env()
    except ConfigError as error:
        print(str(error).rstrip(), file=sys.stderr)
        return 2
    missing = missing_catalogues()
    if missing:
        print(
            f"The translations ({', '.join(missing)}) are not compiled: run `make translations` "
            "(pybabel compile -d app/translations).",
            file=sys.stderr,
        )
        return 2
    if config.mode == "webhook":
        try:
            import tornado  # noqa: F401
        except ImportError:
            print(WEBHOOK_EXTRA_HELP.rstrip(), file=sys.stderr)
            return 2
    application = build_application(config)
    log = logging.getLogger("bot")
    log.info(
        "Quartiersmelder bot: %s mode, backend %s, state in %s",
        config.mode,
        config.backend_url,
        config.state_file,
    )
    try:
        if config.mode == "webhook":
            application.run_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlsplit(config.webhook_url).path.lstrip("/"),
                webhook_url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=config.poll_timeout)
    except InvalidToken:
        print(
            "Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather (/token).",
            file=sys.stderr,
        )
        return 2
    except NetworkError as error:
        print(f"Telegram is not reachable at {config.telegram_api_url}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
