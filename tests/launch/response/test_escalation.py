"""The escalation matrix: level 1 on open, level 2 at 15 min and level 3 at 30 min unless
acknowledged, critical incidents inform management and executives anyway; each level told
once (also with two workers ticking at once); the acknowledge link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.models import Escalation, EscalationNotice, LaunchContact, LaunchRole
from midas.launch.response.escalation import (
    ack_token,
    escalation_start,
    escalation_tick,
    incident_acknowledge,
)
from midas.notifications.models import OutboxMessage
from midas.status.services import incident_open, incident_resolve
from tests.concurrency import race

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    settings.SITE_URL = "https://midas.example"
    for key, level, name in (
        ("tech_lead", 1, "tech"),
        ("devops", 1, "devops"),
        ("coordinator", 2, "coord"),
        ("executive", 3, "ceo"),
    ):
        role = LaunchRole.objects.create(key=key, escalation_level=level)
        LaunchContact.objects.create(
            role=role, name=name, email=f"{name}@midas.example", slack_handle=f"@{name}"
        )


def opened(impact: str = "major", at: dt.datetime = T0):
    return incident_open(title="Checkout failing", body="Investigating.", impact=impact, at=at)


def told(incident) -> list[tuple[int, str]]:
    return list(
        EscalationNotice.objects.filter(escalation__incident=incident)
        .order_by("level")
        .values_list("level", "why")
    )


def mails(level: int) -> list[str]:
    rows = OutboxMessage.objects.filter(
        template="launch_escalation", subject__contains=f"Level {level}:"
    )
    return sorted(rows.values_list("to", flat=True))


def test_level_one_is_told_on_open_by_email_with_the_link_and_on_the_channel():
    incident = opened()
    escalation = escalation_start(incident=incident, now=T0)
    assert told(incident) == [(1, "opened")] and escalation.level == 1
    assert mails(1) == ["devops@midas.example", "tech@midas.example"]
    mail = OutboxMessage.objects.filter(template="launch_escalation").first()
    assert f"https://midas.example/launch/ack/{ack_token(escalation)}" in mail.body_text
    channel = OutboxMessage.objects.get(
        template="launch_announcement", body_text__contains="level 1"
    )
    assert "@devops @tech" in channel.body_text


def test_the_slack_message_mentions_members_by_id_and_others_by_handle(settings):
    import json

    settings.SLACK_WEBHOOK_URL = "https://hooks.slack.invalid/services/T/B/x"
    LaunchContact.objects.filter(name="tech").update(slack_user_id="U123")
    escalation_start(incident=opened(), now=T0)
    slack = OutboxMessage.objects.get(channel="slack", template="launch.incident.escalated")
    text = json.loads(slack.body_text)["text"]
    assert text.endswith("level 1 (Technical team) told — opened. @devops <@U123>")
    mail = OutboxMessage.objects.get(template="launch_announcement", body_text__contains="level 1")
    assert "@devops @tech" in mail.body_text  # e-mail names the handles


def test_unacknowledged_goes_to_level_two_at_15_and_three_at_30():
    incident = opened()
    escalation_start(incident=incident, now=T0)
    assert escalation_tick(now=T0 + 14 * MIN) == []
    [notice] = escalation_tick(now=T0 + 15 * MIN)
    assert (notice.level, notice.why, notice.recipients) == (
        2,
        "unacknowledged",
        ["coord@midas.example"],
    )
    assert escalation_tick(now=T0 + 29 * MIN) == []
    [notice] = escalation_tick(now=T0 + 30 * MIN)
    assert (notice.level, notice.why) == (3, "unacknowledged")
    assert Escalation.objects.get(incident=incident).level == 3
    assert escalation_tick(now=T0 + 90 * MIN) == []
    assert mails(2) == ["coord@midas.example"] and mails(3) == ["ceo@midas.example"]


def test_acknowledged_in_time_stops_the_escalation(coordinator):
    incident = opened()
    escalation_start(incident=incident, now=T0)
    incident_acknowledge(
        incident=incident, actor=actors.of_user(coordinator, "cli"), now=T0 + 5 * MIN
    )
    assert escalation_tick(now=T0 + 15 * MIN) == []
    assert escalation_tick(now=T0 + 45 * MIN) == []
    assert told(incident) == [(1, "opened")]


def test_critical_tells_executives_at_once_and_management_even_when_acknowledged(coordinator):
    incident = opened("critical")
    escalation_start(incident=incident, now=T0)
    assert told(incident) == [(1, "opened"), (3, "emergency")]
    incident_acknowledge(incident=incident, actor=actors.of_user(coordinator, "cli"), now=T0)
    assert escalation_tick(now=T0 + 14 * MIN) == []
    [notice] = escalation_tick(now=T0 + 15 * MIN)
    assert (notice.level, notice.why) == (2, "severe")
    assert escalation_tick(now=T0 + 30 * MIN) == []  # level 3 was told at once


def test_the_tick_picks_up_incidents_opened_by_staff_and_ignores_resolved_ones():
    incident = opened(at=T0)
    assert not Escalation.objects.exists()
    notices = escalation_tick(now=T0 + 20 * MIN)  # opened in the admin, first tick late
    assert sorted(n.level for n in notices) == [1, 2]
    incident_resolve(incident=incident, at=T0 + 21 * MIN)
    assert escalation_tick(now=T0 + 40 * MIN) == []
    other = opened(at=T0 + 41 * MIN)
    incident_resolve(incident=other, at=T0 + 42 * MIN)
    escalation_tick(now=T0 + 43 * MIN)
    assert not Escalation.objects.filter(incident=other).exists()
    stale = opened(at=T0 - dt.timedelta(days=3))  # open since before this code ran
    assert escalation_tick(now=T0 + 44 * MIN) == []
    assert not Escalation.objects.filter(incident=stale).exists()


def test_no_contacts_at_a_level_falls_back_to_the_team_address():
    LaunchContact.objects.filter(role__escalation_level=2).delete()
    incident = opened()
    escalation_start(incident=incident, now=T0)
    [notice] = escalation_tick(now=T0 + 15 * MIN)
    assert notice.recipients == ["team@midas.example"]


def test_acknowledging_needs_the_permission_and_happens_once(coordinator, executive):
    incident = opened()
    escalation_start(incident=incident, now=T0)
    with pytest.raises(AppError) as err:
        incident_acknowledge(incident=incident, actor=actors.of_user(executive, "cli"))
    assert err.value.code == ErrorCode.FORBIDDEN
    actor = actors.of_user(coordinator, "cli")
    escalation = incident_acknowledge(incident=incident, actor=actor, now=T0 + MIN)
    assert escalation.acknowledged_by == coordinator
    with pytest.raises(AppError) as err:
        incident_acknowledge(incident=incident, actor=actor, now=T0 + 2 * MIN)
    assert err.value.code == ErrorCode.INVALID_STATE
    assert "already acknowledged by coordinator@midas.example" in err.value.message


def _race_ticks():
    incident = opened(at=T0)
    results = race(2, lambda i: len(escalation_tick(now=T0 + 31 * MIN)))
    assert all(isinstance(r, int) for r in results), results
    assert told(incident) == [(1, "opened"), (2, "unacknowledged"), (3, "unacknowledged")]
    assert Escalation.objects.count() == 1
    assert len(mails(1)) == 2 and len(mails(2)) == 1 and len(mails(3)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_at_once_tell_each_level_once():
    _race_ticks()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_at_once_tell_each_level_once_on_postgresql():
    assert connection.vendor == "postgresql"
    _race_ticks()


# --- The acknowledge link ---------------------------------------------------------------------


def test_the_link_shows_a_confirm_page_then_acknowledges_once(client):
    incident = opened()
    escalation = escalation_start(incident=incident, now=T0)
    url = f"/launch/ack/{ack_token(escalation)}"
    page = client.get(url)
    assert page.status_code == 200 and b"Acknowledge incident #" in page.content
    assert Escalation.objects.get().acknowledged_at is None  # a GET changes nothing
    done = client.post(url)
    assert done.status_code == 200 and b"Acknowledged." in done.content
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is not None and escalation.acknowledged_by is None
    again = client.post(url)
    assert again.status_code == 409 and b"already acknowledged" in again.content
    assert b"Already acknowledged" in client.get(url).content


def test_a_wrong_or_tampered_token_is_a_404(client):
    escalation = escalation_start(incident=opened(), now=T0)
    token = ack_token(escalation)
    assert client.get("/launch/ack/nope").status_code == 404
    assert client.get(f"/launch/ack/{escalation.ack_token}").status_code == 404  # unsigned
    assert client.post(f"/launch/ack/{token[:-2]}xx").status_code == 404
    assert Escalation.objects.get().acknowledged_at is None


def test_a_signed_in_staff_member_acknowledges_by_name(client, operator):
    escalation = escalation_start(incident=opened(), now=T0)
    client.force_login(operator)
    client.post(f"/launch/ack/{ack_token(escalation)}")
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == operator


def test_the_link_works_during_maintenance(client):
    from midas.ops.services import maintenance_enable

    escalation = escalation_start(incident=opened(), now=T0)
    maintenance_enable(message="Rolling back")
    assert client.get(f"/launch/ack/{ack_token(escalation)}").status_code == 200
