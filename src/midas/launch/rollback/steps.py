"""The steps of a rollback (``midas.launch.rollback.services``), each ``step(runner) -> (ok, detail,
skipped)``. What each would do is ``rollback.preview.plan()``."""

from __future__ import annotations

import os
import shlex
import subprocess

from django.conf import settings
from django.db import close_old_connections

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.models import Phase, RollbackRun
from midas.launch.rollback.export import loss_export
from midas.launch.rollback.preview import hook_argv, open_incident, previous_release, window_note
from midas.launch.state.selectors import plan_time
from midas.ops.logs.redaction import redact

MAINTENANCE_MESSAGE = (
    "We are putting the previous version of our site back in place. We will be back shortly; "
    "your bookings are safe with our concierge."
)
OUTPUT_LIMIT = 3000


def _acting(runner, perm: str) -> actors.Actor:
    """The rollback's actor may lack FLAGS or PHASE (operations may roll back but not move
    phases): the rollback then acts as the system on their behalf, named in the record."""
    if actors.can(runner.actor, perm):
        return runner.actor
    return actors.Actor(
        user=None, label=f"system:rollback (for {runner.actor.label})", via=runner.actor.via
    )


# --- The steps ------------------------------------------------------------------------------


def maintenance_on(runner) -> tuple[bool, str, bool]:
    from midas.ops.selectors import read_state
    from midas.ops.services import maintenance_enable

    was_on = read_state().enabled
    maintenance_enable(message=MAINTENANCE_MESSAGE, user=runner.actor.user)
    return True, "already on" if was_on else "maintenance page up", False


def flags_back(runner) -> tuple[bool, str, bool]:
    from midas.launch.flags.services import flags_restore_last_good

    try:
        restored = flags_restore_last_good(
            actor=_acting(runner, actors.FLAGS), reason=f"rollback: {runner.reason}"
        )
    except AppError as exc:
        if exc.code == ErrorCode.NOT_FOUND:
            return True, f"no good snapshot: flags left as they are ({exc.message})", True
        raise
    return True, "restored: " + ", ".join(f"{k}={v}" for k, v in restored.items()), False


def release_previous(runner) -> tuple[bool, str, bool]:
    argv = hook_argv()
    if not argv:
        return (
            True,
            "WARNING: skipped, LAUNCH_ROLLBACK_HOOK is not set: activate the previous release "
            "by hand",
            True,
        )
    previous = previous_release()
    timeout = settings.LAUNCH_ROLLBACK_HOOK_TIMEOUT
    env = {**os.environ, "MIDAS_ROLLBACK_TO": previous}
    head = f"`{shlex.join(argv)}` MIDAS_ROLLBACK_TO={previous or '(none recorded)'}"
    try:
        done = subprocess.run(
            argv,
            shell=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = _output(exc.stdout, exc.stderr)
        return False, f"{head}: timed out after {timeout} s\n{out}", False
    except OSError as exc:
        return False, f"{head}: could not run ({exc})", False
    out = _output(done.stdout, done.stderr)
    if done.returncode != 0:
        return False, f"{head}: FAILED with exit code {done.returncode}\n{out}", False
    return True, f"{head}: exit 0\n{out}".rstrip(), False


def _output(stdout, stderr) -> str:
    def text(value) -> str:
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return value or ""

    combined = text(stdout).strip()
    if text(stderr).strip():
        combined += ("\n" if combined else "") + "stderr: " + text(stderr).strip()
    return redact(combined)[-OUTPUT_LIMIT:]


def restore(runner) -> tuple[bool, str, bool]:
    if runner.target is None:
        return True, "not asked for: the database is kept as it is", True
    from midas.backups.manifest import BackupError
    from midas.backups.services import backup_restore

    manifest = runner.target.manifest
    run = runner.run_row
    stem = f"rollback-{run.started_at:%Y%m%dT%H%M%SZ}-{manifest.id}"
    export = loss_export(since=manifest.created, stem=stem)  # before anything is lost
    runner.export = export
    run.export_path = str(export.json_path)
    head = (
        f"backup {manifest.id} (taken {plan_time(manifest.created, '%Y-%m-%d %H:%M:%S')}); lost "
        f"{export.loss.describe()}; exported to {export.json_path}, {export.bookings_csv.name}, "
        f"{export.payments_csv.name}"
    )
    kept: list[str] = []
    try:
        safety = backup_restore(backup_id=manifest.id, force=True, notes=kept)
    except BackupError as exc:
        return False, f"{head}; RESTORE FAILED: {exc}", False
    close_old_connections()
    runner.restored = True
    after = _after_restore(runner, kept)
    return True, f"{head}; restored; safety backup {safety.id}; {after}", False


def _after_restore(runner, kept: list[str]) -> str:
    """The restored database is the backup's, except the launch's own records, which the
    restore kept apart (``rollback.keep``): this run's row and its records are as they were.
    The maintenance switch and the flags are the backup's: put maintenance back on, forget
    cached launch state and flags, and put the good flags back. Without the keeper (or had
    the run's row been lost anyway), the run is written again with its steps so far."""
    from django.contrib.auth import get_user_model

    from midas.launch.audit import record
    from midas.launch.state.selectors import forget
    from midas.ops.services import maintenance_enable

    user = runner.actor.user
    if user is not None and not get_user_model().objects.filter(pk=user.pk).exists():
        label = f"{runner.actor.label} (no account in the restored database)"
        runner.actor = actors.Actor(user=None, label=label, via=runner.actor.via)
    old = runner.run_row
    notes = [*kept] or ["launch records: not kept apart"]
    if RollbackRun.objects.filter(pk=old.pk).exists():
        RollbackRun.objects.filter(pk=old.pk).update(steps=old.steps, export_path=old.export_path)
    else:
        runner.run_row = RollbackRun.objects.create(
            started_at=old.started_at,
            actor_label=old.actor_label,
            reason=old.reason,
            dry_run=False,
            restore=True,
            backup_name=old.backup_name,
            export_path=old.export_path,
            steps=old.steps,
        )
        notes.append("run re-recorded")
    record(
        "launch.rollback.restored",
        actor=runner.actor,
        reason=runner.reason,
        at=runner.clock(),
        run=runner.run_row.pk,
        run_before_restore=old.pk,
        backup=old.backup_name,
        export=old.export_path,
        kept=kept,
        steps_before=[{k: s[k] for k in ("name", "ok", "ms")} for s in old.steps],
    )
    maintenance_enable(message=MAINTENANCE_MESSAGE, user=None)
    forget()
    notes.append("maintenance back on")
    from midas.flags.services import bump_version

    bump_version()
    _ok, detail, _ = flags_back(runner)
    notes.append(f"flags again: {detail}")
    return "; ".join(notes)


def tell(runner) -> tuple[bool, str, bool]:
    from midas.launch.channel import announce
    from midas.launch.state.selectors import launch_state
    from midas.notifications.services import email_enqueue

    parts = [_status_page(runner)]
    state = launch_state(fresh=True)
    fields = {
        "by": runner.actor.label,
        "reason": runner.reason,
        "release": f"→ {state.previous_release or 'previous'}",
    }
    if runner.export is not None:
        fields["restored"] = runner.target.manifest.id
        fields["lost"] = runner.export.loss.describe()
        fields["export"] = str(runner.export.json_path)
    announce(
        event="launch.rollback.done",
        text=f"Rolled back: {runner.reason}",
        severity="danger",
        fields=fields,
    )
    parts.append("launch channel told")
    if runner.export is None or not runner.restored:
        parts.append(window_note(state))
        return True, "; ".join(parts), False
    sent, bad = 0, []
    since = runner.target.manifest.created
    for customer in runner.export.customers:
        try:
            email_enqueue(
                to=customer["email"],
                template="launch_rollback_customer",
                context={
                    "name": customer["name"],
                    "bookings": customer["bookings"],  # times in each booking's zone
                    "since": customer.get("since_local") or plan_time(since, "%a %-d %b %Y, %H:%M"),
                },
                dedupe_key=f"rollback:{runner.run_row.started_at:%Y%m%dT%H%M%S}:"
                f"{customer['email'].lower()}"[:200],
            )
            sent += 1
        except ValueError:
            bad.append(customer["email"])
    parts.append(f"{sent} customer email(s) queued")
    if bad:
        parts.append(f"not emailed (bad address): {', '.join(bad)}")
    return not bad, "; ".join(parts), False


def _status_page(runner) -> str:
    from midas.status.models import IncidentImpact, IncidentStatus
    from midas.status.services import incident_open, incident_update

    body = "We rolled back to the previous version of our site to resolve the problem."
    if runner.restored:
        body += (
            f" Bookings made after {plan_time(runner.target.manifest.created)} could not "
            "be kept; our concierge is contacting every customer concerned."
        )
    body += " We are monitoring closely."
    incident = open_incident()
    if incident is not None:
        incident_update(incident=incident, status=IncidentStatus.MONITORING, body=body)
        return f"status page: update on incident #{incident.pk}"
    incident = incident_open(
        title="We rolled back the latest release",
        body=body,
        impact=IncidentImpact.MAJOR if runner.restored else IncidentImpact.MINOR,
        status=IncidentStatus.MONITORING,
    )
    return f"status page: incident #{incident.pk} opened"


def maintenance_off(runner) -> tuple[bool, str, bool]:
    if runner.failed:
        return (
            False,
            f"LEFT ON: step(s) {', '.join(runner.failed)} failed; turn it off by hand "
            "(midas maintenance off) once fixed",
            True,
        )
    from midas.ops.services import maintenance_disable

    maintenance_disable(user=runner.actor.user)
    return True, "maintenance page down", False


def phase_rolled_back(runner) -> tuple[bool, str, bool]:
    from midas.launch.state.selectors import launch_state
    from midas.launch.state.services import phase_set

    state = launch_state(fresh=True)
    if state.phase == Phase.ROLLED_BACK:
        return True, "already rolled back", True
    before = state.phase
    phase_set(
        phase=Phase.ROLLED_BACK,
        actor=_acting(runner, actors.PHASE),
        reason=f"rollback: {runner.reason}",
        at=runner.clock(),
    )
    return True, f"{Phase(before).label} → {Phase.ROLLED_BACK.label}", False
