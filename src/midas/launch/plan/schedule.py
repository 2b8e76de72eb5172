"""Launch day's schedule: carry out the due automatic steps, exactly once each, even with
several workers (docs/explanation/launch-plan.md).

A conditional UPDATE (pending -> done, outcome "running…") claims a step and commits before
anything is carried out, so a second worker finds nothing to claim; the one that claimed it
carries out the actions through the launch's own services (each in its own transaction:
a smoke run makes HTTP requests and must not hold a transaction open), then writes the
outcome (done or failed), records it and tells the launch channel. Steps run in time order:
a step waits while an earlier automatic step is pending or running. A step found more than
``MISSED_AFTER`` late is marked failed ("missed") for a person to run or skip.

Actions: ``phase``, ``gate``, ``ramp`` (``midas.launch.state.services``), ``smoke``
(``midas.launch.smoke.services.run_smoke``), ``gonogo``
(``midas.launch.gonogo.services.gonogo_record``),
``announce`` (text), ``requires_go`` (the worker carries the step out only after a GO record
made on launch day; a person running it by hand decides for themselves). While the launch is
rolled back the worker holds (fails, saying so) every step that would move the phase, the
gate or the ramp.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import record
from midas.launch.channel import announce
from midas.launch.models import Phase, ScheduleStep, StepStatus
from midas.launch.plan.selectors import RUNNING, go_decided
from midas.launch.state import services
from midas.launch.state.selectors import launch_state, local_zone

logger = logging.getLogger(__name__)

# An automatic step found more than this late is not carried out by the worker (a launch
# date set in the past, a worker down for hours): it is marked failed, for a person to run
# or skip.
MISSED_AFTER = dt.timedelta(minutes=60)

# While the launch is rolled back the worker does not move the phase, the gate or the ramp.
HELD = {"phase", "gate", "ramp"}


def schedule_run_due(
    *, now: dt.datetime | None = None, actor: Actor | None = None
) -> list[ScheduleStep]:
    """Carry out the automatic steps that are due, in time order, each exactly once."""
    now = now or timezone.now()
    actor = actor or actors.system("schedule")
    state = launch_state(fresh=True)
    if state.launch_date is None:
        return []
    carried = []
    due = ScheduleStep.objects.filter(
        automatic=True, status=StepStatus.PENDING, at__lte=now
    ).order_by("at", "id")
    for step in due:
        if now - step.at > MISSED_AFTER:
            if _mark_missed(step, actor, now, state):
                carried.append(step)
            continue
        if not _claim(step, now, statuses=(StepStatus.PENDING,), in_order=True):
            break  # another worker has it, or an earlier step is still under way
        ok, outcome = _carry_out(step, actor, now, check_go=True)
        carried.append(_finish(step, actor, ok, outcome, now))
    return carried


def _claim(step: ScheduleStep, now: dt.datetime, *, statuses: tuple, in_order: bool) -> bool:
    with transaction.atomic():
        if in_order:
            busy = (
                ScheduleStep.objects.filter(automatic=True, at__lt=step.at)
                .filter(Q(status=StepStatus.PENDING) | Q(status=StepStatus.DONE, outcome=RUNNING))
                .exclude(pk=step.pk)
                .exists()
            )
            if busy:
                return False
        return bool(
            ScheduleStep.objects.filter(pk=step.pk, status__in=statuses).update(
                status=StepStatus.DONE, done_at=now, outcome=RUNNING, updated_at=now
            )
        )


def _mark_missed(step: ScheduleStep, actor: Actor, now: dt.datetime, state) -> bool:
    local = step.at.astimezone(local_zone(state))
    came = now.astimezone(local.tzinfo)
    outcome = f"missed: due {local:%H:%M %Z}, worker came at {came:%H:%M}; run it or skip it"
    with transaction.atomic():
        won = ScheduleStep.objects.filter(pk=step.pk, status=StepStatus.PENDING).update(
            status=StepStatus.FAILED, done_at=now, outcome=outcome, updated_at=now
        )
        if won:
            step.status, step.outcome, step.done_at = StepStatus.FAILED, outcome, now
            record("launch.schedule.step_missed", actor=actor, reason=outcome, at=now, key=step.key)
            announce(
                event="launch.schedule.step",
                text=f"{local:%H:%M} {step.title}: not carried out ({outcome})",
                severity="warning",
            )
    return bool(won)


def _carry_out(
    step: ScheduleStep, actor: Actor, now: dt.datetime, *, check_go: bool
) -> tuple[bool, str]:
    """Do the step's actions in order (phase, gate, ramp, smoke, go/no-go, announce);
    stop at the first refusal. Returns (ok, what happened)."""
    actions = step.actions or {}
    reason = f"launch schedule: {step.title}"
    done: list[str] = []
    try:
        state = launch_state(fresh=True)
        if check_go and state.phase == Phase.ROLLED_BACK and HELD & set(actions):
            return False, "held: the launch is rolled back; run it by hand when it resumes"
        if check_go and actions.get("requires_go") and not go_decided(state, now):
            return False, "not carried out: no GO decision recorded on launch day"
        if "phase" in actions:
            if state.phase == actions["phase"]:
                done.append(f"phase already {actions['phase']}")
            else:
                services.phase_set(phase=actions["phase"], actor=actor, reason=reason, at=now)
                done.append(f"phase {actions['phase']}")
        if "gate" in actions:
            services.gate_set(mode=actions["gate"], actor=actor, reason=reason, at=now)
            done.append(f"gate {actions['gate']}")
        if "ramp" in actions:
            services.ramp_set(percent=actions["ramp"], actor=actor, reason=reason, at=now)
            done.append(f"ramp {actions['ramp']}%")
        if actions.get("smoke"):
            from midas.launch.smoke.services import run_smoke

            run = run_smoke(None, via="worker" if actor.is_system else actor.via, now=now)
            done.append(f"smoke run #{run.pk} {'passed' if run.ok else 'FAILED'}")
            if not run.ok:
                return False, "; ".join(done)
        if actions.get("gonogo"):
            from midas.launch.gonogo.services import gonogo_record

            decision = gonogo_record(actor=actor, now=now)
            done.append(f"go/no-go: {decision.get_decision_display()}")
        if actions.get("announce"):
            done.append(str(actions["announce"]))
    except AppError as exc:
        return False, "; ".join([*done, f"refused ({exc.code}): {exc.message}"])
    except Exception as exc:  # the claim is committed: the step must end failed, not running
        logger.exception("schedule step %s failed", step.key)
        return False, "; ".join([*done, f"error: {type(exc).__name__}: {exc}"])
    return True, "; ".join(done) or "done"


@transaction.atomic
def _finish(
    step: ScheduleStep, actor: Actor, ok: bool, outcome: str, now: dt.datetime
) -> ScheduleStep:
    status = StepStatus.DONE if ok else StepStatus.FAILED
    ScheduleStep.objects.filter(pk=step.pk).update(
        status=status, outcome=outcome[:4000], done_at=now, updated_at=now
    )
    step.refresh_from_db()
    record(
        "launch.schedule.step_done" if ok else "launch.schedule.step_failed",
        actor=actor,
        reason=outcome,
        at=now,
        key=step.key,
        actions=step.actions,
    )
    local = step.at.astimezone(local_zone(launch_state()))
    severity = "good" if ok else "danger"
    if ok and "NO-GO" in outcome:
        severity = "warning"
    announce(
        event="launch.schedule.step",
        text=f"{local:%H:%M} {step.title}: {'done' if ok else 'FAILED'} — {outcome}",
        severity=severity,
        fields={"by": actor.label},
    )
    return step


def _require_for_step(step: ScheduleStep, actor: Actor) -> None:
    actors.require(actor, actors.PLAN)
    actions = step.actions or {}
    if "phase" in actions or "gate" in actions:
        actors.require(actor, actors.PHASE)
    if "ramp" in actions:
        actors.require(actor, actors.RAMP)


def step_run(*, step: ScheduleStep, actor: Actor, now: dt.datetime | None = None) -> ScheduleStep:
    """Carry out a step by hand (pending, failed or skipped; an automatic step as well as
    a manual one). The person decides: a missing GO record does not stop it."""
    _require_for_step(step, actor)
    now = now or timezone.now()
    statuses = (StepStatus.PENDING, StepStatus.FAILED, StepStatus.SKIPPED)
    if not _claim(step, now, statuses=statuses, in_order=False):
        raise AppError(
            ErrorCode.INVALID_STATE, f"'{step.title}' is done or under way.", field="step"
        )
    ok, outcome = _carry_out(step, actor, now, check_go=False)
    return _finish(step, actor, ok, outcome, now)


@transaction.atomic
def step_skip(
    *, step: ScheduleStep, actor: Actor, reason: str, now: dt.datetime | None = None
) -> ScheduleStep:
    """Skip a pending or failed step, or one a worker died in (still "running")."""
    actors.require(actor, actors.PLAN)
    reason = (reason or "").strip()
    if not reason:
        raise AppError(ErrorCode.INVALID_INPUT, "Give a reason to skip a step.", field="reason")
    now = now or timezone.now()
    outcome = f"skipped by {actor.label}: {reason}"
    won = (
        ScheduleStep.objects.filter(pk=step.pk)
        .filter(
            Q(status__in=[StepStatus.PENDING, StepStatus.FAILED])
            | Q(status=StepStatus.DONE, outcome=RUNNING)
        )
        .update(status=StepStatus.SKIPPED, outcome=outcome, done_at=now, updated_at=now)
    )
    if not won:
        raise AppError(ErrorCode.INVALID_STATE, f"'{step.title}' is already done or skipped.")
    step.refresh_from_db()
    record("launch.schedule.step_skipped", actor=actor, reason=reason, key=step.key)
    announce(
        event="launch.schedule.step",
        text=f"Schedule: {step.title} skipped",
        severity="warning",
        fields={"by": actor.label, "reason": reason},
    )
    return step


@transaction.atomic
def step_update(
    *,
    step: ScheduleStep,
    actor: Actor,
    reason: str = "",
    at: dt.datetime | None = None,
    title: str | None = None,
    automatic: bool | None = None,
) -> ScheduleStep:
    """Move a pending step, rename it, or make it automatic or by hand only. Launch
    completion (phase "launched") stays by hand."""
    actors.require(actor, actors.PLAN)
    step = ScheduleStep.objects.select_for_update().get(pk=step.pk)
    if step.status != StepStatus.PENDING:
        raise AppError(ErrorCode.INVALID_STATE, f"'{step.title}' is no longer pending.")
    changes: dict[str, dict[str, str]] = {}
    if at is not None:
        if timezone.is_naive(at):
            raise AppError(ErrorCode.INVALID_INPUT, "A time with its zone.", field="at")
        changes["at"] = {"before": step.at.isoformat(), "after": at.isoformat()}
        step.at = at
    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            raise AppError(ErrorCode.INVALID_INPUT, "A title of 1-200 characters.", field="title")
        changes["title"] = {"before": step.title, "after": title}
        step.title = title
    if automatic is not None:
        if automatic and (step.actions or {}).get("phase") == "launched":
            raise AppError(
                ErrorCode.INVALID_INPUT,
                "Launch completion is confirmed by a person, never automatic.",
                field="automatic",
            )
        changes["automatic"] = {"before": str(step.automatic), "after": str(automatic)}
        step.automatic = automatic
    if changes:
        step.save(update_fields=[*changes, "updated_at"])
        record(
            "launch.schedule.step_updated",
            actor=actor,
            reason=(reason or "").strip(),
            key=step.key,
            changes=changes,
        )
    return step
