"""One real text message through Twilio's Messages API, through the outbox. Deselected unless
``TWILIO_ACCOUNT_SID_LIVE``, ``TWILIO_AUTH_TOKEN_LIVE`` and ``TWILIO_TO_LIVE`` are set
(tests/conftest.py); the sender is ``TWILIO_FROM_LIVE`` or ``TWILIO_MESSAGING_SERVICE_SID_LIVE``
(with Twilio's test credentials, ``+15005550006`` by default)."""

from __future__ import annotations

import os

import pytest

from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from midas.notifications.services import sms_enqueue

pytestmark = [pytest.mark.twilio_live, pytest.mark.django_db]


def test_a_text_reaches_twilio(settings):
    settings.TWILIO_ACCOUNT_SID = os.environ["TWILIO_ACCOUNT_SID_LIVE"]
    settings.TWILIO_AUTH_TOKEN = os.environ["TWILIO_AUTH_TOKEN_LIVE"]
    settings.TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID_LIVE", "")
    settings.TWILIO_FROM = os.environ.get("TWILIO_FROM_LIVE", "+15005550006")
    settings.TWILIO_API_URL = "https://api.twilio.com"
    message = sms_enqueue(
        to=os.environ["TWILIO_TO_LIVE"],
        body="Midas test suite: SMS paging works (ignore this message).",
        dedupe_key="sms-live-test",
    )
    report = deliver_due()
    message.refresh_from_db()
    assert report.sent == 1, message.last_error
    assert message.status == OutboxStatus.SENT
    assert OutboxMessage.objects.filter(channel=OutboxChannel.SMS).count() == 1
