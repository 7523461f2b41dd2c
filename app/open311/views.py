"""GeoReport v2 endpoints under /open311: discovery, services, requests (read and write), the
``nearby`` extension, tokens, and the OpenAPI document. Thin: parsing here, the work in
``app.reports`` (intake) and ``app.open311.queries``."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.catalogue.models import Category
from app.catalogue.snapshot import catalogue
from app.cities.settings import checks_version_itself
from app.core.db import no_expiry
from app.core.enums import Channel
from app.core.events import Actor
from app.core.locale import choose_locale
from app.extensions import db
from app.open311 import caching, mapping
from app.open311.errors import Open311Error, request_format
from app.open311.errors import install as install_error_handlers
from app.open311.filters import RequestFilter, request_filter
from app.open311.limits import api_key_token, request_api_key
from app.open311.params import (
    ADDRESS_STRING,
    ATTRIBUTE_FIELDS,
    CHAT_HEADER,
    DESCRIPTION,
    EMAIL,
    FIRST_NAME,
    IDEMPOTENCY_KEY,
    LAST_NAME,
    LAT,
    LAT_FIELD,
    LOCALE,
    LONG,
    LONG_FIELD,
    MEDIA,
    PHONE,
    RESPONSE_LOCALE,
    SERVICE_CODE,
    SERVICE_CODE_FIELD,
    TELEGRAM_CHAT_ID,
    UPDATES,
)
from app.open311.queries import (
    RequestPage,
    find_requests,
    reports_by_references,
    reports_state,
)
from app.open311.readers import clean, coordinates
from app.open311.render import FORMATS, respond
from app.reports import idempotency
from app.reports.drafts import ContactDraft, ReportDraft
from app.reports.intake import submit_report
from app.reports.nearby import find_nearby_open_reports
from app.reports.public import public_report, public_report_by_reference
from app.reports.residents import own_references

bp = Blueprint("open311", __name__, url_prefix="/open311")
install_error_handlers(bp)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00Z"  # bump when the services' shape or the extensions change


@bp.before_request
def _answer_language():
    """The ``locale`` parameter decides the language of this answer (before anything is said)."""
    language = RESPONSE_LOCALE.read()
    if language is not None:
        choose_locale(language)


@bp.before_request
def _known_format_only():
    fmt = (request.view_args or {}).get("fmt")
    if fmt is not None and fmt not in FORMATS:
        raise Open311Error(
            404, _l("Unknown format “%(format)s”: use .json or .xml.", format=fmt[:20])
        )


def _base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def _category(code: str) -> Category:
    code = clean(code)
    category = db.session.execute(
        db.select(Category).where(Category.code == code.strip(), Category.is_active.is_(True))
    ).scalar_one_or_none()
    if category is None:
        raise Open311Error(404, _l("There is no category “%(code)s”.", code=code[:64]))
    return category


def _require_api_key():
    key = request_api_key()
    if key is None:
        if api_key_token():
            raise Open311Error(403, _l("This api_key is not valid (unknown or revoked)."))
        raise Open311Error(403, _l("This needs an api_key."))
    return key


# --- discovery --------------------------------------------------------------------------------


@bp.get("/discovery.<fmt>")
def discovery(fmt: str):
    base = _base_url()
    body = {
        "changeset": CHANGESET,
        "contact": str(
            _l("Questions about this API: the city's IT department, see %(url)s.", url=base + "/")
        ),
        "key_service": str(
            _l(
                "Reading needs no key. To post reports, ask the operators for an API key "
                "(they create one with `flask api-keys create NAME`)."
            )
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base + url_for("open311.root"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
                "description": str(
                    _l(
                        "Requests are created synchronously: POST requests answers with the "
                        "service_request_id at once, so there are no tokens and GET tokens/{token} "
                        "answers 404 for every token. Extensions: extended_attributes, page, "
                        "page_size, bbox, updated_after/updated_before, requests/nearby, "
                        "multipart media uploads (v2.1 draft), and for messenger clients "
                        "geocode, telegram_chat_id/updates/locale on POST requests, "
                        "requests/{id}/supporters, requests/{id}/reopen and "
                        "residents/telegram/{chat_id}/requests and /delete. "
                        "OpenAPI document: %(url)s",
                        url=base + url_for("open311.openapi_document"),
                    )
                ),
            }
        ],
    }
    return respond(fmt, "discovery", body)


@bp.get("/v2/")
def root():
    return discovery(request_format())


# --- services ---------------------------------------------------------------------------------


@bp.get("/v2/services.<fmt>")
def services(fmt: str):
    lang = mapping.current_language()
    categories = db.session.execute(
        db.select(Category)
        .where(Category.is_active.is_(True))
        .order_by(Category.position, Category.id)
        .options(selectinload(Category.attributes), selectinload(Category.group))
    ).scalars()
    response = respond(fmt, "services", [mapping.service(c, lang) for c in categories])
    return caching.body_tagged(response, max_age=caching.SERVICES_MAX_AGE)


@bp.get("/v2/services/<service_code>.<fmt>")
def service_definition(service_code: str, fmt: str):
    category = _category(service_code)
    response = respond(
        fmt, "service_definition", mapping.service_definition(category, mapping.current_language())
    )
    return caching.body_tagged(response, max_age=caching.SERVICES_MAX_AGE)


# --- requests ---------------------------------------------------------------------------------


def _draft_from_form(code: str) -> ReportDraft:
    email = EMAIL.read()
    name = " ".join(p for p in (FIRST_NAME.read(), LAST_NAME.read()) if p)
    # Extension for messenger clients (the Telegram bot): the chat the report came from, and
    # updates=true as the resident's consent to status messages there. Without that consent
    # the chat id is not stored (the report is still marked as coming through Telegram).
    chat_id = TELEGRAM_CHAT_ID.read()
    updates = UPDATES.read()
    stored_chat_id = chat_id if updates else None
    contact = None
    if email is not None or stored_chat_id is not None:
        # Open311 has no consent field: a client that sends an e-mail address asks for status
        # updates to it, and that is the consent (documented in the OpenAPI description).
        contact = ContactDraft(
            email=email,
            name=name or None,
            phone=PHONE.read(),
            telegram_chat_id=stored_chat_id,
            consent=True,
        )
    photos = MEDIA.read()
    return ReportDraft(
        channel=Channel.TELEGRAM if chat_id is not None else Channel.OPEN311,
        category_code=code,
        lat=LAT_FIELD.read(),
        lon=LONG_FIELD.read(),
        address=ADDRESS_STRING.read(),
        description=DESCRIPTION.read(),
        attributes=ATTRIBUTE_FIELDS.read(),
        photos=photos,
        contact=contact,
        locale=LOCALE.read(),
    )


@bp.post("/v2/requests.<fmt>")
def create_request(fmt: str):
    """POST Service Request: through the one intake service, like the web form."""
    key = _require_api_key()
    code = clean(SERVICE_CODE_FIELD.read())
    if catalogue().active_category(code) is None:
        raise Open311Error(404, _l("There is no category “%(code)s”.", code=code[:64]))
    draft = _draft_from_form(code)
    submission = _submission_key(key, draft)
    if submission is not None:
        earlier = _earlier(*submission)
        if earlier is not None:
            return _created(fmt, earlier, [])
    # device_id, account_id and media_url are not stored: no personal identifiers, and
    # no URL is ever fetched.
    # A contact belongs to this client: only its key finds the chat's reports later.
    result = submit_report(
        draft, Actor("api_client", str(key.id), key.name), contact_api_key_id=key.id
    )
    if submission is not None:
        idempotency.remember(*submission, result.report)
    try:
        # The answer is made from the intake's result, not from the committed objects.
        with no_expiry(db.session()):
            db.session.commit()
    except sa.exc.IntegrityError:
        # The same key was committed by a request running at the same time: that one counts.
        db.session.rollback()
        earlier = _earlier(*submission) if submission is not None else None
        if earlier is None:
            raise
        return _created(fmt, earlier, [])
    # The answer from the intake's result: the committed report is not read again.
    return _answer(
        fmt,
        result.reference,
        mapping.notice(result.routing_texts(mapping.current_language())),
        [str(note) for note in result.notes],
    )


def _submission_key(key, draft) -> tuple[str, str, str] | None:
    """(scope, key, fingerprint) of an ``Idempotency-Key`` header, or None without one."""
    given = IDEMPOTENCY_KEY.read()
    if given is None:
        return None
    fields = {name: request.form.getlist(name) for name in request.form if name != "api_key"}
    digest = idempotency.fingerprint(fields, [photo.data for photo in draft.photos])
    return f"api_key:{key.id}", given, digest


def _earlier(scope: str, key: str, digest: str):
    try:
        return idempotency.earlier_report(scope, key, digest)
    except idempotency.KeyReused:
        raise Open311Error(
            422,
            _l(
                "This Idempotency-Key was already used for a different request. Please use a "
                "new key for a new report."
            ),
        ) from None


def _created(fmt: str, report, notes: list[str]):
    """The answer to a POST of an earlier report (an Idempotency-Key sent again)."""
    notice = mapping.service_notice(
        public_report(report, mapping.current_language(), external_urls=True)
    )
    return _answer(fmt, report.reference, notice, notes)


def _answer(fmt: str, reference: str, notice: str | None, notes: list[str]):
    """The answer to a POST: the reference and the routing in words (and the intake's notes)."""
    if notes:
        notice = " ".join([notice or "", *notes]).strip()
    body = [{"service_request_id": reference, "service_notice": notice, "account_id": None}]
    return respond(fmt, "service_requests", body)


@bp.get("/v2/requests.<fmt>")
def list_requests(fmt: str):
    """One page of requests, newest first, with ``X-Total-Count`` (up to the cap), ``Link``
    headers to the other pages and a weak ETag from the question and the reports' state: a
    client that has the page gets 304 after one statement of index lookups, and the same page
    asked again is answered from this process's kept answers (``caching.remember``)."""
    f = request_filter()
    tag = caching.state_tag(CHANGESET, fmt, f.key(), *reports_state())
    weak, max_age = True, caching.REQUESTS_MAX_AGE
    if caching.is_current(tag):
        return caching.not_modified(tag, weak=weak, max_age=max_age)
    kept = caching.remembered(tag)
    if kept is not None:
        return kept
    page = find_requests(f)
    body = caching.page_requests(page.rows, extensions=f.extensions)
    response = respond(fmt, "service_requests", body)
    if page.total is not None:
        response.headers["X-Total-Count"] = str(page.total)
    if not f.ids:
        response.headers["Link"] = _page_links(f, page)
    response = caching.with_tag(response, tag, weak=weak, max_age=max_age)
    caching.remember(tag, response)
    return response


# The list reads the city version with its state (``reports_state``): one statement fewer.
checks_version_itself("open311.list_requests")


def _page_links(f: RequestFilter, page: RequestPage) -> str:
    """RFC 8288 links to the first, previous, next and (when the total is known) last page,
    with the same parameters otherwise (an ``api_key`` is never repeated in a URL)."""
    base = _base_url() + request.path
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "api_key")]

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urlencode([*kept, ("page", str(number))])}>; rel="{rel}"'

    last = None if page.total is None else max(1, math.ceil(page.total / f.page_size))
    links = [link(1, "first")]
    if f.page > 1:
        # Past the end, "prev" is the last page there is.
        links.append(link(f.page - 1 if last is None else min(f.page - 1, last), "prev"))
    if page.has_next:
        links.append(link(f.page + 1, "next"))
    if last is not None:
        links.append(link(last, "last"))
    return ", ".join(links)


@bp.get("/v2/requests/nearby.<fmt>")
def nearby_requests(fmt: str):
    """Extension for reporting clients (the Telegram bot): open reports of one category near a
    point, nearest first — to offer "me too" instead of a duplicate. Needs an api_key. With an
    ``X-Telegram-Chat-Id`` header, the chat's own reports (and those it supports) are left out."""
    key = _require_api_key()
    category = _category(SERVICE_CODE.read())
    lat, lon = coordinates(LAT, LONG)
    found = find_nearby_open_reports(category.code, lat, lon)
    chat = CHAT_HEADER.read()
    if chat is not None:
        # A resident is not offered "me too" on what they reported or support already.
        own = own_references([n.reference for n in found], chat, key.id)
        found = [n for n in found if n.reference not in own]
    # Sensitive categories are compared cell to cell and carry no distance (public.py).
    extras = {
        n.reference: {"distance_m": None if n.distance_m is None else round(n.distance_m)}
        for n in found
    }
    page = reports_by_references([n.reference for n in found])
    body = mapping.service_requests(
        page.reports, extensions=True, extras=extras, supporters=page.supporters
    )
    return respond(fmt, "service_requests", body)


@bp.get("/v2/requests/<service_request_id>.<fmt>")
def get_request(service_request_id: str, fmt: str):
    service_request_id = clean(service_request_id)[:40]
    pub = public_report_by_reference(
        service_request_id, mapping.current_language(), external_urls=True
    )
    if pub is None:
        raise Open311Error(
            404,
            _l("There is no request “%(id)s”.", id=service_request_id),
        )
    body = [mapping.service_request(pub, extensions=True)]
    response = respond(fmt, "service_requests", body)
    return caching.body_tagged(response, max_age=caching.REQUESTS_MAX_AGE)


@bp.get("/v2/tokens/<token>.<fmt>")
def token(token: str, fmt: str):
    raise Open311Error(
        404,
        _l(
            "There are no tokens here: requests are created at once and POST requests answers "
            "with the service_request_id."
        ),
    )


# --- the rest ---------------------------------------------------------------------------------


@bp.get("/v2/openapi.json")
def openapi_document():
    from app.open311.openapi import openapi_document as build

    return current_app.json.response(build(_base_url()))


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest: str):
    """Anything else under /open311: the spec's error body instead of an HTML page."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        if method == request.method:
            continue
        try:
            endpoint, _ = adapter.match(method=method)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            continue
        if endpoint != "open311.not_found":
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise Open311Error(404)
