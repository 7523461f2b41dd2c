"""The machine's Redis (127.0.0.1:6379), which tests of counters shared by several web processes
use when it answers (skipped when it does not)."""

from __future__ import annotations

import socket

REDIS = "redis://127.0.0.1:6379"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False
