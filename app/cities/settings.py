"""Read a city's ``city.json`` (settings that are no database rows: name, reference prefix, map).

The settings and the district index (``app.geo.service``) are cached per process. Every seed,
update or replace raises the city version in the database (``city_state``); each request (and
each round of the worker) compares it with the version this process last saw — one primary-key
read — and drops both caches when it changed, so a running process sees new city data at its
next request without a restart.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, request

from app.core.prepared import Prepared


@dataclass(frozen=True)
class CitySettings:
    name: str
    reference_prefix: str
    emergency_number: str
    map_center: tuple[float, float]
    map_zoom: int
    geocoder_country_codes: str
    geocoder_viewbox: tuple[tuple[float, float], tuple[float, float]] | None
    attribution: str
    holiday_country: str
    holiday_subdivision: str | None
    raw: dict[str, Any]
    directory: Path


@cache
def load_city_settings(directory: str) -> CitySettings:
    path = Path(directory)
    raw = json.loads((path / "city.json").read_text(encoding="utf-8"))
    geocoder = raw.get("geocoder", {})
    viewbox = geocoder.get("viewbox")
    return CitySettings(
        name=raw["name"],
        reference_prefix=raw.get("reference_prefix", raw["name"][:2].upper()),
        emergency_number=raw.get("emergency_number", "110"),
        map_center=tuple(raw.get("map", {}).get("center", (0.0, 0.0))),
        map_zoom=int(raw.get("map", {}).get("zoom", 13)),
        geocoder_country_codes=geocoder.get("country_codes", ""),
        geocoder_viewbox=(tuple(viewbox[0]), tuple(viewbox[1])) if viewbox else None,
        attribution=raw.get("attribution", ""),
        holiday_country=raw.get("holidays", {}).get("country", "DE"),
        holiday_subdivision=raw.get("holidays", {}).get("subdivision"),
        raw=raw,
        directory=path,
    )


def city() -> CitySettings:
    """The current app's city settings."""
    return load_city_settings(current_app.config["CITY_DIR"])


log = logging.getLogger(__name__)
_VERSION = "qm_city_version"
_UNCHECKED_ENDPOINTS = frozenset({"static", "health.healthz"})
_SELF_CHECKED_ENDPOINTS: set[str] = set()


_VERSION_QUERIES: dict[tuple[int, ...], sa.Select] = {}


def _version_query(*extra: Any) -> sa.Select:
    """The city version and name (and ``extra`` columns a view reads with them: the same
    objects each time, built once), built once per set of columns."""
    key = tuple(id(column) for column in extra)
    query = _VERSION_QUERIES.get(key)
    if query is None:
        from app.cities.models import CityState

        state = CityState.__table__
        query = sa.select(state.c.version, state.c.name, *extra).where(state.c.id == 1)
        _VERSION_QUERIES[key] = query
    return query


@cache
def _plain_version_query() -> Prepared:
    return Prepared(_version_query())


def refresh_if_changed() -> bool:
    """Drop this process's cached city data if the database's city version changed.

    Returns True when the caches were dropped. A database that does not answer is left to the
    request itself (the caches stay as they are). Called first in every request (and every
    round of the worker and the photo runner), it is also where a connection closed by the
    database is noticed and replaced.
    """
    row = _read_version()
    return row is not None and _apply(row[0], row[1])


def refresh_with(*extra: Any) -> tuple[Any, ...] | None:
    """:func:`refresh_if_changed` for a view that reads ``extra`` columns (scalar subqueries,
    the same objects every time) in the same statement as the version: the version and their
    values, None when the database did not answer. The view's endpoint is left out of the
    check before each request (:func:`checks_version_itself`), so it makes one statement
    fewer."""
    row = _read_version(*extra)
    if row is None:
        return None
    _apply(row[0], row[1])
    return (row[0], *row[2:])


def checks_version_itself(endpoint: str) -> None:
    """The view of ``endpoint`` reads the city version itself, with its own first statement
    (:func:`refresh_with`), before it reads anything cached from the city."""
    _SELF_CHECKED_ENDPOINTS.add(endpoint)


def _read_version(*extra: Any) -> tuple[Any, ...] | None:
    """(version, name, *extra values); no city loaded: Nones. None when the database did not
    answer."""
    from app.extensions import db

    for attempt in (1, 2):
        try:
            # A statement built once, on the session's connection: the ORM's execution path
            # cost more than the read itself, and every request makes it. The plain check (two
            # columns the driver gives as they are) goes to the driver directly.
            connection = db.session.connection()
            row = (
                connection.execute(_version_query(*extra)).first()
                if extra
                else _plain_version_query()(connection).first()
            )
            return tuple(row) if row is not None else (None,) * (2 + len(extra))
        except sa.exc.DBAPIError as error:
            db.session.rollback()
            # The first statement of a request or a round is also the connection's liveness
            # check (the pool does not ping before each checkout): a connection the database
            # closed (a restart) is thrown away with the whole pool, and the read is made
            # once more on a fresh one.
            if attempt == 1 and error.connection_invalidated:
                continue
            return None
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            return None
    return None


def _apply(version: Any, name: str | None) -> bool:
    if _VERSION in current_app.extensions and current_app.extensions[_VERSION] == version:
        return False
    forget_city_caches()
    current_app.extensions[_VERSION] = version
    if name is not None and name != city().name:
        log.warning(
            "The database holds the city %r, but CITY_DIR (%s) is %r: set CITY_DIR to the "
            "directory of %r (or `flask city replace`) and restart the processes.",
            name,
            current_app.config["CITY_DIR"],
            city().name,
            name,
        )
    return True


def forget_city_caches() -> None:
    """Drop the cached settings of this process, and tell the features that keep caches made
    from them (the district index, the map's district outlines) to drop theirs."""
    from app.core.signals import city_changed, signal_sender

    load_city_settings.cache_clear()
    city_changed.send(signal_sender())


def install_version_check(app: Flask) -> None:
    @app.before_request
    def _city_version() -> None:
        endpoint = request.endpoint
        if endpoint not in _UNCHECKED_ENDPOINTS and endpoint not in _SELF_CHECKED_ENDPOINTS:
            refresh_if_changed()
