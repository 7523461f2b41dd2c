"""The conversation, one module per phase.

The report: category (``category``) → place (``place``; a shared location outside the city
refused at once) → nearby "me too" (``nearby``; never on one's own report) → extra questions
(``questions``) → photos (``photos``) → description (``description``) → summary and changes
(``summary``) → sent (``submit``; once: one submission key per draft). ``report`` asks for
whatever the draft still lacks. Afterwards: /status, /meine, "not fixed?", /loeschen
(``afterwards``); /hilfe, /datenschutz, /sprache (``commands``). ``bot.router`` connects
commands, messages and buttons to them.

A step that handled the resident's input says what comes next (``Then``), and
``bot.flows.report.follow`` does it: the step modules never call back into the flow, so
they import nothing but the shared helpers.
"""

from __future__ import annotations

from enum import Enum, auto


class Then(Enum):
    """What the conversation does after a step handled the resident's input."""

    ASK_NEXT = auto()  # ask for whatever the draft still lacks
    ASK_AGAIN = auto()  # the current step's question once more
    CANCEL = auto()  # the resident gave up on the draft
    DONE = auto()  # nothing more: the step has answered
