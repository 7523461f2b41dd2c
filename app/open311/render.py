"""JSON and XML bodies as GeoReport v2 prescribes: UTF-8, the XML following the Spark convention
(a list is an element holding one child per item, named in the singular)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# List element → item element (Spark convention); anything else is "item".
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}

# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _XML_ILLEGAL.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` as an XML document with root element ``root``, with the XML declaration."""
    element = ET.Element(root)
    _fill(element, value)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """A response in ``fmt`` (json or xml); ``root`` names the XML root element."""
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        fmt = "json"
        body = to_json(value)
    response = Response(body, status=status, mimetype=MIMETYPES[fmt])
    response.headers["Content-Type"] = f"{MIMETYPES[fmt]}; charset=utf-8"
    return response
