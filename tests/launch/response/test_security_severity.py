"""Severity that matches the evidence: a security signal opens a staff-only incident for
review (nothing public, no rollback recommended, the evidence in the team's messages); only
a compromised staff account or a breach confirmed by a person makes it public, critical and
a rollback recommendation."""

from __future__ import annotations

import datetime as dt
import io
import sys
import types

import pytest
from django.core.cache import cache
from django.core.management import call_command

from midas.launch import actors
from midas.launch.models import (
    EscalationNotice,
    LaunchEvent,
    LaunchState,
    RollbackRun,
    SecuritySignal,
    SignalKind,
)
from midas.launch.response.security_signals import lockout_record, staff_login_record
from midas.launch.response.services import incident_close, triggers_evaluate
from midas.launch.state.selectors import forget
from midas.notifications.models import OutboxChannel, OutboxMessage
from midas.status.models import Incident
from tests.factories import make_driver, make_staff
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)
ROLLBACK = "rollback recommended"


@pytest.fixture(autouse=True)
def team(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = "https://hooks.slack.test/services/T/B/X"
    cache.clear()
    forget()
    yield
    cache.clear()
    forget()


@pytest.fixture
def pinned(monkeypatch):
    return pin_now(monkeypatch, T0)


def channel(event: str = "launch.trigger.fired") -> str:
    """Every Slack message of ``event``, as posted (the frozen payload)."""
    rows = OutboxMessage.objects.filter(channel=OutboxChannel.SLACK, template=event)
    return "\n".join(r.body_text for r in rows)


def escalation_mail(level: int) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(
            template="launch_escalation", subject__contains=f"Level {level}:"
        )
    )


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def a_staff_account_with_a_known_address(email: str = "ana@midas.example"):
    staff = make_staff(email=email)
    staff_login_record(user=staff, ip="10.0.0.1", at=T0 - dt.timedelta(days=3))
    return staff


def test_25_mistyped_passwords_on_5_customer_addresses_raise_no_public_alarm(
    client, clock, pinned, operator
):
    customers = [make_driver(email=f"guest{i}@example.com") for i in range(5)]
    for customer in customers:
        for _ in range(5):
            client.post(
                "/account/login/",
                {"email": customer.email, "password": "wrong"},
                REMOTE_ADDR="198.51.100.23",
            )
    assert SecuritySignal.objects.filter(kind=SignalKind.LOCKOUT).count() >= 5
    pinned.advance(minutes=1)
    [firing] = triggers_evaluate(now=T0 + M)
    incident = firing.incident
    assert firing.details["review"] is True
    assert (incident.public, incident.impact) == (False, "minor")
    assert not incident.components.exists()

    # the public documents: nothing happened
    page = client.get("/status").content.decode()
    assert "All Systems Operational" in page and "Major System Outage" not in page
    summary = client.get("/status/summary.json").json()
    assert summary["incidents"] == [] and summary["status"]["indicator"] == "none"
    assert {c["status"] for c in summary["components"]} == {"operational"}
    assert incident.title not in client.get("/status/incidents.atom").content.decode()
    assert client.get(f"/status/incidents/{incident.pk}").status_code == 404

    # the team: the review incident with the evidence, no rollback, no emergency
    said = channel()
    assert "Security signal for review" in said and "guest0@example.com" in said
    assert "198.51.100.23" in said and "confirm-breach" in said
    assert ROLLBACK not in said
    assert list(EscalationNotice.objects.values_list("level", "why")) == [(1, "opened")]
    [mail] = escalation_mail(1)
    assert "EMERGENCY" not in mail.subject
    assert "staff only" in mail.body_text and "guest3@example.com" in mail.body_text
    assert "5 lockout(s) in 10 min on" in mail.body_text and "198.51.100.23" in mail.body_text

    client.force_login(operator)
    console = client.get("/ops/launch/incidents").content.decode()
    assert incident.title in console and "staff only" in console
    assert "Confirm breach" in console
    code, out, _ = run("incident", "list")
    assert code == 0 and "staff only" in out and f"{incident.pk:>5}" in out


def test_a_staff_sign_in_from_a_new_address_alone_is_for_review(pinned):
    staff = a_staff_account_with_a_known_address()
    staff_login_record(user=staff, ip="192.0.2.66", at=T0)
    [firing] = triggers_evaluate(now=T0 + M)
    assert firing.incident.public is False
    assert f"{staff.email} from 192.0.2.66" in channel() and ROLLBACK not in channel()


def test_a_staff_account_locked_out_alone_is_for_review(pinned):
    staff = a_staff_account_with_a_known_address()
    lockout_record(email=staff.email, ip="203.0.113.5", scope="pair", at=T0)
    [firing] = triggers_evaluate(now=T0 + M)
    assert firing.details["staff_locked"] == [staff.email]
    assert firing.incident.public is False and ROLLBACK not in channel()


def test_lockouts_on_staff_then_a_staff_sign_in_from_a_new_address_is_a_breach(client, pinned):
    staff = a_staff_account_with_a_known_address()
    for i in range(3):
        lockout_record(email=staff.email, ip=f"203.0.113.{i}", scope="pair", at=T0 + i * M)
    staff_login_record(user=staff, ip="203.0.113.77", at=T0 + 4 * M)
    [firing] = triggers_evaluate(now=T0 + 5 * M)
    incident = firing.incident
    assert (incident.public, incident.impact) == (True, "critical")
    assert incident.title == "Investigating a service issue"  # nothing internal in public
    assert "203.0.113" not in incident.updates.get().body
    assert firing.details["breach"] and firing.details["review"] is False
    said = channel()
    assert ROLLBACK in said and "BREACH INDICATED" in said and staff.email in said
    # critical: the executives at once, with what happened
    [emergency] = escalation_mail(3)
    assert "EMERGENCY" in emergency.subject
    assert "BREACH INDICATED" in emergency.body_text and staff.email in emergency.body_text
    assert "Investigating a service issue" in client.get("/status").content.decode()


def test_a_staff_sign_in_from_an_address_that_was_locked_out_is_a_breach(pinned):
    make_driver(email="guest@example.com")
    staff = a_staff_account_with_a_known_address()
    lockout_record(email="guest@example.com", ip="203.0.113.9", scope="pair", at=T0)
    staff_login_record(user=staff, ip="203.0.113.9", at=T0 + 2 * M)
    [firing] = triggers_evaluate(now=T0 + 3 * M)
    assert firing.incident.public and firing.incident.impact == "critical"
    assert "an address locked out just before" in firing.details["breach"][0]


def test_a_review_becomes_public_in_place_when_breach_evidence_arrives(client, settings, pinned):
    settings.LAUNCH_SECURITY_LOCKOUTS = 3
    staff = a_staff_account_with_a_known_address()
    for i in range(3):
        lockout_record(email=f"guest{i}@example.com", ip="198.51.100.4", scope="pair", at=T0)
    [firing] = triggers_evaluate(now=T0 + M)
    assert firing.incident.public is False
    assert triggers_evaluate(now=T0 + 2 * M) == []  # still holding: nothing new

    lockout_record(email=staff.email, ip="198.51.100.4", scope="pair", at=T0 + 2 * M)
    staff_login_record(user=staff, ip="192.0.2.200", at=T0 + 3 * M)
    assert triggers_evaluate(now=T0 + 4 * M) == []  # the same firing, escalated
    firing.refresh_from_db()
    incident = Incident.objects.get(pk=firing.incident_id)
    assert (incident.public, incident.impact) == (True, "critical")
    assert incident.title == "Investigating a service issue"
    assert Incident.objects.count() == 1
    assert ROLLBACK in channel("launch.trigger.escalated")
    assert LaunchEvent.objects.filter(action="launch.trigger.escalated").count() == 1
    assert [n.level for n in EscalationNotice.objects.all()] == [1, 3]
    summary = client.get("/status/summary.json").json()
    assert [i["name"] for i in summary["incidents"]] == ["Investigating a service issue"]
    assert triggers_evaluate(now=T0 + 5 * M) == []
    assert LaunchEvent.objects.filter(action="launch.trigger.escalated").count() == 1


def test_a_person_confirms_a_breach_from_the_command_line(client, operator, pinned):
    for i in range(5):
        lockout_record(email=f"guest{i}@example.com", ip="198.51.100.4", scope="pair", at=T0)
    [firing] = triggers_evaluate(now=T0 + M)
    incident = firing.incident
    assert client.get("/status/summary.json").json()["incidents"] == []

    code, _, err = run(
        "incident", "confirm-breach", str(incident.pk), "--reason", " ", "--by", operator.email
    )
    assert code == 2 and "confirms the breach" in err
    code, out, _ = run(
        "incident",
        "confirm-breach",
        str(incident.pk),
        "--reason",
        "guest2's account shows bookings they did not make",
        "--by",
        operator.email,
    )
    assert code == 0 and "midas launch rollback" in out
    incident.refresh_from_db()
    assert (incident.public, incident.impact, incident.status) == (True, "critical", "identified")
    assert incident.title == "Investigating a service issue"
    event = LaunchEvent.objects.get(action="launch.incident.breach_confirmed")
    assert (event.actor, event.details["incident"]) == (operator, incident.pk)
    said = channel("launch.incident.breach_confirmed")
    assert ROLLBACK in said and "did not make" in said
    [emergency] = escalation_mail(3)
    assert "Breach confirmed by ops@midas.example" in emergency.body_text
    public = client.get(f"/status/incidents/{incident.pk}").content.decode()
    assert "did not make" not in public and "guest" not in public
    summary = client.get("/status/summary.json").json()
    assert summary["status"]["description"] == "Investigating an Incident"

    code, _, err = run(
        "incident",
        "confirm-breach",
        str(incident.pk),
        "--reason",
        "again",
        "--by",
        operator.email,
    )
    assert code == 2 and "already confirmed" in err


def test_confirm_breach_from_the_console_with_a_component(client, operator, executive):
    incident = _review_incident()
    client.force_login(executive)
    url = f"/ops/launch/incidents/{incident.pk}/confirm-breach"
    assert client.post(url, {"reason": "seen"}).status_code == 403
    client.force_login(operator)
    response = client.post(url, {"reason": "Staff laptop stolen", "components": ["api"]})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.public and incident.impact == "critical"
    summary = client.get("/status/summary.json").json()
    api = next(c for c in summary["components"] if c["name"] == "API")
    assert (api["status"], summary["status"]["indicator"]) == ("major_outage", "critical")


def _review_incident() -> Incident:
    for i in range(5):
        lockout_record(email=f"guest{i}@example.com", ip="198.51.100.4", scope="pair")
    [firing] = triggers_evaluate()
    return firing.incident


def test_with_execute_a_review_rolls_nothing_back_a_breach_does(monkeypatch, pinned):
    calls = []

    def rollback_run(*, actor, reason, **kwargs):
        calls.append(reason)
        return RollbackRun.objects.create(
            started_at=T0, actor_label=actor.label, reason=reason, ok=True
        )

    fake = types.ModuleType("midas.launch.rollback.services")
    fake.rollback_run = rollback_run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "midas.launch.rollback.services", fake)
    LaunchState.objects.update_or_create(pk=1, defaults={"trigger_action": "execute"})
    forget()

    staff = a_staff_account_with_a_known_address()
    for i in range(5):
        lockout_record(email=f"guest{i}@example.com", ip="198.51.100.4", scope="pair", at=T0)
    [firing] = triggers_evaluate(now=T0 + M)
    assert firing.action == "execute" and calls == []  # customers' lockouts: no rollback
    assert "executing the rollback" not in channel()

    lockout_record(email=staff.email, ip="198.51.100.4", scope="pair", at=T0 + M)
    staff_login_record(user=staff, ip="192.0.2.200", at=T0 + 2 * M)
    triggers_evaluate(now=T0 + 3 * M)
    assert len(calls) == 1 and calls[0].startswith("rollback trigger security:")
    firing.refresh_from_db()
    assert firing.rollback_id == RollbackRun.objects.get().pk
    assert "executing the rollback now" in channel("launch.trigger.escalated")


def test_a_person_may_open_a_staff_only_incident(client, operator, pinned):
    code, out, _ = run(
        "incident",
        "open",
        "--title",
        "Suspicious admin activity",
        "--body",
        "Looking.",
        "--impact",
        "major",
        "--staff-only",
        "--by",
        operator.email,
    )
    assert code == 0 and "staff only" in out
    incident = Incident.objects.get()
    assert incident.public is False
    assert client.get("/status/summary.json").json()["incidents"] == []
    assert "staff only" in channel("launch.incident.opened")
    client.force_login(operator)
    response = client.post(
        "/ops/launch/incidents/open",
        {"title": "Odd refunds", "body": "Looking.", "impact": "minor", "staff_only": "on"},
    )
    assert response.status_code == 302
    assert Incident.objects.get(title="Odd refunds").public is False
    assert 'name="staff_only"' in client.get("/ops/launch/incidents").content.decode()


def test_a_breach_after_the_review_was_resolved_opens_a_public_incident(operator, pinned):
    staff = a_staff_account_with_a_known_address()
    for i in range(5):
        lockout_record(email=f"guest{i}@example.com", ip="198.51.100.4", scope="pair", at=T0)
    [firing] = triggers_evaluate(now=T0 + M)
    review = firing.incident
    incident_close(
        incident=review, body="Customers mistyping.", actor=actors.of_user(operator, "cli")
    )
    lockout_record(email=staff.email, ip="198.51.100.4", scope="pair", at=T0 + 2 * M)
    staff_login_record(user=staff, ip="192.0.2.200", at=T0 + 3 * M)
    triggers_evaluate(now=T0 + 4 * M)
    firing.refresh_from_db()
    assert firing.incident_id != review.pk
    incident = firing.incident
    assert (incident.public, incident.impact, incident.is_open) == (True, "critical", True)
    review.refresh_from_db()
    assert not review.public  # the resolved review stays internal
