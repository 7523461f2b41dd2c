"""A flood limit per user: a resident who sends too much too fast is asked to slow down once,
then ignored until the window has room again."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FloodLimiter:
    """At most ``limit`` updates per user in ``window`` seconds: the first one over gets a
    "slow down" answer, the rest are dropped until the window has room again."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def hit(self, user_id: int) -> str:
        now = self.clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] > self.window:
            hits.popleft()
        if len(self._hits) > 10_000:  # forget users that have been quiet
            for uid in [u for u, q in self._hits.items() if not q or now - q[-1] > self.window]:
                self._hits.pop(uid, None)
                self._warned.pop(uid, None)
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.pop(user_id, None)
            return "ok"
        if user_id in self._warned and now - self._warned[user_id] <= self.window:
            return "drop"
        self._warned[user_id] = now
        return "warn"
