"""The forwarding settings a department may have, checked against the senders' own schemas
(``app.forwarding.senders.configuration``): table-tested per sender, messages in English."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.forwarding.senders import (
    Sender,
    Setting,
    SettingKind,
    register_sender,
    registered_senders,
)
from app.forwarding.senders.configuration import (
    EXAMPLE_SECRET_ENV,
    FORWARD_CONFIG_MAX,
    config_keys_of,
    department_methods,
    env_is_set,
    format_forward_config,
    forward_config_problems,
    parse_forward_config,
    required_keys_of,
)

GOOD = {
    "email": {"to": "tickets@edg.example.invalid", "locale": "en"},
    "webhook": {
        "url": "https://partner.example/tickets",
        "secret_env": "QM_SENDER_EDG_WEBHOOK_SECRET",
        "lang": "de",
    },
    "open311": {
        "endpoint": "https://open311.partner.example/v2",
        "api_key_env": "QM_SENDER_EDG_OPEN311_KEY",
        "jurisdiction_id": "musterstadt.example",
        "service_code_map": {"papierkorb-voll": "101", "wilder-muell": 102},
        "default_service_code": "100",
        "lang": "en",
    },
}


@pytest.fixture
def problems(app, monkeypatch):
    """``forward_config_problems`` as English texts, on a server that refuses private
    networks (as in production)."""
    monkeypatch.setitem(app.config, "SENDER_ALLOW_PRIVATE_NETWORKS", False)

    def check(method, config, has_email=False):
        with app.test_request_context(), force_locale("en"):
            return [str(p) for p in forward_config_problems(method, config, has_email)]

    return check


def test_the_methods_for_departments_are_the_senders_that_carry_tickets(app):
    assert department_methods() == ["email", "webhook", "open311"]
    by_method = {cls.method: cls for cls in registered_senders()}
    assert not by_method["telegram"].carries_tickets
    assert "telegram" not in department_methods()


@pytest.mark.parametrize(
    ("method", "required"),
    [
        ("email", []),
        ("webhook", ["url", "secret_env"]),
        ("open311", ["endpoint", "service_code_map"]),
        ("telegram", []),
        ("carrier-pigeon", []),
    ],
)
def test_each_sender_declares_the_settings_it_cannot_work_without(problems, method, required):
    assert required_keys_of(method) == required
    missing = problems(method, {}, has_email=True)
    if required:
        keys = ", ".join(f"“{k}”" for k in required)
        assert missing == [f"Forwarding by {method} needs these settings: {keys}."]
    else:
        assert missing == []


@pytest.mark.parametrize("method", ["email", "webhook", "open311"])
def test_a_complete_good_config_is_accepted(problems, method):
    assert problems(method, GOOD[method]) == []


def test_every_sender_documents_its_keys_and_names_its_secrets(app):
    assert list(config_keys_of("webhook")) == ["url", "secret_env", "lang"]
    assert config_keys_of("email")["to"] == (
        "Recipient of tickets when it is not the department's e-mail address"
    )
    assert config_keys_of("telegram") == {}
    assert config_keys_of("carrier-pigeon") == {}
    for cls in registered_senders():
        for key, setting in cls.configuration_schema.items():
            assert setting.description
            assert setting.is_secret == key.endswith("_env")


def test_a_secret_setting_must_end_in_env():
    with pytest.raises(TypeError, match="only secret settings end in _env"):
        type(
            "Broken",
            (Sender,),
            {
                "method": "broken",
                "configuration_schema": {"token": Setting("A secret.", SettingKind.SECRET_ENV)},
            },
        )


SECRETS_REFUSED = (
    "Secrets are never stored here: {keys}. Put the secret in an environment variable on the "
    "server and give only its name, in a key ending in “_env” (e.g. “secret_env”: "
    f"“{EXAMPLE_SECRET_ENV}”)."
)


@pytest.mark.parametrize(
    ("method", "config", "keys"),
    [
        ("webhook", {**GOOD["webhook"], "secret": "s3cr3t"}, "“secret”"),
        ("open311", {**GOOD["open311"], "api_key": "abc"}, "“api_key”"),
        ("email", {"smtp": {"password": "x"}, "token": "y"}, "“smtp.password”, “token”"),
        (None, {"private_key": "-----BEGIN"}, "“private_key”"),
    ],
)
def test_a_secret_given_inline_is_refused_and_nothing_else_is_said(problems, method, config, keys):
    assert problems(method, config) == [SECRETS_REFUSED.format(keys=keys)]


def test_the_keys_of_a_service_code_map_are_category_codes_not_secrets(problems):
    config = {**GOOD["open311"], "service_code_map": {"token-ablage": "7"}}
    assert problems("open311", config) == []


@pytest.mark.parametrize(
    ("method", "key", "value"),
    [
        ("webhook", "url", "javascript:alert(1)"),
        ("webhook", "url", "partner.example/tickets"),
        ("webhook", "url", " https://partner.example/"),
        ("open311", "endpoint", "ftp://open311.partner.example"),
        ("open311", "endpoint", 42),
    ],
)
def test_a_bad_url_is_refused(problems, method, key, value):
    assert problems(method, {**GOOD[method], key: value}) == [
        f"“{key}” must be a web address starting with https:// or http://."
    ]


@pytest.mark.parametrize("address", ["http://127.0.0.1:8080/", "https://169.254.169.254/x"])
def test_a_private_address_is_refused_unless_the_server_allows_it(
    app, problems, monkeypatch, address
):
    config = {**GOOD["webhook"], "url": address}
    [message] = problems("webhook", config)
    assert message.startswith("“url” points to this server or to a private network (")
    assert message.endswith("(SENDER_ALLOW_PRIVATE_NETWORKS).")
    monkeypatch.setitem(app.config, "SENDER_ALLOW_PRIVATE_NETWORKS", True)
    assert problems("webhook", config) == []


@pytest.mark.parametrize(
    ("method", "key", "value", "message"),
    [
        (
            "webhook",
            "secret_env",
            "s3cr3t-value",
            "“secret_env” is the name of an environment variable (capital letters, digits "
            f"and “_”, e.g. {EXAMPLE_SECRET_ENV}), not the secret itself.",
        ),
        (
            "open311",
            "api_key_env",
            "SECRET_KEY",
            "“api_key_env”: only environment variables whose names start with QM_SENDER_ can "
            "be used for forwarding, so that no other secret of the server can be sent. Set "
            f"the secret on the server as e.g. {EXAMPLE_SECRET_ENV} and enter that name.",
        ),
        ("webhook", "lang", "fr", "“lang” must be one of: de, en."),
        ("email", "locale", "tr", "“locale” must be one of: de, en."),
        ("email", "to", "nobody", "“to” must be an e-mail address."),
        (
            "open311",
            "service_code_map",
            ["101"],
            "“service_code_map” must be an object: our category code → their service_code, "
            'e.g. {"papierkorb-voll": "101"}.',
        ),
        (
            "open311",
            "service_code_map",
            {"papierkorb-voll": True},
            "“service_code_map” must be an object: our category code → their service_code, "
            'e.g. {"papierkorb-voll": "101"}.',
        ),
    ],
)
def test_a_bad_value_is_refused_with_what_it_should_be(problems, method, key, value, message):
    assert problems(method, {**GOOD[method], key: value}) == [message]


def test_a_setting_of_another_method_is_checked_as_that_sender_declares_it(problems):
    # e.g. left over from switching the department from webhook to e-mail
    assert problems("email", {"url": "javascript:x"}, has_email=True) == [
        "“url” must be a web address starting with https:// or http://."
    ]
    assert problems(None, {"foo_env": "SMTP_PASSWORD"}) != []


def test_email_needs_an_address_of_the_department_or_in_to(problems):
    message = (
        "Forwarding by e-mail needs an address: enter the department's e-mail address or “to” here."
    )
    assert problems("email", {}, has_email=False) == [message]
    assert problems("email", {}, has_email=True) == []
    assert problems("email", {"to": "tickets@edg.example.invalid"}, has_email=False) == []


def test_several_problems_are_all_said(problems):
    assert problems("webhook", {"url": "ftp://x", "lang": "fr"}) == [
        "Forwarding by webhook needs these settings: “secret_env”.",
        "“url” must be a web address starting with https:// or http://.",
        "“lang” must be one of: de, en.",
    ]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("", {}),
        ("   ", {}),
        (None, {}),
        ('{"lang": "de"}', {"lang": "de"}),
        ({"lang": "en"}, {"lang": "en"}),
        ('{"url": "https://p.example",}', None),
        ('["url"]', None),
        ("42", None),
    ],
)
def test_settings_text_is_read_as_a_json_object(text, parsed):
    assert parse_forward_config(text) == parsed


def test_settings_are_shown_as_indented_json_that_reads_back():
    config = {"service_code_map": {"straßenschäden": "7"}}
    text = format_forward_config(config)
    assert "straßenschäden" in text and "\n  " in text
    assert parse_forward_config(text) == config
    assert format_forward_config(None) == "{}"
    assert FORWARD_CONFIG_MAX == 20000


def test_env_is_set_only_for_sender_variables(monkeypatch):
    monkeypatch.setenv("QM_SENDER_TEST_SET", "x")
    monkeypatch.setenv("SECRET_KEY", "the-servers-own")
    monkeypatch.delenv("QM_SENDER_TEST_UNSET", raising=False)
    assert env_is_set("QM_SENDER_TEST_SET")
    assert not env_is_set("QM_SENDER_TEST_UNSET")
    assert not env_is_set("SECRET_KEY")


@pytest.fixture
def pigeon_sender():
    """A sender as a new module would declare it, registered for this test only."""
    from app.forwarding.senders import base

    @register_sender
    class PigeonSender(Sender):
        method = "pigeon"
        carries_tickets = True
        configuration_schema = {
            "loft": Setting("Where the pigeon flies to.", SettingKind.URL, required=True),
            "ring_env": Setting("The ring's secret.", SettingKind.SECRET_ENV),
        }

    yield PigeonSender
    base._REGISTRY.pop("pigeon", None)


def test_a_new_sender_needs_nothing_but_its_class(problems, pigeon_sender):
    assert department_methods() == ["email", "webhook", "open311", "pigeon"]
    assert config_keys_of("pigeon") == {
        "loft": "Where the pigeon flies to.",
        "ring_env": "The ring's secret.",
    }
    assert problems("pigeon", {}) == ["Forwarding by pigeon needs these settings: “loft”."]
    assert problems("pigeon", {"loft": "dovecote"}) == [
        "“loft” must be a web address starting with https:// or http://."
    ]
    assert problems("pigeon", {"loft": "https://dovecote.example", "ring": "x"}) == [
        SECRETS_REFUSED.format(keys="“ring”")
    ]
    assert problems("pigeon", {"loft": "https://dovecote.example", "ring_env": "QM_SENDER_X"}) == []
