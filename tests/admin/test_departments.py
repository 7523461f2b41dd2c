"""Departments through the admin forms, and the warning when rules still point to one;
their forwarding settings, and what the page says about environment variables and the
partner token."""

from __future__ import annotations

import json
import re

from app.core.enums import DepartmentKind, ReportStatus
from app.extensions import db
from app.routing.models import Department
from tests.admin.conftest import count, fresh


def department_form(**overrides) -> dict:
    data = {
        "code": "stadtbahn",
        "name": "DSW21 Stadtbahn",
        "kind": "external",
        "email": "stoerung@dsw21.example.invalid",
        "description": "Haltestellen",
        "is_active": "y",
        "forward_method": "none",
        "forward_config": "",
        "ack_deadline_hours": "",
        "done_status": "resolved",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_list_add_and_edit(as_admin, reseed_city):
    page = as_admin.text(as_admin.get("/admin/departments"))
    assert "Grünflächenamt" in page and "meldungen@edg.example.invalid" in page

    response = as_admin.post("/admin/departments/new", department_form())
    assert response.status_code == 302
    department = fresh(Department, code="stadtbahn")
    assert (department.name, department.kind, department.email, department.is_active) == (
        "DSW21 Stadtbahn",
        DepartmentKind.EXTERNAL,
        "stoerung@dsw21.example.invalid",
        True,
    )

    response = as_admin.post(
        f"/admin/departments/{department.id}",
        department_form(code="anders", name="DSW21", kind="internal", email="", description=""),
    )
    assert response.status_code == 302
    department = fresh(Department, id=department.id)
    assert department.code == "stadtbahn"  # the code stays
    assert (department.name, department.kind, department.email, department.description) == (
        "DSW21",
        DepartmentKind.INTERNAL,
        None,
        None,
    )


def test_bad_input_is_refused(as_admin, reseed_city):
    before = count(Department)
    cases = [
        (department_form(email="not an address"), "This e-mail address does not look right."),
        (department_form(email=""), "External departments get their reports by e-mail"),
        (department_form(code="Stadt Bahn"), "Use only lowercase letters a–z, digits and “-”"),
        (department_form(code="edg"), "There is already a department with the code “edg”."),
        (department_form(name=""), "Please enter a name."),
        (department_form(name="Grünflächenamt"), "There is already a department called"),
        (department_form(kind="sometimes"), "Please choose internal or external."),
    ]
    for data, message in cases:
        response = as_admin.post("/admin/departments/new", data)
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message
    assert count(Department) == before


def test_deactivating_a_department_with_rules_warns_first(as_admin, reseed_city):
    department = fresh(Department, code="gruenflaechen")
    url = f"/admin/departments/{department.id}"
    form = department_form(
        code=None, name=department.name, kind="internal", email=department.email, is_active=None
    )
    response = as_admin.post(url, form)
    assert response.status_code == 409
    page = as_admin.text(response)
    assert "Routing rule 5 still sends reports to Grünflächenamt." in page
    assert 'name="confirm"' in page
    assert fresh(Department, code="gruenflaechen").is_active

    response = as_admin.post(url, {**form, "confirm": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Routing skips rule 5 while “Grünflächenamt” is inactive." in as_admin.text(response)
    assert not fresh(Department, code="gruenflaechen").is_active
    # the rules page and the overview say so too
    assert "skipped: department inactive" in as_admin.text(as_admin.get("/admin/rules"))
    assert "routing skips them" in as_admin.text(as_admin.get("/admin/"))


def test_deactivating_a_department_without_rules_needs_no_confirmation(as_admin, reseed_city):
    as_admin.post("/admin/departments/new", department_form())
    department = fresh(Department, code="stadtbahn")
    response = as_admin.post(f"/admin/departments/{department.id}", department_form(is_active=None))
    assert response.status_code == 302
    assert not fresh(Department, code="stadtbahn").is_active


# --- forwarding ----------------------------------------------------------------------------------

WEBHOOK = {
    "url": "https://partner.example/quartiersmelder/tickets",
    "secret_env": "QM_SENDER_TEST_EDG_WEBHOOK_SECRET",
    "lang": "de",
}


def edg_form(edg: Department, **overrides) -> dict:
    """The form of EDG as it stands, with ``overrides``."""
    data = department_form(
        code=None,
        name=edg.name,
        kind=edg.kind.value,
        email=edg.email,
        description=edg.description,
        forward_method=edg.forward_method or "none",
        forward_config=json.dumps(edg.forward_config or {}),
        notify_on_new="y" if edg.notify_on_new else None,
        ack_deadline_hours=str(edg.ack_deadline_hours or ""),
        done_status=edg.done_status.value,
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edg_state() -> tuple:
    edg = fresh(Department, code="edg")
    return (
        edg.forward_method,
        edg.forward_config,
        edg.notify_on_new,
        edg.ack_deadline_hours,
        edg.done_status,
    )


def test_the_page_shows_the_forwarding_settings(as_admin, reseed_city):
    edg = fresh(Department, code="edg")
    page = as_admin.text(as_admin.get(f"/admin/departments/{edg.id}"))
    assert re.search(r'name="forward_method" value="email" checked', page)
    assert re.search(r'name="done_status" value="resolved" checked', page)
    assert 'name="ack_deadline_hours" value="24"' in page
    for method in ("none", "email", "webhook", "open311"):
        assert f'name="forward_method" value="{method}"' in page
    assert 'value="telegram"' not in page  # only for residents
    # what each method's settings mean, from the senders' config_keys
    assert "Name of the environment variable holding the HMAC secret." in page
    assert "Base URL of the GeoReport v2 API (requests.json is appended)." in page
    assert "Recipient of tickets when it is not the department's e-mail address" in page


def test_a_valid_webhook_is_saved(as_admin, reseed_city):
    edg = fresh(Department, code="edg")
    response = as_admin.post(
        f"/admin/departments/{edg.id}",
        edg_form(
            edg,
            forward_method="webhook",
            forward_config=json.dumps(WEBHOOK),
            notify_on_new="y",
            ack_deadline_hours="48",
            done_status="in_review",
        ),
    )
    assert response.status_code == 302, as_admin.text(response)
    assert edg_state() == ("webhook", WEBHOOK, True, 48, ReportStatus.IN_REVIEW)

    # shown pretty-printed; emptied deadline and "none" are saved as nothing
    page = as_admin.text(as_admin.get(f"/admin/departments/{edg.id}"))
    assert '"url": "https://partner.example/quartiersmelder/tickets",\n' in page
    response = as_admin.post(
        f"/admin/departments/{edg.id}",
        edg_form(
            fresh(Department, code="edg"),
            forward_method="none",
            forward_config="",
            ack_deadline_hours="",
        ),
    )
    assert response.status_code == 302, as_admin.text(response)
    assert edg_state() == (None, {}, True, None, ReportStatus.IN_REVIEW)


def test_an_open311_config_needs_endpoint_and_service_code_map(as_admin, reseed_city):
    edg = fresh(Department, code="edg")
    url = f"/admin/departments/{edg.id}"
    before = edg_state()
    response = as_admin.post(
        url,
        edg_form(
            edg,
            forward_method="open311",
            forward_config=json.dumps({"endpoint": "ftp://x.example", "service_code_map": []}),
        ),
    )
    assert response.status_code == 422
    page = as_admin.text(response)
    assert "“endpoint” must be a web address starting with https:// or http://." in page
    assert "“service_code_map” must be an object" in page
    assert edg_state() == before

    config = {
        "endpoint": "https://open311.partner.example/v2",
        "api_key_env": "QM_SENDER_TEST_EDG_OPEN311_KEY",
        "service_code_map": {"papierkorb-voll": "101"},
    }
    response = as_admin.post(
        url, edg_form(edg, forward_method="open311", forward_config=json.dumps(config))
    )
    assert response.status_code == 302, as_admin.text(response)
    assert edg_state()[:2] == ("open311", config)


def test_refused_forwarding_settings_change_nothing(as_admin, reseed_city):
    edg = fresh(Department, code="edg")
    url = f"/admin/departments/{edg.id}"
    before = edg_state()
    webhook = {"forward_method": "webhook"}
    hours = "Please give a whole number of hours from 1 to 720, or leave it empty."
    cases = [
        (
            {**webhook, "forward_config": json.dumps({"lang": "de"})},
            "forward_config",
            "Forwarding by webhook needs these settings: “url”, “secret_env”.",
        ),
        (
            {**webhook, "forward_config": json.dumps({"url": "https://p.example", "secret": "x"})},
            "forward_config",
            "Secrets are never stored here: “secret”. Put the secret in an environment variable",
        ),
        (
            {"forward_config": json.dumps({"auth": {"password": "x"}, "api_key": "y"})},
            "forward_config",
            "Secrets are never stored here: “auth.password”, “api_key”.",
        ),
        (
            {**webhook, "forward_config": json.dumps({**WEBHOOK, "secret_env": "s3cr3t-value"})},
            "forward_config",
            "“secret_env” is the name of an environment variable",
        ),
        (
            {**webhook, "forward_config": json.dumps({**WEBHOOK, "url": "javascript:alert(1)"})},
            "forward_config",
            "“url” must be a web address starting with https:// or http://.",
        ),
        (
            {**webhook, "forward_config": '{"url": "https://p.example",}'},
            "forward_config",
            "The settings must be a JSON object",
        ),
        ({**webhook, "forward_config": '["url"]'}, "forward_config", "must be a JSON object"),
        (
            {"forward_method": "email", "forward_config": json.dumps({"to": "nobody"})},
            "forward_config",
            "“to” must be an e-mail address.",
        ),
        (
            {"forward_method": "telegram", "forward_config": ""},
            "forward_method",
            "Please choose a forwarding method from the list.",
        ),
        (
            {"done_status": "in_progress"},
            "done_status",
            "Please choose what a partner's “done” does.",
        ),
        ({"ack_deadline_hours": "0"}, "ack_deadline_hours", hours),
        ({"ack_deadline_hours": "721"}, "ack_deadline_hours", hours),
        ({"ack_deadline_hours": "1.5"}, "ack_deadline_hours", "Please enter a whole number"),
    ]
    for overrides, field, message in cases:
        response = as_admin.post(url, edg_form(edg, **overrides))
        assert response.status_code == 422, overrides
        # the message stands next to its field
        assert re.search(rf'id="{field}-error">.*?{re.escape(message)}', as_admin.text(response)), (
            overrides
        )
        assert edg_state() == before, overrides


def test_forwarding_needs_an_address_and_notices_need_the_email(as_admin, reseed_city):
    response = as_admin.post(
        "/admin/departments/new",
        department_form(kind="internal", email="", forward_method="email", notify_on_new="y"),
    )
    assert response.status_code == 422
    page = as_admin.text(response)
    assert "Forwarding by e-mail needs an address" in page
    assert "Notices of new reports go to the department's e-mail address" in page
    assert fresh(Department, code="stadtbahn") is None

    response = as_admin.post(
        "/admin/departments/new",
        department_form(
            kind="internal",
            email="",
            forward_method="email",
            forward_config=json.dumps({"to": "leitstelle@dsw21.example.invalid"}),
        ),
    )
    assert response.status_code == 302, as_admin.text(response)
    department = fresh(Department, code="stadtbahn")
    assert department.forward_method == "email"
    assert department.forward_config == {"to": "leitstelle@dsw21.example.invalid"}


def test_the_page_tells_whether_named_environment_variables_are_set(
    as_admin, reseed_city, monkeypatch
):
    monkeypatch.setenv("QM_SENDER_TEST_EDG_WEBHOOK_SECRET", "the-secret-value")
    monkeypatch.delenv("QM_SENDER_TEST_EDG_OPEN311_KEY", raising=False)
    edg = fresh(Department, code="edg")
    edg.forward_method = "webhook"
    edg.forward_config = {**WEBHOOK, "api_key_env": "QM_SENDER_TEST_EDG_OPEN311_KEY"}
    db.session.commit()

    page = as_admin.text(as_admin.get(f"/admin/departments/{edg.id}"))
    assert "Environment variable QM_SENDER_TEST_EDG_WEBHOOK_SECRET is set on this server." in page
    assert "Environment variable QM_SENDER_TEST_EDG_OPEN311_KEY is not set on this server." in page
    assert "the-secret-value" not in page

    monkeypatch.delenv("QM_SENDER_TEST_EDG_WEBHOOK_SECRET")
    monkeypatch.setenv("QM_SENDER_TEST_EDG_OPEN311_KEY", "another-secret")
    page = as_admin.text(as_admin.get(f"/admin/departments/{edg.id}"))
    assert (
        "Environment variable QM_SENDER_TEST_EDG_WEBHOOK_SECRET is not set on this server." in page
    )
    assert "Environment variable QM_SENDER_TEST_EDG_OPEN311_KEY is set on this server." in page
    assert "another-secret" not in page

    # a refused form tells about the variables named in what was entered
    monkeypatch.setenv("QM_SENDER_TEST_OTHER_SECRET", "x")
    response = as_admin.post(
        f"/admin/departments/{edg.id}",
        edg_form(
            edg,
            forward_config=json.dumps({"secret_env": "QM_SENDER_TEST_OTHER_SECRET"}),
        ),
    )
    assert response.status_code == 422
    assert (
        "Environment variable QM_SENDER_TEST_OTHER_SECRET is set on this server."
        in as_admin.text(response)
    )


def test_the_page_tells_whether_a_partner_token_exists(as_admin, reseed_city):
    edg = fresh(Department, code="edg")
    page = as_admin.text(as_admin.get(f"/admin/departments/{edg.id}"))
    assert "No partner API token." in page
    assert "flask partners token edg" in page

    edg.partner_token_hash = "0" * 64
    db.session.commit()
    page = as_admin.text(as_admin.get(f"/admin/departments/{edg.id}"))
    assert "A partner API token exists." in page
    assert "0" * 64 not in page
    # saving the form keeps the token
    response = as_admin.post(f"/admin/departments/{edg.id}", edg_form(edg))
    assert response.status_code == 302, as_admin.text(response)
    assert fresh(Department, code="edg").partner_token_hash == "0" * 64


def test_only_sender_variables_and_public_addresses_can_be_configured(
    as_admin, reseed_city, app_ctx, monkeypatch
):
    """A department's settings cannot make the worker send a server secret (SECRET_KEY …) or
    send anything to this server or the internal network."""
    monkeypatch.setenv("SECRET_KEY", "the-servers-own-secret")
    edg = fresh(Department, code="edg")
    url = f"/admin/departments/{edg.id}"
    before = edg_state()
    open311 = {"endpoint": "https://open311.partner.example/v2", "service_code_map": {}}
    for method, config in (
        ("webhook", {**WEBHOOK, "secret_env": "SECRET_KEY"}),
        ("webhook", {**WEBHOOK, "secret_env": "DATABASE_URL"}),
        ("open311", {**open311, "api_key_env": "SMTP_PASSWORD"}),
        ("open311", {**open311, "api_key_env": "QM_SENDER_"}),
    ):
        response = as_admin.post(
            url, edg_form(edg, forward_method=method, forward_config=json.dumps(config))
        )
        assert response.status_code == 422, config
        page = as_admin.text(response)
        assert "only environment variables whose names start with QM_SENDER_ can be used" in page
        # Nothing is said about whether a server variable is set.
        assert "Environment variable SECRET_KEY" not in page
        assert "the-servers-own-secret" not in page
    assert edg_state() == before

    monkeypatch.setitem(app_ctx.config, "SENDER_ALLOW_PRIVATE_NETWORKS", False)
    for address in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.20.30.40/tickets",
        "http://[::1]:5000/x",
        "http://[::ffff:192.168.0.1]/x",
    ):
        response = as_admin.post(
            url,
            edg_form(
                edg,
                forward_method="webhook",
                forward_config=json.dumps({**WEBHOOK, "url": address}),
            ),
        )
        assert response.status_code == 422, address
        assert "points to this server or to a private network" in as_admin.text(response)
    assert edg_state() == before

    # A partner inside the city's network, where the server allows it.
    monkeypatch.setitem(app_ctx.config, "SENDER_ALLOW_PRIVATE_NETWORKS", True)
    config = {**WEBHOOK, "url": "https://10.20.30.40/tickets"}
    response = as_admin.post(
        url, edg_form(edg, forward_method="webhook", forward_config=json.dumps(config))
    )
    assert response.status_code == 302, as_admin.text(response)
    assert edg_state()[:2] == ("webhook", config)
