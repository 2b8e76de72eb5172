"""The plan's automatic checks on real rows: each passes on the evidence it names and fails
(with the reason) without it; checks_run writes only changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.launch.models import ChecklistItem, LaunchEvent, SmokeRun
from midas.launch.plan import checks as plan_checks
from midas.launch.plan import services as plan_services
from midas.launch.plan import team as team_services
from midas.launch.plan.checks import run_check

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 13, 23, 30, tzinfo=dt.UTC)  # T-1 18:30 EST: in the freeze


def _smoke(at, ok=True, steps=None):
    return SmokeRun.objects.create(
        started_at=at,
        finished_at=at + dt.timedelta(seconds=20),
        base_url="http://127.0.0.1:8000",
        ok=ok,
        steps=steps if steps is not None else [{"name": "home", "ok": True}],
    )


def test_smoke_passed_15m():
    assert not run_check("smoke_passed_15m", now=NOW).ok
    _smoke(NOW - dt.timedelta(minutes=20))
    stale = run_check("smoke_passed_15m", now=NOW)
    assert not stale.ok and "20 min ago" in stale.evidence
    _smoke(NOW - dt.timedelta(minutes=3), ok=False)
    assert not run_check("smoke_passed_15m", now=NOW).ok
    run = _smoke(NOW - dt.timedelta(minutes=5))
    fresh = run_check("smoke_passed_15m", now=NOW)
    assert fresh.ok and f"#{run.pk}" in fresh.evidence


def test_test_email_from_the_smoke_run_or_the_outbox():
    from midas.notifications.models import OutboxMessage
    from midas.notifications.services import email_enqueue

    _smoke(NOW - dt.timedelta(minutes=5), steps=[{"name": "email", "ok": False}])
    assert not run_check("test_email_delivered", now=NOW).ok
    _smoke(NOW - dt.timedelta(minutes=1), steps=[{"name": "email", "ok": True}])
    assert run_check("test_email_delivered", now=NOW).ok
    SmokeRun.objects.all().delete()
    email_enqueue(to="qa@midas.example", template="launch_announcement", context={"text": "t"})
    assert not run_check("test_email_delivered", now=NOW).ok  # queued is not delivered
    OutboxMessage.objects.update(status="sent", sent_at=NOW - dt.timedelta(hours=2))
    assert run_check("test_email_delivered", now=NOW).ok
    OutboxMessage.objects.update(sent_at=NOW - dt.timedelta(hours=30))
    assert not run_check("test_email_delivered", now=NOW).ok


def test_probes_running_needs_every_component():
    from midas.slo.models import Component, ProbeResult

    def probe(component, at):
        ProbeResult.objects.create(
            component=component,
            target=f"/{component}",
            ok=True,
            status=200,
            latency_ms=12.0,
            at=at,
            minute=at.replace(second=0, microsecond=0),
        )

    for component in Component.values:
        if component != "email":
            probe(component, NOW - dt.timedelta(minutes=1))
    probe("email", NOW - dt.timedelta(minutes=9))
    missing = run_check("probes_running", now=NOW)
    assert not missing.ok and "email" in missing.evidence
    probe("email", NOW - dt.timedelta(minutes=2))
    assert run_check("probes_running", now=NOW).ok


def test_backup_verified_24h(settings, tmp_path):
    from midas.backups.manifest import Manifest

    settings.BACKUP_DIR = tmp_path / "backups"
    assert not run_check("backup_verified_24h", now=NOW).ok

    def manifest(backup_id, verified_at):
        Manifest(
            id=backup_id,
            created_at=(NOW - dt.timedelta(hours=30)).isoformat(),
            kind="manual",
            vendor="sqlite",
            dump_file=f"{backup_id}.sqlite3",
            sha256="0" * 64,
            size=1,
            release={},
            sentinel="",
            tables={},
            verified_at=verified_at,
        ).save(settings.BACKUP_DIR)

    manifest("old", (NOW - dt.timedelta(hours=25)).isoformat())
    manifest("unverified", None)
    stale = run_check("backup_verified_24h", now=NOW)
    assert not stale.ok and "old" in stale.evidence
    manifest("fresh", (NOW - dt.timedelta(hours=2)).isoformat())
    ok = run_check("backup_verified_24h", now=NOW)
    assert ok.ok and "fresh" in ok.evidence


@pytest.mark.django_db(transaction=True)
def test_backup_verified_for_real(settings, tmp_path):
    """A real backup and its verification on this database (SQLite or PostgreSQL)."""
    from midas.backups.services import backup_create, backup_verify

    settings.BACKUP_DIR = tmp_path / "backups"
    backup_create(kind="manual")
    assert not run_check("backup_verified_24h").ok  # taken, not yet verified
    assert backup_verify().ok
    assert run_check("backup_verified_24h").ok


def test_freeze_in_force(coordinator_actor):
    from midas.launch.state import services

    assert not run_check("freeze_in_force", now=NOW).ok  # no launch date
    services.schedule_set(actor=coordinator_actor, reason="t", launch_date=dt.date(2027, 3, 14))
    assert run_check("freeze_in_force", now=NOW).ok  # 13 March 18:30 EST
    before = dt.datetime(2027, 3, 13, 22, 59, tzinfo=dt.UTC)  # 17:59 EST
    assert not run_check("freeze_in_force", now=before).ok


def test_launch_team_assigned(coordinator_actor, coordinator):
    from midas.launch.plan.data import ROLES

    assert not run_check("launch_team_assigned").ok  # no roles yet
    team_services.roles_ensure()
    result = run_check("launch_team_assigned")
    assert not result.ok and "Launch coordinator" in result.evidence
    for spec in ROLES:
        on_call = spec.escalation_level == 0  # legal, PR: a named contact is enough
        team_services.contact_set(
            role=spec.key,
            name=f"{spec.key} person",
            actor=coordinator_actor,
            user_email="" if on_call else coordinator.email,
        )
    assert run_check("launch_team_assigned").ok
    team_services.contact_remove(role="legal", actor=coordinator_actor)
    result = run_check("launch_team_assigned")
    assert not result.ok and result.evidence == "no contact named: Legal"
    team_services.contact_set(role="legal", name="Counsel", actor=coordinator_actor)
    team_services.contact_set(role="qa", name="QA without account", actor=coordinator_actor)
    result = run_check("launch_team_assigned")
    assert not result.ok and "QA manager" in result.evidence


def test_worker_running():
    from midas.jobs.models import WorkerHeartbeat

    assert run_check("worker_running", now=NOW).evidence == "no worker running"
    WorkerHeartbeat.objects.create(
        worker_id="w1", host="h", pid=1, started_at=NOW, last_seen=NOW - dt.timedelta(seconds=30)
    )
    assert run_check("worker_running", now=NOW).ok
    assert not run_check("worker_running", now=NOW + dt.timedelta(minutes=5)).ok


def test_security_settings_reports_the_deploy_warnings(settings):
    settings.DEBUG = False
    settings.SECURE_HSTS_SECONDS = 0
    result = run_check("security_settings")
    assert not result.ok and "security.W004" in result.evidence


def test_security_settings_pass_when_hardened(settings):
    settings.DEBUG = False
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECRET_KEY = "x" * 20 + "Production-grade-Secret-Key-0123456789abcdefghij"
    settings.ALLOWED_HOSTS = ["midas.example"]
    result = run_check("security_settings")
    assert result.ok, result.evidence


def test_an_unknown_or_broken_check_is_a_failure_not_an_error(monkeypatch):
    assert run_check("nope").evidence == "no such check: 'nope'"

    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(
        plan_checks.CHECKS, "broken", plan_checks.PlanCheck("broken", "broken", broken)
    )
    result = run_check("broken")
    assert not result.ok and "RuntimeError: boom" in result.evidence


def test_checks_run_updates_items_and_records_only_changes(coordinator_actor):
    plan_services.plan_init(actor=coordinator_actor, launch_date=dt.date(2027, 3, 14))
    now = timezone.now()
    changed = plan_services.checks_run(now=now)
    assert "t0-core-checks" in {i.key for i in changed}
    item = ChecklistItem.objects.get(key="t0-core-checks")
    assert item.status == "failed" and item.checked_at == now and item.checked_by is None
    events = LaunchEvent.objects.filter(action="launch.plan.item_checked").count()
    assert plan_services.checks_run(now=now) == []
    assert LaunchEvent.objects.filter(action="launch.plan.item_checked").count() == events
    _smoke(now - dt.timedelta(minutes=1))
    changed = plan_services.checks_run(now=now)
    assert {"t0-core-checks", "post-booking"} <= {i.key for i in changed}
    item.refresh_from_db()
    assert item.status == "done" and "passed" in item.evidence
    event = LaunchEvent.objects.filter(action="launch.plan.item_checked").first()
    assert event.actor_label == "system:checks" and event.details["after"] == "done"
    # manual items are never touched by the checks
    assert ChecklistItem.objects.get(key="t0-team-assembled").status == "open"


# --- customer service -----------------------------------------------------------------------


def _support_desk(coordinator_actor, concierge_staff):
    """The customer-service lead linked to a staff account in the concierge group, and a
    rota covering launch day (14 March, EST) in three shifts."""
    from midas.launch.state import services

    services.schedule_set(actor=coordinator_actor, reason="t", launch_date=dt.date(2027, 3, 14))
    team_services.roles_ensure()
    team_services.contact_set(
        role="cs_lead", name="Lead", actor=coordinator_actor, user_email=concierge_staff.email
    )
    midnight = dt.datetime(2027, 3, 14, 5, 0, tzinfo=dt.UTC)  # 00:00 EST; a 23-hour day
    for hours in (0, 8, 16):
        team_services.shift_add(
            name=f"CS +{hours}",
            starts_at=midnight + dt.timedelta(hours=hours),
            ends_at=midnight + dt.timedelta(hours=hours + 8),
            actor=coordinator_actor,
        )


def _answered_by_email(staff, *, at: dt.datetime, smtp_port: int | None = None):
    """A customer's ticket, answered by ``staff``; the customer answers the e-mail. Through
    ``midas mail-in``'s SMTP receiver when ``smtp_port``, else the same landing function."""
    from midas.concierge.inbound import InboundEmail
    from midas.concierge.services import email_receive, ticket_answer, ticket_open
    from midas.notifications.models import OutboxMessage
    from tests.factories import make_customer

    guest = make_customer("guest@example.com")
    ticket = ticket_open(
        email=guest.email,
        customer=guest,
        subject="Chauffeur?",
        body="At DCA?",
        channel="account",
        now=at,
    )
    answer = ticket_answer(ticket=ticket, by=staff, body="Yes.", now=at + dt.timedelta(minutes=5))
    reply_to = OutboxMessage.objects.get(message_id=answer.message_id).reply_to
    mail = InboundEmail(
        sender=guest.email,
        recipients=[reply_to],
        subject="Re: Chauffeur?",
        text="Thank you!\n\nOn Sat, Midas wrote:\n> Yes.",
        message_id="<reply-1@example.com>",
    )
    email_receive(mail=mail, now=at + dt.timedelta(minutes=9))
    return ticket


def test_support_ready_needs_a_staffed_inbox_a_rota_and_a_round_trip(
    coordinator_actor, concierge_staff
):
    empty = run_check("support_ready", now=NOW)
    assert not empty.ok
    assert "no customer-service lead" in empty.evidence and "no launch date" in empty.evidence
    assert "no ticket answered end to end by e-mail" in empty.evidence

    _support_desk(coordinator_actor, concierge_staff)
    almost = run_check("support_ready", now=NOW)
    assert not almost.ok and almost.evidence.startswith("no ticket answered end to end")

    ticket = _answered_by_email(concierge_staff, at=NOW - dt.timedelta(days=3))
    ready = run_check("support_ready", now=NOW)
    assert ready.ok, ready.evidence
    assert f"ticket #{ticket.pk} answered by concierge@midas.example" in ready.evidence

    # a gap in the rota on launch day is named in the plan's time (14 March 2027: the clocks
    # go forward at 02:00, so the second shift starts at 09:00 EDT)
    from midas.launch.models import RotaShift

    RotaShift.objects.filter(name="CS +8").delete()
    gap = run_check("support_ready", now=NOW)
    assert not gap.ok and "2027-03-14 09:00 EDT to 2027-03-14 17:00 EDT" in gap.evidence
    # and a round trip too old does not prove today's desk
    assert not run_check("support_ready", now=NOW + dt.timedelta(days=12)).ok


def test_a_staff_answer_nobody_replied_to_by_email_proves_nothing(
    coordinator_actor, concierge_staff
):
    from midas.concierge.services import ticket_answer, ticket_open, ticket_reply

    _support_desk(coordinator_actor, concierge_staff)
    ticket = ticket_open(
        email="guest@example.com", subject="Hi", body="Hello", channel="contact", now=NOW
    )
    ticket_answer(ticket=ticket, by=concierge_staff, body="Hello!", now=NOW)
    ticket_reply(ticket=ticket, body="From the account page", channel="account", now=NOW)
    result = run_check("support_ready", now=NOW + dt.timedelta(minutes=1))
    assert not result.ok and "no ticket answered end to end by e-mail" in result.evidence


def test_support_operational_needs_someone_on_shift_and_no_late_ticket(
    coordinator_actor, concierge_staff
):
    from midas.concierge.services import ticket_answer, ticket_open

    during = dt.datetime(2027, 3, 14, 15, 0, tzinfo=dt.UTC)  # launch day, 11:00 EDT
    assert not run_check("support_operational", now=during).ok
    _support_desk(coordinator_actor, concierge_staff)
    assert run_check("support_operational", now=during).ok
    night_after = dt.datetime(2027, 3, 15, 6, 0, tzinfo=dt.UTC)  # after the rota ends
    assert "nobody on the customer-service rota now" in (
        run_check("support_operational", now=night_after).evidence
    )

    ticket = ticket_open(
        email="guest@example.com", subject="Hi", body="Hello", channel="contact", now=during
    )
    late = during + dt.timedelta(hours=3)
    result = run_check("support_operational", now=late)
    assert not result.ok and "1 ticket(s) past their first-response time" in result.evidence
    ticket_answer(ticket=ticket, by=concierge_staff, body="Sorry for the wait.", now=late)
    assert run_check("support_operational", now=late).ok
