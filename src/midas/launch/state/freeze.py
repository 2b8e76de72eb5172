"""The system freeze: the deploy guard, its recorded override, and the release alert.

``guard()`` answers deploy scripts (``midas launch guard && ./deploy.sh``) and the ``migrate``
command: allowed unless the freeze window is in force and no override is active. An override
(``freeze_override``) names what it is for and lasts ``minutes``; it is a ``LaunchEvent``
(``launch.freeze.override``, details ``what`` and ``until``), so the record is the state.
``release_seen()`` runs when a web or worker process starts: a release id not seen before is
kept (``ReleaseSeen``), becomes the current release, and during the freeze alerts the team.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import on_the_record, record
from midas.launch.channel import announce
from midas.launch.models import LaunchEvent, ReleaseSeen
from midas.launch.state.selectors import forget, freeze_window, launch_state, state_row

logger = logging.getLogger(__name__)

OVERRIDE = "launch.freeze.override"
MAX_OVERRIDE_MINUTES = 24 * 60


@dataclass(frozen=True)
class GuardResult:
    allowed: bool
    reason: str
    until: dt.datetime | None = None  # the freeze's (or the override's) end
    override: LaunchEvent | None = None

    def __bool__(self) -> bool:
        return self.allowed


def active_override(now: dt.datetime) -> LaunchEvent | None:
    """The newest override whose ``until`` is still ahead of ``now``."""
    for event in LaunchEvent.objects.filter(action=OVERRIDE, at__lte=now).order_by("-at")[:20]:
        until = _until(event)
        if until is not None and until > now:
            return event
    return None


def _until(event: LaunchEvent) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(event.details.get("until", ""))
    except (TypeError, ValueError):
        return None


def _launch_tables_exist() -> bool:
    """False on a database not migrated yet (the first ``migrate``, test databases)."""
    try:
        return "launch_launchstate" in connection.introspection.table_names()
    except DatabaseError:
        return False


def guard(*, now: dt.datetime | None = None) -> GuardResult:
    """May a deploy or a migration go ahead now?"""
    now = now or timezone.now()
    if not _launch_tables_exist():
        return GuardResult(True, "No launch state yet (database not migrated): no freeze.")
    window = freeze_window(launch_state(fresh=True))
    if window is None or not window.contains(now):
        return GuardResult(True, "No freeze in force.")
    override = active_override(now)
    if override is not None:
        return GuardResult(
            True,
            f"Freeze in force, overridden by {override.actor_label} for "
            f"{override.details.get('what', '?')!r}: {override.reason}",
            until=_until(override),
            override=override,
        )
    return GuardResult(
        False,
        f"System freeze in force from {window.starts_at:%Y-%m-%d %H:%M %Z} "
        f"until {window.ends_at:%Y-%m-%d %H:%M %Z}: no deploys or migrations "
        "without an override (midas launch guard --override --reason ... --by ...).",
        until=window.ends_at,
    )


@transaction.atomic
def freeze_override(
    *,
    actor: Actor,
    reason: str,
    what: str,
    minutes: int = 60,
    now: dt.datetime | None = None,
) -> LaunchEvent:
    """Let deploys and migrations through the freeze for ``minutes``; recorded and
    announced. Needs the PHASE permission (who may change the freeze)."""
    actors.require(actor, actors.PHASE)
    reason, what = on_the_record(reason), (what or "").strip()
    if not what:
        raise AppError(ErrorCode.INVALID_INPUT, "Say what the override is for.", field="what")
    if not 1 <= minutes <= MAX_OVERRIDE_MINUTES:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"An override lasts 1 to {MAX_OVERRIDE_MINUTES} minutes.",
            field="minutes",
        )
    now = now or timezone.now()
    until = now + dt.timedelta(minutes=minutes)
    event = record(
        OVERRIDE, actor=actor, reason=reason, at=now, what=what[:200], until=until.isoformat()
    )
    announce(
        event=OVERRIDE,
        text=f"Freeze overridden for {what} until {until:%H:%M} UTC",
        severity="warning",
        fields={"by": actor.label, "reason": reason},
    )
    return event


def release_seen(
    *, release: str | None = None, now: dt.datetime | None = None, via: str = "start-up"
) -> bool:
    """Note the release this process runs. A new one becomes the current release (the
    previous one kept for a rollback) and, during the freeze, alerts the team (danger
    without an override, warning under one). Returns True when the release was new."""
    release = (release if release is not None else settings.RELEASE).strip()[:64]
    if not release:
        return False
    now = now or timezone.now()
    if ReleaseSeen.objects.filter(release=release).exists():
        return False
    try:
        with transaction.atomic():
            return _release_new(release, now, via)
    except IntegrityError:  # another process started with it at the same moment
        return False


def _release_new(release: str, now: dt.datetime, via: str) -> bool:
    gate = guard(now=now)
    frozen = not gate.allowed or gate.override is not None
    seen = ReleaseSeen.objects.create(release=release, first_seen_at=now, during_freeze=frozen)
    row = state_row(for_update=True)
    before = row.current_release
    if before != release:
        row.previous_release, row.current_release = before, release
        row.save(update_fields=["previous_release", "current_release", "updated_at"])
        transaction.on_commit(forget)
    system = actors.system("release", via=via)
    record("launch.release.seen", actor=system, at=now, release=release, previous=before)
    if not frozen:
        return True
    seen.alerted = True
    seen.save(update_fields=["alerted"])
    covered = gate.override is not None
    why = (
        f"under the override by {gate.override.actor_label} ({gate.override.reason})"
        if covered
        else "with no override on record"
    )
    record(
        "launch.freeze.release_alert",
        actor=system,
        at=now,
        reason=f"a new release started during the freeze {why}",
        release=release,
        previous=before,
        override=gate.override.pk if covered else None,
    )
    announce(
        event="launch.freeze.release_alert",
        text=f"New release {release} started during the system freeze (was {before or '-'}), {why}",
        severity="warning" if covered else "danger",
        fields={"release": release, "previous": before or "-"},
        dedupe_key=f"release-alert:{release}",
    )
    return True


def release_seen_at_start(part: str) -> None:
    """``release_seen()`` for a starting process: never stops the start-up."""
    try:
        if _launch_tables_exist():
            release_seen(via=part)
    except Exception:
        logger.exception("%s: the release could not be noted; starting anyway", part)
