"""The Telegram bot's handling time per conversation step: the real python-telegram-bot
application against the local fake Bot API and the backend on a loopback server (address
search through the fake Nominatim). Each step's figure is the median time from handing the
update to the application until it has answered — including its calls to the backend and to
the Bot API.

The limit is measured in the same run: a bare Bot API round trip (``getMe`` through the same
bot, median of many) — a step may cost at most ``STEP_BUDGET`` of those; sending may cost
the backend's own time for the same POST (the photo is processed there) on top. Both are
measured after each conversation, so that they see the same machine as its steps (the
backend's database grows by a report per conversation, and other load on the machine comes
and goes).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from benchmarks.common import line
from benchmarks.setup import bench_app, live_server

# Each step's figure is the median of this many; with 12 the send step's median moved by a
# fifth between runs.
CONVERSATIONS = 24
ROUND_TRIPS = 10  # getMe after each conversation
STEP_BUDGET = 20  # bare Bot API round trips a step may take

STEPS = (
    ("/start", "send", "/start"),
    ("group button", "tap", "Beleuchtung"),
    ("category button", "tap", "Straßenlaterne aus"),
    ("typed address (geocoded)", "send", "Friedensplatz 1"),
    ("confirm place (nearby check)", "tap", "Ja, stimmt"),
    ("mast number (text)", "send", "123-456"),
    ("photo", "photo", None),
    ("photos done", "tap", "Weiter"),
    ("description → summary", "send", "Seit Tagen dunkel"),
    ("send (photo fetched + POST)", "tap", "Senden"),
)


def _step(chat, kind: str, arg: str | None, photo) -> float:
    """One resident action, timed from handing the update over until it is handled."""
    if kind == "tap":
        message, data = chat.find_button(arg)  # finding the button is not the bot's time
        start = time.perf_counter()
        chat.tap_data(message, data)
    elif kind == "send":
        start = time.perf_counter()
        chat.send(arg)
    else:
        start = time.perf_counter()
        chat.photo(photo)
    return time.perf_counter() - start


def bot_step_times() -> None:
    from app.extensions import db
    from app.open311.keys import create_api_key
    from bot.config import BotConfig
    from tests.bot.conftest import jpeg
    from tests.bot.support import BotRunner, Chat
    from tests.fakes.nominatim import FakeNominatim
    from tests.fakes.telegram import FakeTelegram

    app = bench_app()
    workdir = Path(tempfile.mkdtemp(prefix="qm-bench-bot-"))
    with app.app_context():
        _, api_key = create_api_key("bench bot")
        db.session.commit()

    with FakeNominatim() as nominatim, live_server(app) as backend_url:
        app.config["GEOCODER_URL"] = nominatim.url
        app.extensions.pop("qm_geocoder", None)
        fake = FakeTelegram().start()
        config = BotConfig(
            token=fake.token,
            backend_url=backend_url,
            api_key=api_key,
            telegram_api_url=fake.api_url,
            state_file=workdir / "state.sqlite3",
            flood_limit=10_000,
        )
        runner = BotRunner(config, fake).start()
        photo = fake.add_file(jpeg((1600, 1200)))
        # The same form the bot posts (bot.draft.Draft.request_fields), straight to the backend.
        fields = {
            "api_key": api_key,
            "service_code": "laterne-aus",
            "lat": "51.5136000",
            "long": "7.4653000",
            "address_string": "Friedensplatz 1, 44135 Dortmund",
            "attribute[mast_number]": "123-456",
            "description": "Seit Tagen dunkel",
            "telegram_chat_id": "49999",
            "updates": "true",
            "locale": "de",
        }
        times: dict[str, list[float]] = {name: [] for name, _, _ in STEPS}
        round_trips: list[float] = []
        posts: list[float] = []
        try:
            with httpx.Client(trust_env=False, timeout=30) as client:
                for n in range(CONVERSATIONS):
                    chat = Chat(runner, chat_id=50_000 + n)
                    for name, kind, arg in STEPS:
                        times[name].append(_step(chat, kind, arg, photo))
                    for _ in range(ROUND_TRIPS):
                        start = time.perf_counter()
                        runner.run(runner.app.bot.get_me())
                        round_trips.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    answer = client.post(
                        f"{backend_url}/open311/v2/requests.json",
                        data=fields,
                        files=[("media", ("p.jpg", photo.data, "image/jpeg"))],
                    )
                    posts.append(time.perf_counter() - start)
                    assert answer.status_code in (200, 201), answer.text[:200]
                    with app.app_context():  # the next resident is not offered "me too"
                        db.session.execute(sa.text("UPDATE report SET status = 'resolved'"))
                        db.session.commit()
            round_trip = statistics.median(round_trips)
            post = statistics.median(posts)
        finally:
            runner.stop()
            fake.stop()
            shutil.rmtree(workdir, ignore_errors=True)

    budget = STEP_BUDGET * round_trip
    for name, _, _ in STEPS:
        ours = statistics.median(times[name])
        if name.startswith("send"):
            limit, label = (
                post + budget,
                (f"POST {post * 1000:.1f} + {STEP_BUDGET}×getMe = {(post + budget) * 1000:.1f} ms"),
            )
        else:
            limit, label = (
                budget,
                (f"{STEP_BUDGET}×getMe {round_trip * 1000:.2f} ms = {budget * 1000:.1f} ms"),
            )
        verdict = (
            f"ok (×{ours / round_trip:.0f} getMe)"
            if ours <= limit
            else (f"SLOWER (×{ours / round_trip:.0f} getMe)")
        )
        line(f"bot step: {name}", f"{ours * 1000:.1f} ms", label, verdict)


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    bot_step_times()
