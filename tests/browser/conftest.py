"""Headless Chromium (Debian's, never a downloaded one) against the app in a local server.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (then it fails).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOT_DIR = Path(
    os.environ.get("QM_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "qm-screens"
)


def _require_browser() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"no Chromium at {CHROMIUM}"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}, and REQUIRE_BROWSER=1")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app_ctx):
    """The session's app served on 127.0.0.1 from a thread; runtime tables are cleaned by
    ``app_ctx`` afterwards (the server is stopped first)."""
    server = make_server("127.0.0.1", 0, app_ctx, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` writes /tmp/qm-screens/name.png (for looking at)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
