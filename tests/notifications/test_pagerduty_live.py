"""One real trigger and its resolve to a real PagerDuty service (a test service's Events API
v2 integration), through the outbox. Deselected unless ``PAGERDUTY_ROUTING_KEY_LIVE`` is set
(tests/conftest.py)."""

from __future__ import annotations

import os
import secrets

import pytest

from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxMessage, OutboxStatus
from midas.notifications.services import pagerduty_enqueue

pytestmark = [pytest.mark.pagerduty_live, pytest.mark.django_db]


def test_a_page_reaches_pagerduty_and_is_resolved(settings):
    settings.PAGERDUTY_ROUTING_KEY = os.environ["PAGERDUTY_ROUTING_KEY_LIVE"]
    settings.PAGERDUTY_API_URL = "https://events.pagerduty.com/v2/enqueue"
    dedup_key = f"midas-test-{secrets.token_hex(4)}"
    pagerduty_enqueue(
        action="trigger",
        dedup_key=dedup_key,
        summary="Midas test suite: paging works (resolved at once; ignore this alert)",
        severity="info",
        source="midas-tests",
    )
    pagerduty_enqueue(action="resolve", dedup_key=dedup_key)
    report = deliver_due()
    rows = OutboxMessage.objects.filter(to=dedup_key)
    assert report.sent == 2, [row.last_error for row in rows]
    assert {row.status for row in rows} == {OutboxStatus.SENT}
