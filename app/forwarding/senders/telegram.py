"""Status updates to residents who reported through the Telegram bot (Bot API sendMessage)."""

from __future__ import annotations

import logging

import httpx

from app.forwarding.messages import resident_target, resident_update_text
from app.forwarding.outbox import RESIDENT_UPDATE
from app.forwarding.senders.base import Sender, SendResult, register_sender
from app.forwarding.senders.http import pooled_client

log = logging.getLogger(__name__)


@register_sender
class TelegramSender(Sender):
    """``sendMessage`` to the resident's chat, in their language, with the reference."""

    method = "telegram"
    carries_tickets = False  # it only reaches residents; no settings of a department

    def send(self, delivery) -> SendResult:
        if delivery.purpose != RESIDENT_UPDATE:
            return SendResult.failure("telegram only carries resident updates", retryable=False)
        token = self.app.config.get("TELEGRAM_BOT_TOKEN")
        api = (self.app.config.get("TELEGRAM_API_URL") or "").rstrip("/")
        if not token or not api:
            return SendResult.failure("TELEGRAM_BOT_TOKEN / TELEGRAM_API_URL not configured")
        target = resident_target(delivery)
        if target is None or not target.wants_updates or not target.telegram_chat_id:
            log.info("Delivery %s: resident gone or unsubscribed, nothing sent", delivery.id)
            return SendResult.success()
        body = {
            "chat_id": target.telegram_chat_id,
            "text": resident_update_text(delivery),
            "disable_web_page_preview": True,
        }
        try:
            response = pooled_client(self.timeout, api).post(
                f"{api}/bot{token}/sendMessage", json=body
            )
        except httpx.HTTPError as exc:
            return SendResult.failure(f"Telegram not reachable: {exc!r}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 200 and answer.get("ok"):
            return SendResult.success(str(answer["result"]["message_id"]))
        description = answer.get("description") or response.text[:200]
        # 400/403: chat gone or the resident blocked the bot; retrying cannot help.
        retryable = response.status_code in (408, 429) or response.status_code >= 500
        return SendResult.failure(
            f"Telegram {response.status_code}: {description}", retryable=retryable
        )
