"""The downtime trigger when the database itself is down: told from the spooled probes by
the worker straight to Slack and the team's e-mail, recorded at its true time once the
database answers, then cleared by the normal evaluation."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.launch.models import Escalation, TriggerFiring
from midas.launch.response import outage
from midas.launch.response.services import triggers_evaluate
from midas.launch.state.selectors import forget
from midas.slo import spool
from midas.slo.models import ProbeResult
from midas.slo.recorder import minute_of
from midas.status.models import Incident, IncidentStatus
from tests.slo.conftest import add_probe
from tests.stand_ins.slack import SlackStandIn

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def team(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    forget()
    with SlackStandIn() as slack:
        settings.SLACK_WEBHOOK_URL = slack.url
        settings.SLACK_TIMEOUT = 5
        yield slack
    forget()


def spool_down(first: int, last: int) -> None:
    """Failing probes spooled at 20 s past each minute ``first``..``last`` after T0."""
    rows = []
    for i in range(first, last + 1):
        at = T0 + i * M + dt.timedelta(seconds=20)
        for component in ("website", "booking"):
            rows.append(
                ProbeResult(
                    component=component,
                    target="home",
                    ok=False,
                    status=503,
                    latency_ms=4.0,
                    at=at,
                    minute=minute_of(at),
                    detail="",
                )
            )
    spool.append(rows)


def test_four_minutes_down_tell_nobody(team, mailoutbox):
    spool_down(0, 3)
    assert outage.downtime_alert(T0 + 4 * M + dt.timedelta(seconds=5)) is None
    assert team.requests == [] and mailoutbox == []


def test_five_minutes_down_tell_slack_and_the_team_straight_away(team, mailoutbox):
    spool_down(0, 4)
    fired_at = T0 + 5 * M + dt.timedelta(seconds=5)
    entry = outage.downtime_alert(fired_at)
    assert entry is not None and entry["told"] == {"slack": "sent", "email": "sent"}
    assert entry["components"] == ["booking", "website"]
    (posted,) = team.requests
    assert "Rollback trigger 'downtime' fired" in posted.json["text"]
    assert "database cannot be reached" in posted.json["text"]
    (mail,) = mailoutbox
    assert mail.to == ["team@midas.example"] and "downtime" in mail.subject
    # told once per outage, however long it lasts
    spool_down(5, 6)
    assert outage.downtime_alert(T0 + 7 * M) is None
    assert len(team.requests) == 1


def test_recorded_at_its_true_time_once_the_database_is_back_then_cleared(team, mailoutbox):
    spool_down(0, 5)
    fired_at = T0 + 5 * M + dt.timedelta(seconds=5)
    outage.downtime_alert(fired_at)
    spool.drain()  # the database answers: the probes' first run writes the spool

    assert outage.record_offline_firings() == 1
    assert outage.pending() == []
    firing = TriggerFiring.objects.get(trigger="downtime")
    assert firing.fired_at == fired_at
    assert firing.action == "recommend"
    assert firing.details["offline"] is True
    incident = Incident.objects.get(pk=firing.incident_id)
    assert incident.started_at == fired_at and incident.status == IncidentStatus.INVESTIGATING
    assert Escalation.objects.filter(incident=incident).exists()
    assert outage.record_offline_firings() == 0  # once only

    # the probes pass again: the normal evaluation clears it, the incident is monitored
    back = T0 + 6 * M
    for i in range(6, 12):
        add_probe(T0 + i * M, ok=True)
    triggers_evaluate(now=back + 6 * M)
    firing.refresh_from_db()
    assert firing.cleared_at is not None
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING


def test_slack_down_too_is_recorded_not_fatal(team, mailoutbox, settings):
    team.script(500)
    spool_down(0, 4)
    entry = outage.downtime_alert(T0 + 5 * M)
    assert entry["told"]["slack"].startswith("Slack HTTP 500")
    assert entry["told"]["email"] == "sent"
