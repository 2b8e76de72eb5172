"""The rollback: each step timed and recorded, the hook, the dry run, a failing hook that
stops with maintenance on, a database restore that counts, exports and emails first."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.models import LaunchEvent, Phase, RollbackRun
from midas.launch.rollback import steps as rollback_steps
from midas.launch.rollback.services import rollback_plan, rollback_run
from midas.launch.state.selectors import launch_state, state_row
from midas.notifications.models import OutboxChannel, OutboxMessage
from midas.ops.selectors import read_state
from midas.status.models import Incident, IncidentStatus

NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
STEPS = ["maintenance_on", "flags", "release", "restore", "tell", "maintenance_off", "phase"]
HOOK = """
import os, pathlib, sys
pathlib.Path(sys.argv[1]).write_text(os.environ["MIDAS_ROLLBACK_TO"])
print("activated", os.environ["MIDAS_ROLLBACK_TO"], "password=hunter2")
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""


@pytest.fixture
def launch_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    settings.LAUNCH_ROLLBACK_HOOK = ""
    settings.LAUNCH_ROLLBACK_HOOK_TIMEOUT = 30
    return settings


@pytest.fixture
def hook(launch_settings, tmp_path):
    """A hook command that writes MIDAS_ROLLBACK_TO into a file; ``hook.exit_with(3)``."""
    script = tmp_path / "hook.py"
    script.write_text(HOOK)
    marker = tmp_path / "activated.txt"

    class Hook:
        path = marker

        @staticmethod
        def exit_with(code: int) -> None:
            launch_settings.LAUNCH_ROLLBACK_HOOK = f"{sys.executable} {script} {marker} {code}"

    Hook.exit_with(0)
    return Hook


def releases(current="r42", previous="r41"):
    row = state_row()
    row.current_release, row.previous_release = current, previous
    row.phase = Phase.PUBLIC
    row.save(update_fields=["current_release", "previous_release", "phase"])


def good_flags_then_booking_off(actor):
    from midas.launch.flags.services import flag_set, flags_snapshot

    flags_snapshot(good=True, reason="GO at 10:00")
    flag_set(key="booking", state="off", actor=actor, reason="the bad release")


@pytest.mark.django_db
def test_a_full_rollback_runs_every_step_in_order_and_records_them(hook, coordinator_actor):
    from midas.flags.models import Flag

    releases()
    good_flags_then_booking_off(coordinator_actor)

    run = rollback_run(actor=coordinator_actor, reason="error rate 3% for 12 min", now=NOW)

    assert run.ok is True and run.finished_at is not None and not run.dry_run
    assert [s["name"] for s in run.steps] == STEPS
    assert all(s["ok"] for s in run.steps)
    assert {s["name"] for s in run.steps if s["skipped"]} == {"restore"}
    assert all(isinstance(s["ms"], int) and s["started_at"] for s in run.steps)
    assert hook.path.read_text() == "r41"  # the hook got the previous release
    release = run.steps[2]["detail"]
    assert "activated r41" in release and "hunter2" not in release  # output kept, redacted
    assert Flag.objects.get(key="booking").state == "on"  # the good snapshot's state
    assert read_state().enabled is False  # maintenance went on, then off again
    assert launch_state(fresh=True).phase == Phase.ROLLED_BACK
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.MONITORING
    assert "rolled back" in incident.updates.get().body
    actions = list(LaunchEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("launch.rollback.step") == 7
    assert actions[-1] == "launch.rollback.finished"
    assert "launch.phase.changed" in actions and "launch.flags.restored" in actions
    team = OutboxMessage.objects.filter(to="launch-team@midas.example")
    assert team.filter(template="launch_announcement", subject__contains="Rolled back").exists()


@pytest.mark.django_db
def test_an_open_incident_gets_an_update_rather_than_a_new_one(hook, system_actor):
    from midas.status.services import incident_open

    incident = incident_open(title="Errors on checkout", body="We are looking into it.")
    rollback_run(actor=system_actor, reason="trigger error_rate", now=NOW)
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING and incident.updates.count() == 2


@pytest.mark.django_db
def test_without_a_hook_the_release_step_is_skipped_with_a_warning(
    launch_settings, coordinator_actor
):
    run = rollback_run(actor=coordinator_actor, reason="drill", now=NOW)
    release = run.steps[2]
    assert release["ok"] and release["skipped"]
    assert "WARNING" in release["detail"] and "LAUNCH_ROLLBACK_HOOK" in release["detail"]
    assert "no good snapshot" in run.steps[1]["detail"]  # and the flags step said so
    assert run.ok is True


@pytest.mark.django_db
def test_a_dry_run_shows_the_steps_and_changes_nothing(hook, coordinator_actor):
    releases()
    before_events = LaunchEvent.objects.count()
    plan = rollback_plan()
    assert [p.name for p in plan] == STEPS
    assert "MIDAS_ROLLBACK_TO=r41" in plan[2].detail and str(hook.path) in plan[2].detail

    run = rollback_run(actor=coordinator_actor, reason="practice", dry_run=True, now=NOW)

    assert run.dry_run and run.ok and [s["name"] for s in run.steps] == STEPS
    assert not hook.path.exists()
    assert read_state().enabled is False
    assert launch_state(fresh=True).phase == Phase.PUBLIC
    assert not Incident.objects.exists() and not OutboxMessage.objects.exists()
    assert list(LaunchEvent.objects.values_list("action", flat=True)[: 1 + before_events]) == [
        "launch.rollback.dry_run"
    ]


@pytest.mark.django_db
def test_a_failing_hook_stops_the_rollback_with_maintenance_on(hook, coordinator_actor):
    releases()
    hook.exit_with(3)

    run = rollback_run(actor=coordinator_actor, reason="bad deploy", now=NOW)

    assert run.ok is False and run.finished_at is not None
    assert [s["name"] for s in run.steps] == ["maintenance_on", "flags", "release"]
    assert "FAILED with exit code 3" in run.steps[-1]["detail"]
    assert read_state().enabled is True  # left on
    assert launch_state(fresh=True).phase == Phase.PUBLIC  # not rolled back
    stopped = OutboxMessage.objects.filter(subject__contains="ROLLBACK STOPPED")
    assert stopped.exists()


@pytest.mark.django_db
def test_a_crash_leaves_the_steps_done_so_far(hook, coordinator_actor, monkeypatch):
    def crash(runner):
        raise KeyboardInterrupt  # the process killed mid-step

    monkeypatch.setattr(rollback_steps, "release_previous", crash)
    with pytest.raises(KeyboardInterrupt):
        rollback_run(actor=coordinator_actor, reason="x", now=NOW)
    run = RollbackRun.objects.get()
    assert [s["name"] for s in run.steps] == ["maintenance_on", "flags"]
    assert run.finished_at is None and run.ok is None
    with pytest.raises(AppError, match="has not finished"):  # and blocks a second one
        rollback_run(actor=coordinator_actor, reason="again", now=NOW)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["concierge_staff", "executive"])
def test_staff_without_the_rollback_permission_are_refused(launch_settings, request, who):
    actor = actors.of_user(request.getfixturevalue(who), "cli")
    with pytest.raises(AppError) as refused:
        rollback_run(actor=actor, reason="x", now=NOW)
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert not RollbackRun.objects.exists() and read_state().enabled is False


@pytest.mark.django_db
def test_an_operator_may_roll_back_and_the_phase_is_changed_on_their_behalf(
    launch_settings, operator
):
    run = rollback_run(actor=actors.of_user(operator, "console"), reason="x", now=NOW)
    assert run.ok and launch_state(fresh=True).phase == Phase.ROLLED_BACK
    phase = LaunchEvent.objects.get(action="launch.phase.changed")
    assert phase.actor_label == "system:rollback (for ops@midas.example)"


@pytest.mark.django_db
def test_bad_input_is_refused_before_anything_changes(launch_settings, coordinator_actor):
    with pytest.raises(AppError, match="reason"):
        rollback_run(actor=coordinator_actor, reason="  ", now=NOW)
    with pytest.raises(AppError) as missing:
        rollback_run(actor=coordinator_actor, reason="x", restore_backup="20990101T000000Z-0")
    assert missing.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(AppError, match="no backup"):
        rollback_run(actor=coordinator_actor, reason="x", restore_backup="latest")
    assert not RollbackRun.objects.exists() and read_state().enabled is False


# --- Restores (real backups; the database is replaced, so no wrapping transaction) ----------


def _booked(email: str):

    from tests.factories import make_driver, make_paid_booking

    return make_paid_booking(customer=make_driver(email=email, first_name="Noor"))


def _restore_case(hook, launch_settings, coordinator):
    from midas.backups.services import backup_create
    from midas.bookings.models import Booking

    releases()
    kept = _booked("kept@example.com")
    manifest = backup_create(kind="manual")
    lost = _booked("lost@example.com")
    actor = actors.of_user(coordinator, "cli")

    with pytest.raises(AppError, match="loses 1 booking and 1 payment ") as unconfirmed:
        rollback_run(actor=actor, reason="data corruption", restore_backup="latest")
    assert unconfirmed.value.code == ErrorCode.INVALID_INPUT
    assert Booking.objects.filter(pk=lost.pk).exists() and not RollbackRun.objects.exists()

    run = rollback_run(
        actor=actor, reason="data corruption", restore_backup="latest", confirm_loss=True
    )
    close_old_connections()

    assert run.ok is True, run.steps
    assert run.backup_name == manifest.id and run.restore
    assert [s["name"] for s in run.steps] == STEPS
    assert RollbackRun.objects.filter(pk=run.pk).exists()  # written again after the restore
    references = set(Booking.objects.values_list("reference", flat=True))
    assert kept.reference in references and lost.reference not in references
    detail = run.steps[3]["detail"]
    assert "1 booking and 1 payment (1 customer)" in detail and "safety backup" in detail
    # The export was written before the restore, with the lost booking and its ledger.
    export = json.loads(Path(run.export_path).read_text())
    assert [b["reference"] for b in export["bookings"]] == [lost.reference]
    assert export["bookings"][0]["customer_email"] == "lost@example.com"
    assert [p["kind"] for p in export["bookings"][0]["payments"]] == ["charge"]
    assert export["bookings"][0]["paid_minor"] == lost.total_minor
    bookings_csv = Path(run.export_path[:-5] + "-bookings.csv").read_text()
    rows = list(csv.DictReader(bookings_csv.splitlines()))
    assert rows[0]["reference"] == lost.reference and rows[0]["asset"]
    assert oct(Path(run.export_path).stat().st_mode & 0o777) == "0o600"
    # The customer whose booking is gone is emailed, through the outbox, after the restore.
    (email,) = OutboxMessage.objects.filter(
        channel=OutboxChannel.EMAIL, template="launch_rollback_customer"
    )
    assert email.to == "lost@example.com" and lost.reference in email.subject
    assert "Noor" in email.body_text and lost.reference in email.body_text
    assert read_state().enabled is False and launch_state(fresh=True).phase == Phase.ROLLED_BACK
    assert LaunchEvent.objects.filter(action="launch.rollback.restored").exists()
    assert Incident.objects.get().impact == "major"
    return manifest


@pytest.mark.django_db(transaction=True)
def test_a_restore_counts_exports_restores_and_emails_the_customers(
    hook, launch_settings, coordinator
):
    manifest = _restore_case(hook, launch_settings, coordinator)
    assert manifest.vendor == connection.vendor


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_on_postgresql(hook, launch_settings, coordinator):
    manifest = _restore_case(hook, launch_settings, coordinator)
    assert manifest.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_the_cli_shows_the_loss_and_wants_yes(hook, launch_settings, coordinator, capsys):
    from midas.backups.services import backup_create

    _booked("a@example.com")
    backup_create(kind="manual")
    _booked("b@example.com")
    with pytest.raises(SystemExit) as refused:
        call_command(
            "launch", "rollback", "--reason", "x", "--restore", "latest", "--by", coordinator.email
        )
    assert refused.value.code == 2
    out = capsys.readouterr()
    assert "1 booking(s) and 1 payment(s)" in out.out and "--yes" in out.err
    assert not RollbackRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_restore_inside_a_transaction_is_refused(hook, launch_settings, coordinator):
    from django.db import transaction

    from midas.backups.services import backup_create

    backup_create(kind="manual")
    actor = actors.of_user(coordinator, "cli")
    with pytest.raises(AppError, match="inside a transaction"), transaction.atomic():
        rollback_run(actor=actor, reason="x", restore_backup="latest", confirm_loss=True)
    assert not RollbackRun.objects.exists() and read_state().enabled is False


@pytest.mark.django_db
def test_a_run_whose_row_vanished_is_written_anew(launch_settings, coordinator_actor, monkeypatch):
    """As after a restore that went back to before the run, had re-recording it failed."""
    told = rollback_steps.tell

    def tell_after_losing_the_row(runner):
        RollbackRun.objects.filter(pk=runner.run_row.pk).delete()
        return told(runner)

    monkeypatch.setattr(rollback_steps, "tell", tell_after_losing_the_row)
    run = rollback_run(actor=coordinator_actor, reason="x", now=NOW)
    saved = RollbackRun.objects.get()
    assert saved.pk == run.pk and saved.ok is True
    assert [s["name"] for s in saved.steps] == STEPS
