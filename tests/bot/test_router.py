"""Every button the bot makes is routed, and every step's buttons belong to a step the bot
asks."""

from __future__ import annotations

import re
from pathlib import Path

from bot.router import BUTTONS, STEP_BUTTONS, STEP_TEXTS

BOT = Path(__file__).resolve().parents[2] / "bot"
SOURCES = "\n".join(path.read_text() for path in sorted(BOT.rglob("*.py")))


def test_every_button_prefix_has_a_handler():
    made = set(re.findall(r"f?[\"']([a-z]+)\|", SOURCES))
    assert made, "no callback data found in the bot's sources"
    assert made <= BUTTONS.keys() | STEP_BUTTONS.keys()
    assert not BUTTONS.keys() & STEP_BUTTONS.keys()


def test_step_buttons_and_texts_belong_to_steps_the_bot_asks():
    asked = set(re.findall(r"step = \"([a-z_]+)\"", SOURCES))
    assert {step for step, _ in STEP_BUTTONS.values()} <= asked
    assert STEP_TEXTS.keys() <= asked
