"""Writes of the launch plan: load it, tick and edit checklist items, run the automatic
checks, and carry out launch day's schedule (docs/explanation/launch-plan.md).

- ``plan_init`` loads what is missing of the default plan (``plan.data``); ticked items
  and carried-out steps are never touched. A new launch date re-times the open items and
  pending steps by whole local days (wall-clock times kept across DST).
- ``item_tick``: a named person with a note. Items a check proves are refused unless
  ``override=True`` (the note says why); an overridden item is left alone by the checks
  until it is ticked back to "open".
- ``checks_run``: the registered checks (``plan.checks``) of the items nobody overrode;
  writes only what changed, records status changes.
- ``schedule_run_due``, ``step_run``, ``step_skip``: launch day's schedule, in
  ``plan.schedule`` and re-exported here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import on_the_record, record
from midas.launch.channel import announce
from midas.launch.models import (
    ChecklistItem,
    ItemStatus,
    LaunchRole,
    LaunchState,
    ScheduleStep,
    StepStatus,
)
from midas.launch.plan import data as plan_data
from midas.launch.state import services
from midas.launch.state.selectors import launch_day_at, local_zone, state_row

logger = logging.getLogger(__name__)


@dataclass
class InitSummary:
    launch_date: dt.date | None
    roles: int = 0
    vendors: int = 0
    items: int = 0
    steps: int = 0
    retimed: int = 0
    reset: int = 0
    notes: list[str] = field(default_factory=list)


def _shift_days(at: dt.datetime, days: int, state: LaunchState) -> dt.datetime:
    """The same local wall-clock time ``days`` later (DST-safe)."""
    local = at.astimezone(local_zone(state))
    day = local.date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=local_zone(state))


def _item_fields(
    spec: plan_data.ItemSpec, state: LaunchState, roles: dict[str, LaunchRole]
) -> dict[str, Any]:
    due = (
        launch_day_at(state, spec.hour, spec.minute, days=spec.days) if state.launch_date else None
    )
    return {
        "section": spec.section,
        "title": spec.title,
        "detail": spec.detail,
        "owner_role": roles.get(spec.owner),
        "due_at": due,
        "auto_check": spec.auto_check,
        "required_for_go": spec.required_for_go,
    }


def _step_fields(spec: plan_data.StepSpec, state: LaunchState) -> dict[str, Any]:
    return {
        "at": launch_day_at(state, spec.hour, spec.minute),
        "title": spec.title,
        "detail": spec.detail,
        "actions": dict(spec.actions),
        "automatic": spec.automatic,
    }


def plan_init(
    *, actor: Actor, launch_date: dt.date | None = None, replace: bool = False
) -> InitSummary:
    """Load the default plan's missing roles, vendors, items and steps; with
    ``launch_date``, set launch day first (``services.schedule_set``). ``replace`` resets
    the open default items and pending default steps to the plan's text and times."""
    from midas.launch.plan.groups import ensure_groups
    from midas.launch.plan.team import roles_ensure, vendors_ensure

    actors.require(actor, actors.PLAN)
    with transaction.atomic():
        ensure_groups()
        before = state_row(for_update=True)
        old_date = before.launch_date
        if launch_date is not None and launch_date != old_date:
            services.schedule_set(
                actor=actor, reason=f"plan init: launch day {launch_date}", launch_date=launch_date
            )
        state = state_row()
        summary = InitSummary(launch_date=state.launch_date)
        summary.roles = roles_ensure()
        summary.vendors = vendors_ensure()
        roles = {r.key: r for r in LaunchRole.objects.all()}
        delta = (state.launch_date - old_date).days if state.launch_date and old_date else 0
        if delta:
            summary.retimed += _retime(delta, state)
        _load_items(state, roles, replace, summary)
        if state.launch_date is None:
            summary.notes.append("no launch date: the schedule loads once one is set (--date)")
        else:
            _load_steps(state, replace, summary)
        record(
            "launch.plan.initialised",
            actor=actor,
            launch_date=state.launch_date.isoformat() if state.launch_date else None,
            roles=summary.roles,
            items=summary.items,
            steps=summary.steps,
            retimed=summary.retimed,
            reset=summary.reset,
        )
    return summary


def _retime(delta: int, state: LaunchState) -> int:
    count = 0
    for item in ChecklistItem.objects.filter(status=ItemStatus.OPEN, due_at__isnull=False):
        if item.due_at is None:  # excluded by the filter; narrows the type
            continue
        item.due_at = _shift_days(item.due_at, delta, state)
        item.save(update_fields=["due_at", "updated_at"])
        count += 1
    for step in ScheduleStep.objects.filter(status=StepStatus.PENDING):
        step.at = _shift_days(step.at, delta, state)
        step.save(update_fields=["at", "updated_at"])
        count += 1
    return count


def _load_items(
    state: LaunchState, roles: dict[str, LaunchRole], replace: bool, summary: InitSummary
) -> None:
    existing = {i.key: i for i in ChecklistItem.objects.all()}
    for position, spec in enumerate(plan_data.ITEMS, start=1):
        wanted = _item_fields(spec, state, roles)
        item = existing.get(spec.key)
        if item is None:
            ChecklistItem.objects.create(key=spec.key, position=position * 10, **wanted)
            summary.items += 1
        elif replace and item.status == ItemStatus.OPEN and item.checked_by_id is None:
            for name, value in wanted.items():
                setattr(item, name, value)
            item.position = position * 10
            item.save(update_fields=[*wanted, "position", "updated_at"])
            summary.reset += 1
        elif item.due_at is None and wanted["due_at"] is not None:
            item.due_at = wanted["due_at"]
            item.save(update_fields=["due_at", "updated_at"])


def _load_steps(state: LaunchState, replace: bool, summary: InitSummary) -> None:
    existing = {s.key: s for s in ScheduleStep.objects.all()}
    for spec in plan_data.STEPS:
        wanted = _step_fields(spec, state)
        step = existing.get(spec.key)
        if step is None:
            ScheduleStep.objects.create(key=spec.key, **wanted)
            summary.steps += 1
        elif replace and step.status == StepStatus.PENDING:
            for name, value in wanted.items():
                setattr(step, name, value)
            step.save(update_fields=[*wanted, "updated_at"])
            summary.reset += 1


# -- checklist items -----------------------------------------------------------------------


@transaction.atomic
def item_tick(
    *, item: ChecklistItem, actor: Actor, status: str, note: str, override: bool = False
) -> ChecklistItem:
    actors.require(actor, actors.PLAN)
    note = on_the_record(note, field="note", ask="Write a note")
    if status not in ItemStatus.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown status {status!r}.", field="status")
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    before = item.status
    if item.auto_check and status == ItemStatus.OPEN:
        # handed back to its check: the next checks_run decides
        item.status, item.evidence, item.checked_by, item.checked_at = status, "", None, None
    elif item.auto_check and not override:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"'{item.title}' is proved by the check {item.auto_check}; override it "
            "explicitly, with the reason in the note.",
            field="status",
        )
    else:
        prefix = f"override of {item.auto_check}: " if item.auto_check else ""
        item.status, item.evidence = status, f"{prefix}{note}"
        item.checked_by, item.checked_at = actor.user, timezone.now()
    item.save(update_fields=["status", "evidence", "checked_by", "checked_at", "updated_at"])
    record(
        "launch.plan.item_ticked",
        actor=actor,
        reason=note,
        key=item.key,
        before=before,
        after=item.status,
        override=bool(item.auto_check) and override,
    )
    announce(
        event="launch.plan.item_ticked",
        text=f"Checklist: {item.title} → {ItemStatus(item.status).label}",
        severity="warning" if item.status in {ItemStatus.FAILED, ItemStatus.BLOCKED} else "info",
        fields={"by": actor.label, "note": note},
    )
    return item


EDITABLE = ("title", "detail", "section", "owner_role", "due_at", "auto_check", "required_for_go")


@transaction.atomic
def item_update(
    *,
    item: ChecklistItem,
    actor: Actor,
    reason: str = "",
    title: str | None = None,
    detail: str | None = None,
    section: str | None = None,
    owner_role: str | None = None,
    due_at: dt.datetime | None = None,
    auto_check: str | None = None,
    required_for_go: bool | None = None,
) -> ChecklistItem:
    """Edit an item (None leaves a field as it is; ``owner_role=""`` clears the owner)."""
    from midas.launch.plan.checks import CHECKS

    actors.require(actor, actors.PLAN)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    changes: dict[str, tuple[str | None, str]] = {}

    def change(name: str, value: object) -> None:
        old = getattr(item, name)
        if value != old:
            changes[name] = (str(old) if old is not None else None, str(value))
            setattr(item, name, value)

    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            raise AppError(ErrorCode.INVALID_INPUT, "A title of 1-200 characters.", field="title")
        change("title", title)
    if section is not None:
        section = section.strip()
        if not section or len(section) > 64:
            raise AppError(
                ErrorCode.INVALID_INPUT, "A section of 1-64 characters.", field="section"
            )
        change("section", section)
    if detail is not None:
        change("detail", detail.strip())
    if owner_role is not None:
        role = LaunchRole.objects.filter(key=owner_role).first() if owner_role else None
        if owner_role and role is None:
            raise AppError(ErrorCode.INVALID_INPUT, f"Unknown role {owner_role!r}.", field="owner")
        change("owner_role", role)
    if due_at is not None:
        if timezone.is_naive(due_at):
            raise AppError(ErrorCode.INVALID_INPUT, "A due time with its zone.", field="due_at")
        change("due_at", due_at)
    if auto_check is not None:
        if auto_check and auto_check not in CHECKS:
            raise AppError(
                ErrorCode.INVALID_INPUT, f"Unknown check {auto_check!r}.", field="auto_check"
            )
        change("auto_check", auto_check)
    if required_for_go is not None:
        change("required_for_go", required_for_go)
    if changes:
        item.save(update_fields=[*changes, "updated_at"])
        record(
            "launch.plan.item_updated",
            actor=actor,
            reason=(reason or "").strip(),
            key=item.key,
            changes={k: {"before": b, "after": a} for k, (b, a) in changes.items()},
        )
    return item


def checks_run(*, now: dt.datetime | None = None) -> list[ChecklistItem]:
    """Run the checks of the items they prove (not overridden, not "n/a"); save what
    changed; return the items whose status changed."""
    from midas.launch.plan.checks import run_check

    now = now or timezone.now()
    items = list(
        ChecklistItem.objects.exclude(auto_check="")
        .filter(checked_by__isnull=True)
        .exclude(status=ItemStatus.NOT_APPLICABLE)
    )
    results = {name: run_check(name, now=now) for name in {i.auto_check for i in items}}
    changed = []
    system = actors.system("checks")
    for item in items:
        result = results[item.auto_check]
        status = ItemStatus.DONE if result.ok else ItemStatus.FAILED
        evidence = result.evidence[:2000]
        if status == item.status and evidence == item.evidence:
            continue
        with transaction.atomic():
            won = ChecklistItem.objects.filter(
                pk=item.pk, status=item.status, checked_by__isnull=True
            ).update(status=status, evidence=evidence, checked_at=now, updated_at=now)
            if won and status != item.status:
                record(
                    "launch.plan.item_checked",
                    actor=system,
                    reason=evidence,
                    at=now,
                    key=item.key,
                    check=item.auto_check,
                    before=item.status,
                    after=status,
                )
                changed.append(item)
        if won:
            item.status, item.evidence, item.checked_at = status, evidence, now
    return changed


# Launch day's schedule (its own module), part of this service API.
from midas.launch.plan.schedule import (  # noqa: E402
    MISSED_AFTER,
    schedule_run_due,
    step_run,
    step_skip,
    step_update,
)

__all__ = [
    "MISSED_AFTER",
    "checks_run",
    "item_tick",
    "item_update",
    "plan_init",
    "schedule_run_due",
    "step_run",
    "step_skip",
    "step_update",
]
