"""One real message to a real Slack incoming webhook (a test channel), through the outbox.
Deselected unless ``SLACK_TEST_WEBHOOK_URL`` is set (tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxStatus
from midas.notifications.services import slack_enqueue

pytestmark = [pytest.mark.slack_live, pytest.mark.django_db]


def test_one_message_reaches_slack(settings):
    settings.SLACK_WEBHOOK_URL = os.environ["SLACK_TEST_WEBHOOK_URL"]
    message = slack_enqueue(
        event="tests.slack_live",
        text="Midas test suite: the launch channel works (ignore this message)",
        severity="good",
        fields={"release": settings.RELEASE},
    )
    report = deliver_due()
    message.refresh_from_db()
    assert report.sent == 1, message.last_error
    assert message.status == OutboxStatus.SENT
