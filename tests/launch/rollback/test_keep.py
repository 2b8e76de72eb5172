"""A database restore during a rollback keeps the launch's own records: the business data goes
back to the backup, the launch stays exactly as it was (also what was recorded after the
backup) plus the rollback's own record. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import close_old_connections

from midas.launch import actors
from midas.launch.audit import record
from midas.launch.models import (
    Decision,
    GoNoGoRecord,
    Invite,
    LaunchContact,
    LaunchEvent,
    LaunchRole,
    Phase,
    RoleKey,
    RollbackRun,
    SignOff,
    TriggerFiring,
    WaitlistEntry,
)
from midas.launch.rollback.services import rollback_run
from midas.launch.state.selectors import launch_state, state_row
from midas.status.models import Component, Incident, IncidentStatus, IncidentUpdate
from tests.launch.conftest import make_staff

# The launch's clock in these records; the backup and the bookings are on the real clock
# (a backup's time is its file's), so nothing here depends on when the test runs.
T0 = dt.datetime(2027, 2, 9, 23, 0, tzinfo=dt.UTC)
ROLLBACK_CHANGES = {"LaunchState", "RollbackRun", "LaunchEvent"}  # what the rollback writes


@pytest.fixture
def restore_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    settings.LAUNCH_ROLLBACK_HOOK = ""
    return settings


def _booked(email: str):
    from tests.factories import make_driver, make_paid_booking

    return make_paid_booking(customer=make_driver(email=email, first_name="Noor"))


def _incident(title: str, at: dt.datetime) -> Incident:
    from midas.launch.response.escalation import escalation_start
    from midas.status.services import incident_open

    incident = incident_open(title=title, body="Investigating.", components=["web"], at=at)
    escalation_start(incident=incident, now=at)
    return incident


def _launch_rows() -> dict[str, dict[int, dict]]:
    """Every row of every launch table, by model and key."""
    return {
        model.__name__: {row["id"]: row for row in model._base_manager.values()}
        for model in apps.get_app_config("launch").get_models()
    }


def _set_up_the_launch(coordinator, executive):
    actor = actors.of_user(coordinator, "cli")
    row = state_row()
    row.launch_date = dt.date(2027, 2, 10)
    row.freeze_starts_at = dt.datetime(2027, 2, 9, 23, 0, tzinfo=dt.UTC)
    row.freeze_ends_at = dt.datetime(2027, 2, 11, 5, 0, tzinfo=dt.UTC)
    row.phase, row.phase_changed_at = Phase.SOFT_LAUNCH, T0
    row.gate_mode, row.ramp_percent = "invite", Decimal("25.00")
    row.current_release, row.previous_release = "r42", "r41"
    row.save()
    role, _ = LaunchRole.objects.get_or_create(key=RoleKey.CEO, defaults={"escalation_level": 3})
    LaunchContact.objects.create(role=role, name="Eve Exec", email=executive.email, user=executive)
    go = GoNoGoRecord.objects.create(
        created_at=T0, created_by=coordinator, actor_label=coordinator.email,
        decision=Decision.GO, phase=Phase.SOFT_LAUNCH,
    )  # fmt: skip
    SignOff.objects.create(record=go, role=role, user=executive, approve=True, at=T0)
    Invite.objects.create(code="VIP-ONE", email="vip@example.com", expires_at=T0 + dt.timedelta(7))
    WaitlistEntry.objects.create(email="early@example.com")
    Component.objects.get_or_create(key="web", defaults={"name": "Website"})
    incident = _incident("Checkout errors", T0)
    TriggerFiring.objects.create(
        trigger="error_rate", fired_at=T0, action="recommend", incident=incident
    )
    record("launch.test.before", actor=actor, reason="before the backup", at=T0)
    return actor, role, incident


def _after_the_backup(actor, role, incident, executive):
    """More launch records, made after the backup was taken."""
    from midas.status.services import incident_update

    later = T0 + dt.timedelta(hours=1)
    row = state_row()
    row.ramp_percent, row.phase = Decimal("50.00"), Phase.PUBLIC
    row.save(update_fields=["ramp_percent", "phase"])
    nogo = GoNoGoRecord.objects.create(
        created_at=later, actor_label="system", decision=Decision.NO_GO,
        reasons=["error rate 3%"], phase=Phase.PUBLIC,
    )  # fmt: skip
    SignOff.objects.create(record=nogo, role=role, user=executive, approve=False, at=later)
    Invite.objects.create(code="VIP-TWO", email="vip2@example.com", expires_at=later)
    WaitlistEntry.objects.create(email="late@example.com")
    incident_update(incident=incident, status=IncidentStatus.IDENTIFIED, body="Found it.", at=later)
    second = _incident("Slow search", later)
    TriggerFiring.objects.create(
        trigger="downtime", fired_at=later, action="recommend", incident=second
    )
    record("launch.test.after", actor=actor, reason="after the backup", at=later)
    # Access granted and taken away after the backup (midas launch team grant / revoke).
    Group.objects.get(name="operations").user_set.add(actor.user)
    Group.objects.get(name="executive").user_set.remove(executive)


def _keep_case(restore_settings, coordinator, executive):
    from midas.backups.services import backup_create
    from midas.bookings.models import Booking

    actor, role, incident = _set_up_the_launch(coordinator, executive)
    kept = _booked("kept@example.com")
    manifest = backup_create(kind="manual")
    lost = _booked("lost@example.com")
    _after_the_backup(actor, role, incident, executive)
    before = _launch_rows()
    incidents_before = set(Incident.objects.values_list("pk", flat=True))
    updates_before = set(IncidentUpdate.objects.values_list("pk", flat=True))
    assert len(incidents_before) == 2

    run = rollback_run(
        actor=actor, reason="data corruption", restore_backup="latest", confirm_loss=True
    )
    close_old_connections()

    assert run.ok is True, run.steps
    restore_step = run.steps[3]
    assert restore_step["name"] == "restore" and restore_step["ok"]
    assert "launch: " in restore_step["detail"] and "put back" in restore_step["detail"]
    # The business data is the backup's.
    references = set(Booking.objects.values_list("reference", flat=True))
    assert kept.reference in references and lost.reference not in references
    # The launch is exactly as it was, also what was recorded after the backup.
    after = _launch_rows()
    for name, rows in before.items():
        if name in ROLLBACK_CHANGES:
            continue
        assert after[name] == rows, name
    assert set(before["LaunchEvent"]) <= set(after["LaunchEvent"])
    assert LaunchEvent.objects.filter(action="launch.test.after").exists()
    state = launch_state(fresh=True)
    assert state.launch_date == dt.date(2027, 2, 10)
    assert (state.freeze_starts_at, state.freeze_ends_at) == (
        dt.datetime(2027, 2, 9, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2027, 2, 11, 5, 0, tzinfo=dt.UTC),
    )
    assert state.ramp_percent == Decimal("50.00") and state.gate_mode == "invite"
    assert state.phase == Phase.ROLLED_BACK  # the rollback's own change, on top
    assert GoNoGoRecord.objects.count() == 2 and SignOff.objects.count() == 2
    assert set(WaitlistEntry.objects.values_list("email", flat=True)) == {
        "early@example.com",
        "late@example.com",
    }
    assert Incident.objects.filter(pk__in=incidents_before).count() == 2
    assert updates_before <= set(IncidentUpdate.objects.values_list("pk", flat=True))
    assert Incident.objects.get(pk=incident.pk).components.filter(key="web").exists()
    assert set(coordinator.groups.values_list("name", flat=True)) == {"launch", "operations"}
    assert not executive.groups.exists()
    # ...plus the rollback's own record: one run, every step on it, its events.
    (saved,) = RollbackRun.objects.all()
    assert saved.pk == run.pk and saved.ok is True and len(saved.steps) == 7
    assert saved.export_path == run.export_path != ""
    actions = set(LaunchEvent.objects.values_list("action", flat=True))
    assert {"launch.rollback.started", "launch.rollback.restored"} <= actions
    assert LaunchEvent.objects.filter(action="launch.rollback.step").count() == 7
    # New rows get fresh keys (the sequences moved past the kept ones).
    newer = Invite.objects.create(code="VIP-3", expires_at=T0)
    assert newer.pk > max(before["Invite"])
    newer_incident = _incident("Another", T0)
    assert newer_incident.pk > max(incidents_before)
    return manifest


@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_launch_as_it_was(restore_settings, coordinator, executive):
    _keep_case(restore_settings, coordinator, executive)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_launch_as_it_was_on_postgresql(
    restore_settings, coordinator, executive
):
    manifest = _keep_case(restore_settings, coordinator, executive)
    assert manifest.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_links_to_accounts_the_restore_removed_are_cleared_or_named(
    restore_settings, coordinator, groups
):
    """An account created after the backup is gone after it: a contact keeps its name and
    email without the link; a sign-off, which cannot be without its signer, is left out and
    named (it is in the kept file and the safety backup)."""
    from midas.backups.services import backup_create

    actor, role, _ = _set_up_the_launch(coordinator, make_staff("e1@midas.example"))
    backup_create(kind="manual")
    late = make_staff("late@midas.example", "executive")
    LaunchContact.objects.create(role=role, backup=True, name="Late Backup", user=late)
    record_ = GoNoGoRecord.objects.create(
        created_at=T0, actor_label="x", decision=Decision.GO, phase=Phase.PUBLIC
    )
    late_signoff = SignOff.objects.create(record=record_, role=role, user=late, approve=True, at=T0)

    run = rollback_run(actor=actor, reason="x", restore_backup="latest", confirm_loss=True)
    close_old_connections()

    contact = LaunchContact.objects.get(name="Late Backup")
    assert contact.user_id is None and contact.backup
    assert not SignOff.objects.filter(pk=late_signoff.pk).exists()
    assert GoNoGoRecord.objects.filter(pk=record_.pk).exists()
    detail = run.steps[3]["detail"]
    assert "1 link(s)" in detail and f"SignOff #{late_signoff.pk}" in detail


@pytest.mark.django_db(transaction=True)
def test_midas_backup_restore_keeps_the_launch_too(restore_settings, coordinator, capsys):
    from django.core.management import call_command

    from midas.backups.services import backup_create

    manifest = backup_create(kind="manual")
    WaitlistEntry.objects.create(email="after@example.com")
    call_command("backup", "restore", manifest.id, "--force")
    close_old_connections()
    assert WaitlistEntry.objects.filter(email="after@example.com").exists()
    assert "Kept apart from the restore: launch: " in capsys.readouterr().out
    kept = list((restore_settings.BACKUP_DIR / "kept").iterdir())
    assert len(kept) == 1 and oct(kept[0].stat().st_mode & 0o777) == "0o600"
