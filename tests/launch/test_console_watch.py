"""The console's overview as the room the team watches (issue 11, item 6): open incidents and
firings with their level, age and an Acknowledge button, the phase, gate and ramp, the live
go/no-go verdict, the SLO figures, the next step and the last smoke, in the plan's zone with
UTC on hover; the same part alone at ``/ops/launch/now`` (what the page refreshes itself
with); the audit lines as sentences; sign-offs that say what they agreed to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.launch import actors, audit
from midas.launch.models import (
    Escalation,
    GoNoGoRecord,
    LaunchEvent,
    LaunchRole,
    ScheduleStep,
    SignOff,
    SmokeRun,
    TriggerFiring,
)
from midas.launch.response.escalation import escalation_start
from midas.launch.state.selectors import forget, state_row
from midas.status.services import incident_open

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 21, 15, 20, tzinfo=dt.UTC)  # launch day, 11:20 in New York (EDT)


@pytest.fixture(autouse=True)
def pinned(monkeypatch, settings):
    """The clock pinned at NOW; no channel or team e-mail."""
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def day(coordinator):
    """Soft launch at 25 % on launch day; an open incident opened by the error-rate trigger
    20 minutes ago, a security firing with no incident, a failed smoke run, the next step."""
    row = state_row()
    row.launch_date = dt.date(2027, 3, 21)
    row.phase = "soft_launch"
    row.gate_mode = "invite"
    row.ramp_percent = 25
    row.save()
    forget()
    opened = NOW - dt.timedelta(minutes=20)
    incident = incident_open(title="Checkout errors", body="Looking", impact="major", at=opened)
    escalation_start(incident=incident, now=opened)
    TriggerFiring.objects.create(
        trigger="error_rate", fired_at=opened, action="recommend", incident=incident
    )
    TriggerFiring.objects.create(
        trigger="security", fired_at=NOW - dt.timedelta(minutes=5), action="recommend"
    )
    SmokeRun.objects.create(
        started_at=NOW - dt.timedelta(minutes=12),
        finished_at=NOW - dt.timedelta(minutes=11),
        base_url="https://midas.example",
        ok=False,
        steps=[{"name": "home", "ok": True}, {"name": "sign-in", "ok": False, "detail": "500"}],
    )
    ScheduleStep.objects.create(
        key="full-capacity",
        at=dt.datetime(2027, 3, 21, 16, 0, tzinfo=dt.UTC),
        title="Full capacity",
    )
    audit.record(
        "launch.phase.changed",
        actor=actors.of_user(coordinator, "console"),
        reason="07:00 soft launch",
        at=NOW - dt.timedelta(hours=4, minutes=20),
        before="freeze",
        after="soft_launch",
    )
    return incident


def test_the_fragment_leads_with_what_matters_now(client, operator, day):
    client.force_login(operator)
    events = LaunchEvent.objects.count()
    response = client.get("/ops/launch/now")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment, to swap in
    # The verdict is evaluated, never recorded; reading the page writes nothing.
    assert not GoNoGoRecord.objects.exists() and LaunchEvent.objects.count() == events
    # The open incident, the trigger behind it, its level and age, and the button.
    assert f"#{day.pk} Checkout errors" in html and "Error rate trigger firing" in html
    assert "Level 1" in html and "20 min" in html
    assert f'action="/ops/launch/now/{day.pk}/ack"' in html
    assert f"Acknowledge #{day.pk}</button>" in html
    # The firing that has no incident yet.
    assert "Security signal trigger firing" in html and "5 min" in html
    # Where the launch stands, the live verdict, the SLO figures, the next step, the smoke.
    assert "Soft launch" in html and "Beta testers and invitees" in html
    assert "25% of new visitors" in html
    assert "NO-GO</strong>" in html and "not recorded" in html
    assert "Uptime" in html and "Error rate" in html and "no data" in html
    assert "Full capacity" in html and "12:00 EDT" in html
    assert "FAILED" in html and "sign-in" in html
    # Local (New York) times, UTC on hover.
    assert (
        '<time datetime="2027-03-21T15:00:00Z" title="2027-03-21 15:00 UTC">11:00 EDT</time>'
        in html
    )


def test_the_overview_holds_the_fragment_and_refreshes_it(client, coordinator, day):
    client.force_login(coordinator)
    html = client.get("/ops/launch/").content.decode()
    assert 'data-refresh-url="/ops/launch/now"' in html and 'data-refresh-seconds="30"' in html
    assert "launch/console.js" in html and "launch/console.css" in html
    assert f"Acknowledge #{day.pk}</button>" in html and "NO-GO</strong>" in html
    # The audit line as a sentence, with its reason.
    assert (
        "Staff coor moved the phase from System freeze to Soft launch: “07:00 soft launch”" in html
    )
    assert "<code>launch.phase.changed</code>" not in html
    # The phase dropdown starts on the current phase, which submits nothing.
    assert '<option value="" selected>Soft launch (current)</option>' in html


def test_acknowledge_from_the_overview(client, operator, day):
    client.force_login(operator)
    response = client.post(f"/ops/launch/now/{day.pk}/ack")
    assert response.status_code == 302 and response["Location"] == "/ops/launch/"
    escalation = Escalation.objects.get(incident=day)
    assert escalation.acknowledged_by == operator and escalation.acknowledged_at == NOW
    html = client.get("/ops/launch/now").content.decode()
    assert "Acknowledge #" not in html and operator.email in html
    assert f'{operator.email} <span class="muted"><time' in html  # and when (11:20 EDT)
    assert ">11:20 EDT</time></span>" in html
    again = client.post(f"/ops/launch/now/{day.pk}/ack")
    assert again.status_code == 409 and "already acknowledged" in again.content.decode()
    assert client.post("/ops/launch/now/999999/ack").status_code == 404


def test_executives_see_the_incident_but_no_button(client, executive, day):
    client.force_login(executive)
    html = client.get("/ops/launch/now").content.decode()
    assert "Checkout errors" in html and "Acknowledge #" not in html
    assert client.post(f"/ops/launch/now/{day.pk}/ack").status_code == 403
    assert Escalation.objects.get(incident=day).acknowledged_at is None


def test_a_quiet_moment_says_so(client, operator):
    client.force_login(operator)
    html = client.get("/ops/launch/now").content.decode()
    assert "No open incident, no trigger firing." in html and "no run yet" in html


def test_the_fragment_needs_a_launch_account(client, concierge_staff):
    assert client.get("/ops/launch/now").status_code == 302
    client.force_login(concierge_staff)
    assert client.get("/ops/launch/now").status_code == 403


def test_an_approved_no_go_reads_as_such(client, executive, groups):
    record = GoNoGoRecord.objects.create(
        created_at=NOW, decision="no_go", reasons=["x"], criteria=[], phase="soft_launch"
    )
    role, _ = LaunchRole.objects.get_or_create(key="executive", defaults={"escalation_level": 3})
    SignOff.objects.create(record=record, role=role, user=executive, approve=True, at=NOW)
    client.force_login(executive)
    html = client.get("/ops/launch/gonogo").content.decode()
    assert "Executive approved the NO-GO" in html and "✓" not in html


def test_the_fragment_costs_the_same_for_many_incidents(client, operator, day):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(operator)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/ops/launch/now").status_code == 200
        return len(queries.captured_queries)

    cost()  # the first request of a session pays for its own bits
    one = cost()
    for i in range(8):
        opened = NOW - dt.timedelta(minutes=i)
        escalation_start(
            incident=incident_open(title=f"Slow {i}", body="b", impact="minor", at=opened),
            now=opened,
        )
    assert cost() == one
