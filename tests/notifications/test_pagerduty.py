"""Paging through PagerDuty's Events API v2: events frozen at enqueue without the routing
key, delivered to a local stand-in that checks them as PagerDuty does, retried on 5xx and
429, given up on 400, kept in order per alert; the routing key never stored nor logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from midas.notifications.pagerduty import build_event
from midas.notifications.services import pagerduty_enqueue
from tests.stand_ins.pagerduty import PagerDutyStandIn

pytestmark = pytest.mark.django_db

KEY = "R0UT1NGKEY0123456789abcdefABCDEF"  # 32 characters, like an integration key
DEDUP = "midas-incident-7"


@pytest.fixture
def pager(settings):
    with PagerDutyStandIn() as stand_in:
        settings.PAGERDUTY_API_URL = stand_in.url
        settings.PAGERDUTY_ROUTING_KEY = KEY
        settings.PAGERDUTY_TIMEOUT = 5
        yield stand_in


def trigger(**kwargs) -> OutboxMessage:
    return pagerduty_enqueue(
        action="trigger",
        dedup_key=kwargs.pop("dedup_key", DEDUP),
        summary=kwargs.pop("summary", "Incident #7 Checkout failing (major): level 1"),
        severity=kwargs.pop("severity", "error"),
        source="midas.example",
        details={"level": 1},
        links=[{"href": "https://midas.example/ops/launch/incidents", "text": "Console"}],
        **kwargs,
    )


def test_the_event_has_the_documented_shape_and_no_routing_key():
    event = build_event(
        action="trigger",
        dedup_key=DEDUP,
        summary="  Checkout\nfailing ",
        severity="critical",
        source="midas.example",
        details={"level": 3},
        timestamp=dt.datetime(2027, 2, 9, 14, 12, tzinfo=dt.UTC),
    )
    assert event == {
        "event_action": "trigger",
        "dedup_key": DEDUP,
        "payload": {
            "summary": "Checkout failing",
            "source": "midas.example",
            "severity": "critical",
            "timestamp": "2027-02-09T14:12:00+00:00",
            "custom_details": {"level": "3"},
        },
    }
    assert build_event(action="acknowledge", dedup_key=DEDUP) == {
        "event_action": "acknowledge",
        "dedup_key": DEDUP,
    }
    assert (
        len(build_event(action="trigger", dedup_key="k", summary="x" * 2000)["payload"]["summary"])
        == 1024
    )
    for bad in (
        {"action": "page", "dedup_key": DEDUP},
        {"action": "resolve", "dedup_key": ""},
        {"action": "trigger", "dedup_key": DEDUP, "summary": "x", "severity": "high"},
        {"action": "trigger", "dedup_key": DEDUP, "summary": " "},
    ):
        with pytest.raises(ValueError):
            build_event(**bad)


def test_a_page_reaches_pagerduty_and_is_acknowledged_then_resolved(pager):
    message = trigger()
    assert message.channel == OutboxChannel.PAGERDUTY and message.to == DEDUP
    assert KEY not in message.body_text  # the secret is added at delivery only
    pagerduty_enqueue(action="acknowledge", dedup_key=DEDUP)
    report = deliver_due()
    assert report.sent == 2
    sent = [r.json for r in pager.requests]
    assert [e["event_action"] for e in sent] == ["trigger", "acknowledge"]
    assert {e["routing_key"] for e in sent} == {KEY}
    assert sent[0]["payload"]["severity"] == "error"
    assert sent[0]["links"][0]["href"].endswith("/ops/launch/incidents")
    assert pager.requests[0].headers["Content-Type"] == "application/json"
    assert pager.alerts == {DEDUP: "acknowledged"}
    pagerduty_enqueue(action="resolve", dedup_key=DEDUP)
    deliver_due()
    assert pager.alerts == {DEDUP: "resolved"}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


@pytest.mark.parametrize("answer", [500, 502, 503, 429])
def test_a_5xx_or_429_is_retried_after_the_backoff(pager, answer):
    t0 = dt.datetime(2027, 2, 9, 14, 0, tzinfo=dt.UTC)
    pager.script(answer)
    message = trigger()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=t0)
    report = deliver_due(now=t0, rand=lambda: 1.0)
    message.refresh_from_db()
    assert (report.sent, report.retrying) == (0, 1)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at == t0 + dt.timedelta(seconds=30)  # the outbox's backoff
    assert f"PagerDuty HTTP {answer}" in message.last_error and KEY not in message.last_error
    assert deliver_due(now=t0 + dt.timedelta(seconds=29)).claimed == 0  # not before its time
    report = deliver_due(now=t0 + dt.timedelta(seconds=31))
    message.refresh_from_db()
    assert report.sent == 1 and message.status == OutboxStatus.SENT
    assert pager.alerts == {DEDUP: "triggered"} and len(pager.requests) == 2


def test_a_429_with_retry_after_waits_that_long_and_holds_the_rest(pager):
    t0 = dt.datetime(2027, 2, 9, 14, 0, tzinfo=dt.UTC)
    pager.script((429, {"status": "throttle event"}, {"Retry-After": "120"}))
    first = trigger()
    other = trigger(dedup_key="midas-incident-8")
    OutboxMessage.objects.update(next_attempt_at=t0)
    deliver_due(now=t0, rand=lambda: 1.0)
    first.refresh_from_db()
    other.refresh_from_db()
    assert first.next_attempt_at == t0 + dt.timedelta(seconds=120)
    assert other.last_error.startswith("not tried: PagerDuty HTTP 429")
    assert len(pager.requests) == 1  # not hammered into the limit


def test_an_invalid_event_is_given_up_at_once(pager, settings):
    settings.PAGERDUTY_ROUTING_KEY = ""  # PagerDuty: 'routing_key' is missing → 400
    message = trigger()
    deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING  # no key: kept for when one is set
    settings.PAGERDUTY_ROUTING_KEY = KEY
    pager.script((400, {"status": "invalid event", "errors": ["'payload.summary'"]}, {}))
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=dt.datetime.now(dt.UTC))
    deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "PagerDuty HTTP 400" in message.last_error


def test_an_acknowledge_waits_for_its_trigger(pager):
    t0 = dt.datetime(2027, 2, 9, 14, 0, tzinfo=dt.UTC)
    pager.script(503)
    trigger()
    pagerduty_enqueue(action="acknowledge", dedup_key=DEDUP)
    OutboxMessage.objects.update(next_attempt_at=t0)
    deliver_due(now=t0, rand=lambda: 1.0)
    assert [r.json["event_action"] for r in pager.requests] == ["trigger"]  # ack held back
    deliver_due(now=t0 + dt.timedelta(minutes=5))
    assert [e["event_action"] for e in pager.accepted] == ["trigger", "acknowledge"]
    assert pager.alerts == {DEDUP: "acknowledged"}


def test_a_repeated_enqueue_with_the_same_key_writes_once(pager):
    one = trigger(dedupe_key="page:1")
    two = trigger(dedupe_key="page:1")
    assert one.pk == two.pk and OutboxMessage.objects.count() == 1
    assert json.loads(one.body_text)["event_action"] == "trigger"


def test_the_staff_mailbox_and_the_admin_show_the_pages(pager, client, django_user_model):
    message = trigger()
    staff = django_user_model.objects.create_superuser(
        email="ops@midas.example", password="x-long-password-1"
    )
    client.force_login(staff)
    html = client.get("/staff/mailbox/").content.decode()
    assert "Pages (PagerDuty)" in html and DEDUP in html and "pagerduty.trigger" in html
    page = client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert page.status_code == 200 and "&quot;event_action&quot;: &quot;trigger&quot;" in (
        page.content.decode()
    )
