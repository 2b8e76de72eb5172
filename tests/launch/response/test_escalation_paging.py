"""Paging that reaches a person: every escalation level told pages PagerDuty (a trigger on
the incident's one alert), acknowledging the incident acknowledges the alert, resolving it
resolves the alert; levels 2 and 3 say what has happened since it opened (who has it in
hand, a rollback, monitoring)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from midas.launch import actors
from midas.launch.models import LaunchContact, LaunchRole, RollbackRun, TriggerFiring
from midas.launch.response.escalation import (
    escalation_start,
    escalation_tick,
    incident_acknowledge,
    page_key,
)
from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxMessage, OutboxStatus
from midas.status.models import IncidentStatus
from midas.status.services import incident_open, incident_resolve, incident_update
from tests.stand_ins.pagerduty import PagerDutyStandIn

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # 07:00 EST
MIN = dt.timedelta(minutes=1)
KEY = "R0UT1NGKEY0123456789abcdefABCDEF"


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    settings.SITE_URL = "https://midas.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for key, level, name in (("tech_lead", 1, "tech"), ("coordinator", 2, "coord")):
        role = LaunchRole.objects.create(key=key, escalation_level=level)
        LaunchContact.objects.create(role=role, name=name, email=f"{name}@midas.example")


@pytest.fixture
def pager(settings):
    with PagerDutyStandIn() as stand_in:
        settings.PAGERDUTY_API_URL = stand_in.url
        settings.PAGERDUTY_ROUTING_KEY = KEY
        settings.PAGERDUTY_TIMEOUT = 5
        yield stand_in


def opened(impact: str = "major"):
    return incident_open(title="Checkout failing", body="Investigating.", impact=impact, at=T0)


def pages() -> list[dict]:
    rows = OutboxMessage.objects.filter(channel="pagerduty").order_by("id")
    return [json.loads(row.body_text) for row in rows]


def test_a_page_reaches_the_pager_is_acknowledged_and_resolved(pager, coordinator):
    incident = opened()
    escalation = escalation_start(incident=incident, now=T0)
    deliver_due()
    [trigger] = pager.accepted
    assert trigger["routing_key"] == KEY and trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == page_key(escalation)
    assert trigger["payload"]["summary"] == (
        f'Incident #{incident.pk} "Checkout failing" (major): level 1 (Technical team) — opened'
    )
    assert trigger["payload"]["severity"] == "error"
    assert trigger["payload"]["source"] == "midas.example"
    assert trigger["links"][0]["href"].startswith("https://midas.example/launch/ack/")
    assert pager.alerts == {page_key(escalation): "triggered"}

    incident_acknowledge(
        incident=incident, actor=actors.of_user(coordinator, "cli"), now=T0 + 3 * MIN
    )
    deliver_due()
    assert pager.accepted[-1] == {
        "routing_key": KEY,
        "event_action": "acknowledge",
        "dedup_key": page_key(escalation),
    }
    assert pager.alerts == {page_key(escalation): "acknowledged"}

    incident_resolve(incident=incident, body="Fixed.", at=T0 + 20 * MIN)
    escalation_tick(now=T0 + 21 * MIN)  # resolved at once already: the tick adds nothing
    escalation_tick(now=T0 + 22 * MIN)  # once
    deliver_due()
    assert [e["event_action"] for e in pager.accepted] == ["trigger", "acknowledge", "resolve"]
    assert pager.alerts == {page_key(escalation): "resolved"}


def test_the_page_is_retried_when_pagerduty_fails(pager):
    pager.script(503, 429)
    escalation = escalation_start(incident=opened(), now=T0)
    row = OutboxMessage.objects.get(channel="pagerduty")
    t0 = dt.datetime.now(dt.UTC)
    for step in range(3):
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=t0)
        deliver_due(now=t0 + step * MIN)
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.attempts == 3
    assert pager.alerts == {page_key(escalation): "triggered"}


def test_critical_pages_as_critical_and_no_key_pages_nobody(pager, settings):
    escalation_start(incident=opened("critical"), now=T0)
    assert [p["payload"]["severity"] for p in pages()] == ["critical", "critical"]  # 1 and 3
    settings.PAGERDUTY_ROUTING_KEY = ""
    escalation_start(incident=opened(), now=T0)
    assert len(pages()) == 2


def test_level_two_says_what_happened_since_rollback_and_monitoring(pager):
    incident = opened()
    escalation = escalation_start(incident=incident, now=T0)
    firing = TriggerFiring.objects.create(
        trigger="error_rate", fired_at=T0, action="recommend", incident=incident
    )
    run = RollbackRun.objects.create(
        started_at=T0 + 4 * MIN,
        finished_at=T0 + 6 * MIN,
        actor_label="ana@midas.example",
        reason="trigger error_rate",
        ok=True,
    )
    firing.rollback, firing.cleared_at = run, T0 + 10 * MIN
    firing.save()
    incident_update(
        incident=incident,
        status=IncidentStatus.MONITORING,
        body="No longer detected.",
        at=T0 + 10 * MIN,
    )
    [notice] = escalation_tick(now=T0 + 15 * MIN)
    assert notice.level == 2
    mail = OutboxMessage.objects.get(template="launch_escalation", to="coord@midas.example")
    for line in (
        "Since it opened:",
        "- Level 1 (Technical team) told at 07:00 EST.",
        "- Nobody has acknowledged it yet.",
        "- Rolled back at 07:04 EST by ana@midas.example: done.",
        "- Trigger 'error_rate' no longer holds since 07:10 EST.",
        "- Status: monitoring since 07:10 EST.",
    ):
        assert line in mail.body_text
    assert "<li>Rolled back at 07:04 EST by ana@midas.example: done.</li>" in mail.body_html
    channel = OutboxMessage.objects.get(
        template="launch_announcement", body_text__contains="level 2"
    )
    assert "Status: monitoring since 07:10 EST." in channel.body_text
    level_two = pages()[-1]
    assert level_two["dedup_key"] == page_key(escalation)  # the same alert
    assert "monitoring" in level_two["payload"]["custom_details"]["since it opened"]
    first = OutboxMessage.objects.get(template="launch_escalation", to="tech@midas.example")
    assert "Since it opened" not in first.body_text  # level 1 has no history yet


def test_level_three_says_who_acknowledged(coordinator):
    incident = opened("critical")
    escalation_start(incident=incident, now=T0)
    incident_acknowledge(incident=incident, actor=actors.of_user(coordinator, "cli"), now=T0)
    escalation_tick(now=T0 + 15 * MIN)  # critical: management told although acknowledged
    mail = OutboxMessage.objects.get(template="launch_escalation", to="coord@midas.example")
    assert "- Acknowledged by coordinator@midas.example at 07:00 EST." in mail.body_text
    assert "Not rolled back (recommended)." not in mail.body_text  # no trigger: nothing said
