"""What a rollback would do, before doing it: the backup a restore goes back to (and the
loss it means), and each step's plan — for the dry run, the console's preview and the CLI."""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from midas.errors import AppError, ErrorCode
from midas.launch.models import Phase
from midas.launch.rollback.export import Loss, loss_since
from midas.launch.state.selectors import plan_time
from midas.ops.logs.redaction import redact

if TYPE_CHECKING:
    from midas.backups.manifest import Manifest


@dataclass
class Target:
    """The backup a restore goes back to, and what restoring it would lose."""

    manifest: Manifest
    loss: Loss


def resolve_target(name: str) -> Target:
    """``latest`` = the newest backup of this database that is not a restore's safety
    backup; otherwise the backup id. Bad names are an ``AppError`` (nothing changes)."""
    from midas.backups import services as backups
    from midas.backups.manifest import BackupError, all_manifests, load

    name = (name or "").strip()
    try:
        if name == "latest":
            candidates = [
                m for m in all_manifests() if m.vendor == backups.vendor() and m.kind != "safety"
            ]
            if not candidates:
                raise BackupError("there is no backup of this database to restore")
            manifest = candidates[0]
        else:
            manifest = load(name)
        if manifest.vendor != backups.vendor():
            raise BackupError(f"{manifest.id} is a {manifest.vendor} backup")
    except BackupError as exc:
        raise AppError(ErrorCode.NOT_FOUND, f"Cannot restore: {exc}.", field="restore") from exc
    return Target(manifest=manifest, loss=loss_since(manifest.created))


@dataclass(frozen=True)
class Planned:
    name: str
    title: str
    detail: str
    runs: bool


def hook_argv() -> list[str]:
    return shlex.split(settings.LAUNCH_ROLLBACK_HOOK or "")


def previous_release() -> str:
    from midas.launch.state.selectors import launch_state

    return launch_state(fresh=True).previous_release or ""


def _flags_preview() -> tuple[str, bool]:
    from midas.launch.flags.selectors import current_states, last_good_snapshot

    snapshot = last_good_snapshot()
    if snapshot is None:
        return "no good flags snapshot exists: flags stay as they are", False
    now_states = current_states()
    changes = [
        f"{key} {now_states[key]['state']} → {saved.get('state')}"
        for key, saved in sorted(snapshot.states.items())
        if key in now_states
        and (now_states[key]["state"], int(now_states[key]["percent"] or 0))
        != (saved.get("state"), int(saved.get("percent") or 0))
    ]
    when = plan_time(snapshot.taken_at)
    return f"back to the good snapshot of {when}: " + (", ".join(changes) or "no change"), True


def plan(*, target: Target | None, now: dt.datetime) -> list[Planned]:
    from midas.launch.state.selectors import launch_state
    from midas.ops.selectors import read_state

    state = launch_state(fresh=True)
    argv = hook_argv()
    timeout = settings.LAUNCH_ROLLBACK_HOOK_TIMEOUT
    flags_detail, flags_run = _flags_preview()
    maintenance_already = read_state().enabled
    if argv:
        release = (
            f"run `{redact(shlex.join(argv))}` with MIDAS_ROLLBACK_TO="
            f"{state.previous_release or '(none recorded)'} (timeout {timeout} s); "
            "a failure stops the rollback with maintenance on"
        )
    else:
        release = "skipped: LAUNCH_ROLLBACK_HOOK is not set; activate the previous release by hand"
    if target is None:
        restore = "not asked for: the database is kept as it is"
        emails = window_note(state)
    else:
        m = target.manifest
        restore = (
            f"restore {m.id} ({m.kind}, taken {plan_time(m.created, '%Y-%m-%d %H:%M:%S')}): loses "
            f"{target.loss.describe()}; they are exported to {settings.VAR_DIR}/rollback/ first; "
            "a safety backup of the live database is taken first; the launch's own records "
            "(plan, freeze, team, decisions, incidents, runs) are kept apart and put back"
        )
        emails = (
            f"email {target.loss.customers} customer(s) whose active or paid bookings the "
            "restore removes"
        )
    tell = f"status page: {_incident_plan()}; launch channel: announce (danger); {emails}"
    rolled_back = state.phase == Phase.ROLLED_BACK
    return [
        Planned(
            "maintenance_on",
            "Maintenance on",
            "already on" if maintenance_already else "customers see the maintenance page",
            True,
        ),
        Planned("flags", "Flags to the last good state", flags_detail, flags_run),
        Planned("release", "Previous release", release, bool(argv)),
        Planned("restore", "Database restore", restore, target is not None),
        Planned("tell", "Status page, launch channel, customers", tell, True),
        Planned("maintenance_off", "Maintenance off", "unless a step failed", True),
        Planned(
            "phase",
            "Phase → rolled back",
            "already rolled back" if rolled_back else f"from {Phase(state.phase).label}",
            not rolled_back,
        ),
    ]


def _incident_plan() -> str:
    incident = open_incident()
    if incident is None:
        return "open a new incident (monitoring)"
    return f"post an update on incident #{incident.pk} ({incident.title})"


def open_incident():
    from midas.status.models import Incident, IncidentStatus

    return Incident.objects.exclude(status=IncidentStatus.RESOLVED).order_by("-started_at").first()


def window_note(state) -> str:
    """Without a restore no booking is lost: those made in the bad release's window stand
    and nobody is emailed; the count is recorded for the concierge."""
    from midas.bookings.models import Booking

    since = state.phase_changed_at
    if since is None:
        return "no restore: no booking is lost, no customer is emailed"
    count = Booking.objects.filter(created_at__gte=since).count()
    return (
        f"no restore: the {count} booking(s) made since the phase changed at "
        f"{plan_time(since, state=state)} stand; no customer is emailed"
    )
