"""Structured logs: one JSON object per line with the request's fields, a request id in
X-Request-ID, and no secret in any line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import override_settings

from midas.ops.logs.context import RequestContext
from midas.ops.logs.formatters import JsonFormatter, PlainFormatter
from midas.ops.logs.redaction import RedactSecrets, redact
from tests.factories import PASSWORD, make_customer

CARD = "4242 4242 4242 4242"
SECRETS = [
    PASSWORD,
    "4242424242424242",
    CARD,
    "4000-0566-5566-5556",
    "sk_live_NOTAREALKEY000",
    "sk_test_NOTAREALKEY0000000000000",
    "whsec_9f8e7d6c5b4a",
    "SG.hunter2secretvalue",
    "eyJhbGciOiJIUzI1NiJ9.payload.sig",
    "987",
]


@pytest.fixture
def lines():
    """Every line the console handler would write, as configured in settings.LOGGING."""
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["request", "redact"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContext())
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.DEBUG
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(level)


def request_line(all_lines: list[str]) -> dict:
    found = [json.loads(line) for line in all_lines if '"midas.request"' in line]
    assert len(found) == 1, all_lines
    return found[0]


def assert_no_secret(all_lines: list[str]) -> None:
    assert all_lines
    for line in all_lines:
        json.loads(line)
        for secret in SECRETS[:-1]:
            assert secret not in line, line


def test_a_request_line_is_json_with_the_request_fields(client, lines):
    response = client.get("/healthz")
    line = request_line(lines())
    assert line["logger"] == "midas.request" and line["level"] == "INFO"
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["method"] == "GET" and line["route"] == "/healthz"
    assert line["status"] == 200 and isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")
    assert line["message"] == "GET /healthz 200"


@pytest.mark.django_db
def test_the_route_is_the_pattern_and_the_user_is_named(client, lines):
    customer = make_customer()
    client.force_login(customer)
    client.get("/account/verify/a-secret-looking-token/")
    line = request_line(lines())
    assert line["route"] == "/account/verify/<str:token>/"
    assert line["user_id"] == customer.pk
    assert "a-secret-looking-token" not in json.dumps(line)


def test_request_id_from_a_trusted_proxy_only(client):
    incoming = "edge-7f3a9c21-0001"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] != incoming
    with override_settings(TRUSTED_PROXY_HOPS=1):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming
        bad = client.get("/healthz", HTTP_X_REQUEST_ID="x y\nInjected: 1")["X-Request-ID"]
        assert len(bad) == 32 and " " not in bad


@pytest.mark.django_db
def test_a_login_leaves_no_password_in_any_line(client, lines):
    make_customer()
    credentials = {"email": "ada@example.com", "username": "ada@example.com"}
    client.post("/account/login/", {**credentials, "password": PASSWORD})
    client.post(
        "/api/v1/auth/token",
        {**credentials, "password": PASSWORD},
        content_type="application/json",
    )
    logging.getLogger("midas.accounts").warning("careless: %s", {"password": PASSWORD})
    assert_no_secret(lines())


@pytest.mark.django_db
def test_a_payment_leaves_no_card_number_in_any_line(client, lines):
    body = {"card_number": CARD, "cvc": "987", "exp": "12/30"}
    client.post("/api/v1/bookings/MDS-NOPE/pay", body, content_type="application/json")
    logging.getLogger("midas.payments").warning("careless: %s %s", body, json.dumps(body))
    out = lines()
    assert_no_secret(out)
    assert "'cvc': '987'" not in "".join(out) and '"cvc\\": \\"987' not in "".join(out)


def test_an_exception_with_secrets_leaves_none_in_its_traceback(lines):
    try:
        raise RuntimeError(
            f"charge failed for card {CARD} with key sk_live_NOTAREALKEY000 "
            "(whsec_9f8e7d6c5b4a; sk_test_NOTAREALKEY0000000000000) via "
            "smtp://apikey:SG.hunter2secretvalue@smtp.sendgrid.net:587 "
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig password=" + PASSWORD
        )
    except RuntimeError:
        logging.getLogger("midas.payments").exception("payment crashed")
    out = lines()
    assert_no_secret(out)
    line = json.loads(out[-1])
    assert line["level"] == "ERROR"
    assert "Traceback" in line["exception"] and "RuntimeError" in line["exception"]


def test_redact_keeps_what_is_not_secret():
    assert redact("booking MDS-12345 for 3 nights, order 1234567890123") == (
        "booking MDS-12345 for 3 nights, order 1234567890123"
    )  # 13 digits, not Luhn-valid
    assert redact("card 4242424242424242") == "card [card]"
    assert redact("smtp://user:pa55@host:25") == "smtp://user:***@host:25"
    assert redact('{"api_key": "abc123"}') == '{"api_key": ***}'
    assert redact("pk_live_visible sk_live_hidden") == "pk_live_visible sk_live_***"


def test_plain_lines_carry_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "abc123"
    assert PlainFormatter().format(record).endswith("hello [abc123]")


def test_log_format_chooses_the_formatter():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT
    assert set(settings.LOGGING["formatters"]) == {"json", "plain"}


@pytest.mark.django_db
def test_the_maintenance_page_is_not_logged_as_an_error(client, lines):
    from midas.ops.services import maintenance_enable

    maintenance_enable(message="planned")
    assert client.get("/").status_code == 503
    line = request_line(lines())
    assert line["status"] == 503 and line["level"] == "INFO"


@pytest.mark.launch
@pytest.mark.django_db
def test_the_launch_gate_holding_a_visitor_back_is_not_logged_as_an_error(client, lines):
    from midas.launch import actors
    from midas.launch.state import services

    services.ramp_set(percent=0, actor=actors.system("test"), reason="nobody new")
    assert client.get("/").status_code == 503
    line = request_line(lines())
    assert line["status"] == 503 and line["level"] == "INFO"
