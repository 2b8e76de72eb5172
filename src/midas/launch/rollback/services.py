"""The rollback: back to the last good state, each step timed and recorded.

``rollback_run(actor=, reason=, dry_run=, restore_backup=, confirm_loss=, now=)`` carries out,
in order (docs/explanation/launch-rollback.md):

1. ``maintenance_on``   the maintenance page up (staff still pass);
2. ``flags``            feature flags back to the newest good snapshot (none: said, go on);
3. ``release``          the previous release activated by ``LAUNCH_ROLLBACK_HOOK`` (shell-free,
                        ``MIDAS_ROLLBACK_TO`` in its environment, a timeout, output kept);
                        a failure STOPS the rollback with maintenance left on;
4. ``restore``          only when asked: the loss counted, exported, then the backup restored
                        (the backups service takes its safety backup first);
5. ``tell``             the status page, the launch channel, the customers whose bookings the
                        restore removed;
6. ``maintenance_off``  unless a step failed;
7. ``phase``            the launch phase → rolled back.

Not one transaction: the ``RollbackRun`` row is written when the rollback starts and saved
after every step, each step's audit record with it, so a crash leaves the steps so far on
record. ``rollback_plan`` says what each step would do (the dry run, the console's preview).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import on_the_record, record
from midas.launch.channel import announce
from midas.launch.models import RollbackRun
from midas.launch.rollback import preview, steps
from midas.launch.rollback.export import Export
from midas.launch.state.selectors import plan_time
from midas.ops.logs.redaction import redact

logger = logging.getLogger(__name__)

STEP_NAMES = (
    "maintenance_on",
    "flags",
    "release",
    "restore",
    "tell",
    "maintenance_off",
    "phase",
)
STOPPING = {"release", "restore"}  # a failure here stops the rollback (maintenance stays on)
RUNNING_FOR = dt.timedelta(minutes=30)  # an unfinished run younger than this blocks another
DETAIL_LIMIT = 4000


def rollback_plan(
    *, restore_backup: str | None = None, now: dt.datetime | None = None
) -> list[preview.Planned]:
    """What each step would do now (name, title, detail, runs). Changes nothing."""
    target = preview.resolve_target(restore_backup) if restore_backup else None
    return preview.plan(target=target, now=now or timezone.now())


def rollback_in_progress(*, now: dt.datetime | None = None) -> RollbackRun | None:
    now = now or timezone.now()
    return (
        RollbackRun.objects.filter(
            dry_run=False, finished_at__isnull=True, started_at__gte=now - RUNNING_FOR
        )
        .order_by("-started_at")
        .first()
    )


def rollback_run(
    *,
    actor: Actor,
    reason: str,
    dry_run: bool = False,
    restore_backup: str | None = None,
    confirm_loss: bool = False,
    now: dt.datetime | None = None,
) -> RollbackRun:
    """Roll the launch back (see the module's doc). Checks first, changing nothing when it
    refuses: the permission, a reason, the backup named, the loss confirmed, no other
    rollback running. Must not be called inside a transaction when restoring."""
    actors.require(actor, actors.ROLLBACK)
    reason = on_the_record(reason)
    start = now or timezone.now()
    target = preview.resolve_target(restore_backup) if restore_backup else None
    if dry_run:
        return _record_dry_run(actor=actor, reason=reason, target=target, now=start)
    if target is not None and not confirm_loss:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Restoring {target.manifest.id} loses {target.loss.describe()}. They are exported "
            "for reconciliation first; confirm the loss to go on (--yes, or tick the box).",
            field="confirm_loss",
        )
    if target is not None and transaction.get_connection().in_atomic_block:
        raise AppError(ErrorCode.INVALID_STATE, "A restore cannot run inside a transaction.")
    running = rollback_in_progress(now=start)
    if running is not None:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"A rollback started at {plan_time(running.started_at, '%H:%M:%S')} by "
            f"{running.actor_label} "
            "has not finished.",
        )
    return _Runner(actor=actor, reason=reason, target=target, now=now).run()


@transaction.atomic
def _record_dry_run(
    *, actor: Actor, reason: str, target: preview.Target | None, now: dt.datetime
) -> RollbackRun:
    plan = preview.plan(target=target, now=now)
    run = RollbackRun.objects.create(
        started_at=now,
        finished_at=now,
        actor_label=actor.label,
        reason=reason,
        dry_run=True,
        restore=target is not None,
        backup_name=target.manifest.id if target else "",
        ok=True,
        steps=[
            {
                "name": s.name,
                "started_at": now.isoformat(),
                "ms": 0,
                "ok": True,
                "skipped": not s.runs,
                "detail": f"{s.title}: {s.detail}",
            }
            for s in plan
        ],
    )
    record(
        "launch.rollback.dry_run",
        actor=actor,
        reason=reason,
        at=now,
        run=run.pk,
        backup=run.backup_name,
        steps=[s.name for s in plan if s.runs],
    )
    return run


class _Runner:
    """One rollback in progress: the run row, the clock, what failed."""

    def __init__(
        self, *, actor: Actor, reason: str, target: preview.Target | None, now: dt.datetime | None
    ) -> None:
        self.actor, self.reason, self.target = actor, reason, target
        self.base, self.t0 = now, time.monotonic()
        self.failed: list[str] = []
        self.export: Export | None = None  # once the restore step has written it
        self.restored = False
        self.run_row: RollbackRun | None = None  # written by _start(); a restore replaces it

    @property
    def row(self) -> RollbackRun:
        """The run's row (the steps and the finish come after ``_start``)."""
        if self.run_row is None:
            raise RuntimeError("the rollback has not started: no run row yet")
        return self.run_row

    def clock(self) -> dt.datetime:
        if self.base is None:
            return timezone.now()
        return self.base + dt.timedelta(seconds=time.monotonic() - self.t0)

    def run(self) -> RollbackRun:
        self._start()
        actions: list[tuple[str, Callable[[_Runner], tuple[bool, str, bool]]]] = [
            ("maintenance_on", steps.maintenance_on),
            ("flags", steps.flags_back),
            ("release", steps.release_previous),
            ("restore", steps.restore),
            ("tell", steps.tell),
            ("maintenance_off", steps.maintenance_off),
            ("phase", steps.phase_rolled_back),
        ]
        for name, action in actions:
            ok = self._step(name, action)
            if not ok and name in STOPPING:
                return self._finish(stopped_at=name)
        return self._finish(stopped_at="")

    @transaction.atomic
    def _start(self) -> None:
        at = self.clock()
        run = self.run_row = RollbackRun.objects.create(
            started_at=at,
            actor_label=self.actor.label,
            reason=self.reason,
            dry_run=False,
            restore=self.target is not None,
            backup_name=self.target.manifest.id if self.target else "",
            steps=[],
        )
        record(
            "launch.rollback.started",
            actor=self.actor,
            reason=self.reason,
            at=at,
            run=run.pk,
            backup=run.backup_name,
        )
        announce(
            event="launch.rollback.started",
            text=f"Rollback started by {self.actor.label}: {self.reason}",
            severity="danger",
            fields={
                "restore": run.backup_name or "no (code and flags only)",
                "via": self.actor.via,
            },
        )

    def _step(self, name: str, action: Callable[[_Runner], tuple[bool, str, bool]]) -> bool:
        started = self.clock()
        t = time.monotonic()
        try:
            ok, detail, skipped = action(self)
        except Exception as exc:  # a step's failure is recorded, never lost in a traceback
            logger.exception("rollback step %s failed", name)
            ok, detail, skipped = False, f"{type(exc).__name__}: {exc}", False
        ms = int((time.monotonic() - t) * 1000)
        detail = redact(detail)[-DETAIL_LIMIT:]
        if not ok:
            self.failed.append(name)
        self.save_step(
            {
                "name": name,
                "started_at": started.isoformat(),
                "ms": ms,
                "ok": ok,
                "skipped": skipped,
                "detail": detail,
            }
        )
        return ok

    @transaction.atomic
    def save_step(self, entry: dict[str, Any]) -> None:
        run = self.row
        run.steps = [*run.steps, entry]
        self._save(run, "steps", "export_path")
        record(
            "launch.rollback.step",
            actor=self.actor,
            reason=self.reason,
            at=self.clock(),
            run=run.pk,
            step=entry["name"],
            ok=entry["ok"],
            ms=entry["ms"],
            skipped=entry["skipped"],
            detail=entry["detail"][:500],
        )

    def _save(self, run: RollbackRun, *fields: str) -> None:
        """Save the run; when its row is gone (a restore went back to before it, and writing
        it again failed), write it anew rather than lose the record."""
        if not RollbackRun.objects.filter(pk=run.pk).update(
            **{name: getattr(run, name) for name in fields}
        ):
            run.pk = None
            run.save()

    @transaction.atomic
    def _finish(self, *, stopped_at: str) -> RollbackRun:
        run = self.row
        run.finished_at = self.clock()
        run.ok = not self.failed
        self._save(run, "finished_at", "ok")
        record(
            "launch.rollback.finished",
            actor=self.actor,
            reason=self.reason,
            at=run.finished_at,
            run=run.pk,
            ok=run.ok,
            failed=self.failed,
            stopped_at=stopped_at,
        )
        if stopped_at:
            announce(
                event="launch.rollback.stopped",
                text=f"ROLLBACK STOPPED at step '{stopped_at}'. Maintenance mode is still ON; "
                "the site is closed to customers until someone acts.",
                severity="danger",
                fields={"by": self.actor.label, "failed": ", ".join(self.failed)},
            )
        elif self.failed:
            announce(
                event="launch.rollback.finished",
                text="Rollback finished with failed steps: "
                f"{', '.join(self.failed)}. Maintenance mode is still ON.",
                severity="danger",
                fields={"by": self.actor.label},
            )
        return run
