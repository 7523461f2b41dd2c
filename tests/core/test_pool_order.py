"""The connection pool hands out the connection returned last (``app.core.db.engine_options``):
the next request gets the connection whose caches the last one warmed."""

from __future__ import annotations

import pytest

from app.core.db import engine_options
from app.extensions import db


def test_the_connection_returned_last_is_handed_out_next(app_ctx):
    first, second = db.engine.raw_connection(), db.engine.raw_connection()
    first_driver, second_driver = first.driver_connection, second.driver_connection
    assert first_driver is not second_driver
    second.close()
    first.close()  # returned last
    again = db.engine.raw_connection()
    try:
        assert again.driver_connection is first_driver
    finally:
        again.close()


@pytest.mark.parametrize(
    ("url", "given", "expected"),
    [
        ("sqlite:////srv/qm.sqlite", {}, {"pool_use_lifo": True}),
        (
            "postgresql+psycopg://qm@db/qm",
            {"pool_size": 10},
            {"pool_use_lifo": True, "pool_size": 10},
        ),
        # The operator's word stands.
        ("postgresql+psycopg://qm@db/qm", {"pool_use_lifo": False}, {"pool_use_lifo": False}),
        # One connection in memory, or a pool of the operator's choice: nothing to order.
        ("sqlite://", {}, {}),
        ("sqlite:///:memory:", {}, {}),
        ("postgresql+psycopg://qm@db/qm", {"poolclass": object}, {"poolclass": object}),
    ],
)
def test_engine_options(url, given, expected):
    assert engine_options(url, given) == expected
