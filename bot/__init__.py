"""The Quartiersmelder Telegram bot: a separate process (``python -m bot``) that talks to the
backend only over HTTP — the Open311 API and its documented extensions, with its own API key.
It never imports ``app`` and never opens the database."""
