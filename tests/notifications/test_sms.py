"""Text messages through Twilio's Messages API: frozen at enqueue without sender or
credentials, delivered to a local stand-in that checks them as Twilio does (basic auth,
form-encoded To/From/Body), retried on 5xx, 429 and refused credentials, given up on 400;
the auth token never stored nor logged; numbers in E.164."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging

import pytest

from midas.notifications import sms
from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from midas.notifications.services import sms_enqueue
from tests.stand_ins.twilio import TwilioStandIn

pytestmark = pytest.mark.django_db

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "T0KEN-5ecret-0123456789abcdef0123"
FROM = "+15005550006"
TO = "+12025550143"
T0 = dt.datetime(2027, 2, 9, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def twilio(settings):
    with TwilioStandIn(account_sid=SID, auth_token=TOKEN) as stand_in:
        settings.TWILIO_API_URL = stand_in.url
        settings.TWILIO_ACCOUNT_SID = SID
        settings.TWILIO_AUTH_TOKEN = TOKEN
        settings.TWILIO_FROM = FROM
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_TIMEOUT = 5
        yield stand_in


def text(**kwargs) -> OutboxMessage:
    return sms_enqueue(
        to=kwargs.pop("to", "+1 (202) 555-0143"),
        body=kwargs.pop("body", "MIDAS incident #7 Checkout failing: level 1. Acknowledge: x"),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("given", "number"),
    [
        ("+12025550143", "+12025550143"),
        ("+1 (202) 555-0143", "+12025550143"),
        ("+971 4 555 0188", "+97145550188"),
        ("00 44 20 7946 0958", "+442079460958"),
        ("+44.20.7946.0958", "+442079460958"),
    ],
)
def test_numbers_are_read_as_e164(given, number):
    assert sms.normalize_e164(given) == number


@pytest.mark.parametrize(
    "bad", ["", "2025550143", "+0 202 555 0143", "+1 202 CALL NOW", "+12", "+1234567890123456"]
)
def test_what_is_not_e164_is_refused(bad):
    with pytest.raises(ValueError, match=r"E\.164"):
        sms.normalize_e164(bad)


def test_the_row_holds_the_number_and_text_only(twilio):
    message = text(body="  Checkout\n failing  ")
    assert message.channel == OutboxChannel.SMS
    assert message.to == TO and message.template == "sms"
    assert json.loads(message.body_text) == {"Body": "Checkout failing", "To": TO}
    for field in (message.body_text, message.subject, message.to, message.from_email):
        assert TOKEN not in field and FROM not in field
    long = text(body="x" * 2000, to="+12025550144")
    assert len(json.loads(long.body_text)["Body"]) == sms.BODY_LIMIT
    with pytest.raises(ValueError):
        text(to="555-0143")
    with pytest.raises(ValueError):
        text(body="  ")


def test_a_message_reaches_twilio_as_documented(twilio):
    message = text()
    report = deliver_due()
    assert report.sent == 1
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    scheme, credentials = request.headers["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(credentials).decode() == f"{SID}:{TOKEN}"
    assert TwilioStandIn.form(request) == {
        "To": TO,
        "From": FROM,
        "Body": "MIDAS incident #7 Checkout failing: level 1. Acknowledge: x",
    }
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.last_error == ""
    assert [m["To"] for m in twilio.messages] == [TO]


def test_a_messaging_service_is_preferred_to_a_number(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG0123456789abcdef0123456789abcdef"
    text()
    assert deliver_due().sent == 1
    form = TwilioStandIn.form(twilio.requests[0])
    assert form["MessagingServiceSid"] == settings.TWILIO_MESSAGING_SERVICE_SID
    assert "From" not in form


@pytest.mark.parametrize("answer", [500, 502, 503, 429])
def test_a_5xx_or_429_is_retried_after_the_backoff(twilio, answer):
    twilio.script(answer)
    message = text()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0)
    report = deliver_due(now=T0, rand=lambda: 1.0)
    message.refresh_from_db()
    assert (report.sent, report.retrying) == (0, 1)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=30)  # the outbox's backoff
    assert f"Twilio HTTP {answer}" in message.last_error
    assert deliver_due(now=T0 + dt.timedelta(seconds=29)).claimed == 0
    assert deliver_due(now=T0 + dt.timedelta(seconds=31)).sent == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and len(twilio.messages) == 1


def test_a_429_with_retry_after_waits_and_holds_the_rest(twilio):
    twilio.script((429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "90"}))
    first = text()
    other = text(to="+12025550144")
    OutboxMessage.objects.update(next_attempt_at=T0)
    deliver_due(now=T0, rand=lambda: 1.0)
    first.refresh_from_db()
    other.refresh_from_db()
    assert first.next_attempt_at == T0 + dt.timedelta(seconds=90)
    assert first.last_error == "Twilio HTTP 429: 20429 Too Many Requests"
    assert other.last_error.startswith("not tried: Twilio HTTP 429")
    assert len(twilio.requests) == 1  # not hammered into the limit


def test_an_invalid_number_is_given_up_at_once_with_twilios_reason(settings):
    with TwilioStandIn(account_sid=SID, auth_token=TOKEN, undeliverable=(TO,)) as twilio:
        settings.TWILIO_API_URL = twilio.url
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, TOKEN
        settings.TWILIO_FROM, settings.TWILIO_MESSAGING_SERVICE_SID = FROM, ""
        message = text()
        report = deliver_due()
    message.refresh_from_db()
    assert report.failed == 1 and message.status == OutboxStatus.FAILED
    assert message.attempts == 1
    assert message.last_error == (
        f"Twilio HTTP 400: 21614 'To' number {TO} is not a valid mobile number"
    )


def test_wrong_credentials_are_retried_and_the_token_never_shows(twilio, settings, caplog):
    wrong = "wr0ng-" + TOKEN
    settings.TWILIO_AUTH_TOKEN = wrong
    message = text()
    other = text(to="+12025550144")
    with caplog.at_level(logging.DEBUG):
        deliver_due(now=T0 + dt.timedelta(days=1), rand=lambda: 1.0)
    message.refresh_from_db()
    other.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.last_error == "Twilio HTTP 401: 20003 Authenticate"
    assert other.last_error.startswith("not tried: Twilio HTTP 401")  # held: all would fail
    for secret in (wrong, TOKEN):
        assert secret not in caplog.text
        assert not OutboxMessage.objects.filter(last_error__contains=secret).exists()
        assert not OutboxMessage.objects.filter(body_text__contains=secret).exists()
    settings.TWILIO_AUTH_TOKEN = TOKEN  # fixed: what waited goes out
    assert deliver_due(now=T0 + dt.timedelta(days=2)).sent == 2


def test_a_message_waits_while_twilio_is_not_configured(twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    message = text()
    deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "not configured" in message.last_error
    assert twilio.requests == []


def test_an_unreachable_twilio_is_retried(settings):
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # discard: nothing listens
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, TOKEN
    settings.TWILIO_FROM, settings.TWILIO_TIMEOUT = FROM, 2
    message = text()
    deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.last_error.startswith("Twilio no answer: ")
    assert TOKEN not in message.last_error


def test_a_repeated_enqueue_with_the_same_key_writes_once(twilio):
    one = text(dedupe_key="sms:1:+12025550143")
    two = text(dedupe_key="sms:1:+12025550143")
    assert one.pk == two.pk
    assert OutboxMessage.objects.filter(channel=OutboxChannel.SMS).count() == 1
    assert deliver_due().sent == 1 and len(twilio.messages) == 1


def test_the_staff_mailbox_and_the_admin_show_the_texts(twilio, client, django_user_model):
    message = text()
    staff = django_user_model.objects.create_superuser(
        email="ops@midas.example", password="x-long-password-1"
    )
    client.force_login(staff)
    html = client.get("/staff/mailbox/").content.decode()
    assert "Text messages (SMS)" in html and TO in html and "MIDAS incident #7" in html
    page = client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert page.status_code == 200 and "&quot;To&quot;: &quot;+12025550143&quot;" in (
        page.content.decode()
    )
    assert TOKEN not in page.content.decode()
