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
    handler.setFormatter(JsonFormatter(release=settings.RELEASE))
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


# --- Where a line was written, audit events, warnings, gunicorn -------------------------------


def test_every_json_line_says_which_host_process_and_release_wrote_it(lines):
    import os
    import socket

    logging.getLogger("midas.test").warning("hello")
    line = json.loads(lines()[-1])
    assert line["host"] == socket.gethostname()
    assert line["process"] == os.getpid()
    assert line["release"] == settings.RELEASE
    formatter = settings.LOGGING["formatters"]["json"]
    assert formatter["release"] == settings.RELEASE  # given by settings.LOGGING


def audit_lines(all_lines: list[str], action: str) -> list[dict]:
    found = [json.loads(line) for line in all_lines if '"midas.audit"' in line]
    return [line for line in found if line.get("action") == action]


@pytest.mark.django_db
def test_a_booking_cancel_is_an_audit_line_with_its_fields(lines):
    from midas.bookings.services import booking_cancel
    from tests.factories import NOW, make_booking

    booking = make_booking()
    booking_cancel(booking=booking, by=booking.customer, reason="plans changed", now=NOW)
    (line,) = audit_lines(lines(), "bookings.booking.cancelled")
    assert line["logger"] == "midas.audit" and line["level"] == "INFO"
    assert line["actor"] == f"user:{booking.customer.pk}"
    assert (line["object_type"], line["object_id"]) == ("bookings.booking", booking.pk)
    assert line["reason"] == "plans changed"
    assert line["details"]["reference"] == booking.reference
    assert line["details"]["refund_minor"] == 0 and "tier" in line["details"]
    assert line["message"].startswith(
        f"bookings.booking.cancelled booking={booking.pk} by=user:{booking.customer.pk} "
    )
    assert "reason='plans changed'" in line["message"]
    (held,) = audit_lines(lines(), "bookings.booking.held")
    assert held["object_id"] == booking.pk and held["actor"] == line["actor"]


@pytest.mark.launch
@pytest.mark.django_db
def test_a_launch_phase_change_is_an_audit_line_with_its_fields(lines):
    from midas.accounts.models import User
    from midas.launch import actors
    from midas.launch.models import LaunchEvent
    from midas.launch.state import services

    boss = User.objects.create_superuser("boss@midas.example", PASSWORD)
    services.phase_set(phase="freeze", actor=actors.of_user(boss, "cli"), reason="T-1 18:00")
    event = LaunchEvent.objects.get(action="launch.phase.changed")
    (line,) = audit_lines(lines(), "launch.phase.changed")
    assert line["actor"] == f"user:{boss.pk}"
    assert (line["object_type"], line["object_id"]) == ("launch.launchevent", event.pk)
    assert line["reason"] == "T-1 18:00"
    assert line["details"] == {"via": "cli", "before": "prelaunch", "after": "freeze"}

    services.phase_set(phase="prelaunch", actor=actors.system("test"), reason="not yet")
    system = audit_lines(lines(), "launch.phase.changed")[-1]
    assert system["actor"] == "system:test"


def test_an_audit_line_without_an_object_or_actor_and_with_secrets_in_its_fields(lines):
    from midas.core.audit import audit

    audit("accounts.user.login_failed", actor=None, ip="203.0.113.9")
    audit(
        "payments.payment.unknown",
        actor="system:test",
        obj=("payments.payment", 7),
        level=logging.WARNING,
        reason=f"card {CARD}",
        error="password=" + PASSWORD,
    )
    first, second = (json.loads(line) for line in lines()[-2:])
    assert first["actor"] == "system" and "object_type" not in first
    assert first["details"] == {"ip": "203.0.113.9"}
    assert second["level"] == "WARNING" and second["object_id"] == 7
    assert second["message"].startswith("payments.payment.unknown payment=7 by=system:test")
    assert_no_secret(lines())


def test_python_warnings_are_log_lines(lines):
    import warnings

    with warnings.catch_warnings():  # pytest records warnings itself: capture them again
        warnings.simplefilter("always")
        logging.captureWarnings(False)
        logging.captureWarnings(True)  # what settings.LOGGING_CONFIG does at start-up
        warnings.warn("an old way of doing it", DeprecationWarning, stacklevel=1)
    line = json.loads(lines()[-1])
    assert line["logger"] == "py.warnings" and line["level"] == "WARNING"
    assert "DeprecationWarning: an old way of doing it" in line["message"]


def test_start_up_configures_warnings_as_log_lines():
    assert settings.LOGGING_CONFIG == "midas.ops.logs.config.configure"


def test_gunicorn_logs_through_the_same_handler_and_formatter():
    from midas.ops.logs.config import gunicorn_logconfig

    config = gunicorn_logconfig(settings.LOGGING, loglevel="info", accesslog=None)
    assert config["formatters"] == settings.LOGGING["formatters"]
    assert config["handlers"]["console"] == settings.LOGGING["handlers"]["console"]
    assert config["loggers"]["gunicorn.error"] == {
        "level": "INFO",
        "handlers": ["console"],
        "propagate": False,
    }
    assert config["loggers"]["gunicorn.access"]["handlers"] == []  # ACCESS_LOG unset: off
    assert config["root"] == settings.LOGGING["root"]
    assert "gunicorn.error" not in settings.LOGGING["loggers"]  # a copy

    to_stdout = gunicorn_logconfig(settings.LOGGING, loglevel="warning", accesslog="-")
    assert to_stdout["loggers"]["gunicorn.access"]["handlers"] == ["console"]
    to_file = gunicorn_logconfig(settings.LOGGING, loglevel="warning", accesslog="/x/access")
    handler = to_file["handlers"]["gunicorn_access_file"]
    assert handler["filename"] == "/x/access"
    assert handler["filters"] == ["request", "redact"]


def test_gunicorns_access_line_has_no_query_string_referer_or_token(lines):
    import datetime as dt
    from types import SimpleNamespace

    from midas.server import AccessLog

    log = AccessLog.__new__(AccessLog)
    log.cfg = SimpleNamespace(accesslog="-")
    log.access_log = logging.getLogger("gunicorn.access")
    log.access_log.setLevel(logging.INFO)
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "edge-1234abcd")])
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/account/verify/SECRET-token.value/",
        "QUERY_STRING": "token=QUERYSECRET",
        "RAW_URI": "/account/verify/SECRET-token.value/?token=QUERYSECRET",
        "HTTP_REFERER": "https://midas.test/account/password/reset/REFSECRET/",
    }
    log.access(response, None, environ, dt.timedelta(milliseconds=12))
    text = lines()[-1]
    for secret in ("SECRET-token", "QUERYSECRET", "REFSECRET"):
        assert secret not in text
    line = json.loads(text)
    assert line["message"] == "GET /account/verify/*** 200 12.0ms"
    assert line["request_id"] == "edge-1234abcd" and line["status"] == 200

    log.cfg = SimpleNamespace(accesslog=None)
    log.access(response, None, environ, dt.timedelta(milliseconds=12))
    assert lines()[-1] == text  # ACCESS_LOG unset: no line


def test_paths_that_end_in_a_secret_are_masked():
    from midas.ops.logs.redaction import redact_path

    assert redact_path("/account/verify/abc.def/") == "/account/verify/***"
    assert redact_path("/account/password/reset/abc/") == "/account/password/reset/***"
    assert redact_path("/launch/ack/tok") == "/launch/ack/***"
    assert redact_path("/launch/invite/signed:value") == "/launch/invite/***"
    for kept in ("/account/verify/resend/", "/account/password/reset/", "/assets/x/", "/"):
        assert redact_path(kept) == kept
    # in any line too: Django's "Not Found: <path>", a link quoted in a message
    assert redact("Bad Request: /account/verify/abc.def/") == "Bad Request: /account/verify/***"
    assert redact("https://midas.test/account/password/reset/x-y/?a=1") == (
        "https://midas.test/account/password/reset/***?a=1"
    )
    assert redact("GET /account/verify/<str:token>/ 200") == "GET /account/verify/<str:token>/ 200"
