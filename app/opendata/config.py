"""The licence of the open data, from the city configuration (``city.json``)::

    "open_data": {
      "licence": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
      "licence_url": "https://www.govdata.de/dl-de/by-2-0",
      "attribution": "Stadt Dortmund"
    }

Every key is optional: without them the data is offered under the same licence with the city's
name as attribution.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.cities.settings import city

DEFAULT_LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
DEFAULT_LICENCE_URL = "https://www.govdata.de/dl-de/by-2-0"


@dataclass(frozen=True)
class OpenDataLicence:
    name: str
    url: str
    attribution: str


def licence() -> OpenDataLicence:
    settings = city()
    raw = settings.raw.get("open_data") or {}
    return OpenDataLicence(
        name=raw.get("licence") or DEFAULT_LICENCE,
        url=raw.get("licence_url") or (DEFAULT_LICENCE_URL if not raw.get("licence") else ""),
        attribution=raw.get("attribution") or settings.name,
    )
