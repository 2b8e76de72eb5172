"""Reads of the launch plan: the checklist by section, the schedule with local and UTC
times, and whether a GO decision stands for launch day; and of the launch team: roles with
their contacts, who to tell at each escalation level, vendor contacts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from midas.launch.models import (
    ChecklistItem,
    LaunchContact,
    LaunchRole,
    LaunchState,
    RoleKey,
    RotaShift,
    ScheduleStep,
    StepStatus,
    VendorContact,
)
from midas.launch.state.selectors import launch_day_at, launch_state, local_zone

# An automatic step the worker claimed and has not finished carries this outcome.
RUNNING = "running…"


@dataclass(frozen=True)
class Section:
    name: str
    items: list[ChecklistItem]

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.status in {"done", "n_a"})


def checklist() -> list[Section]:
    """Sections in plan order (by their first item's position), items in order."""
    sections: dict[str, list[ChecklistItem]] = {}
    for item in ChecklistItem.objects.select_related("owner_role", "checked_by"):
        sections.setdefault(item.section, []).append(item)
    return [Section(name, items) for name, items in sections.items()]


def item_by_key(key: str) -> ChecklistItem | None:
    return ChecklistItem.objects.filter(key=key).first()


def step_by_key(key: str) -> ScheduleStep | None:
    return ScheduleStep.objects.filter(key=key).first()


@dataclass(frozen=True)
class StepRow:
    step: ScheduleStep
    local: dt.datetime
    utc: dt.datetime
    running: bool


def schedule(state: LaunchState | None = None) -> list[StepRow]:
    state = state or launch_state(fresh=True)
    zone = local_zone(state)
    return [
        StepRow(
            step,
            step.at.astimezone(zone),
            step.at.astimezone(dt.UTC),
            step.status == StepStatus.DONE and step.outcome == RUNNING,
        )
        for step in ScheduleStep.objects.all()
    ]


def parse_local(text: str, state: LaunchState | None = None) -> dt.datetime:
    """'YYYY-MM-DD HH:MM' (or with a 'T'), or 'HH:MM' on launch day, as a wall-clock time
    in the launch's zone."""
    from midas.errors import AppError, ErrorCode

    state = state or launch_state(fresh=True)
    text = (text or "").strip()
    if len(text) <= 5 and state.launch_date:  # "HH:MM": on launch day
        text = f"{state.launch_date.isoformat()} {text}"
    try:
        day, _, clock = text.replace("T", " ").partition(" ")
        return dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time.fromisoformat(clock), tzinfo=local_zone(state)
        )
    except ValueError as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT, "A due time is 'YYYY-MM-DD HH:MM' (local).", field="due_at"
        ) from exc


def go_decided(state: LaunchState, now: dt.datetime) -> bool:
    """The newest go/no-go record made on launch day (local) up to ``now`` says GO."""
    from midas.launch.models import Decision, GoNoGoRecord

    if state.launch_date is None:
        return False
    latest = (
        GoNoGoRecord.objects.filter(created_at__gte=launch_day_at(state, 0), created_at__lte=now)
        .order_by("-created_at", "-id")
        .first()
    )
    return latest is not None and latest.decision == Decision.GO


# --- The launch team ----------------------------------------------------------------------
LEVELS = {
    1: "Technical team",
    2: "Management",
    3: "Executive team",
    0: "On call (not paged by escalation)",
}


@dataclass(frozen=True)
class RoleRow:
    role: LaunchRole
    primary: LaunchContact | None
    backup: LaunchContact | None


def roles() -> list[RoleRow]:
    """Every role of the plan (loaded by ``plan init``), by escalation level, with its
    primary and backup contact (None when not named yet)."""
    contacts = {(c.role_id, c.backup): c for c in LaunchContact.objects.select_related("user")}
    return [
        RoleRow(role, contacts.get((role.pk, False)), contacts.get((role.pk, True)))
        for role in LaunchRole.objects.all()
    ]


def role_by_key(key: str) -> LaunchRole | None:
    return LaunchRole.objects.filter(key=key).first()


def level_contacts(level: int) -> list[LaunchContact]:
    """The people told at escalation ``level`` (1 technical team, 2 management, 3
    executive): the primary then the backup of every role at exactly that level. Levels
    add up: whoever escalates to level 2 has already told level 1."""
    return list(
        LaunchContact.objects.filter(role__escalation_level=level)
        .select_related("role", "user")
        .order_by("backup", "role__key", "name")
    )


def contact_emails(level: int) -> list[str]:
    """The addresses of ``level_contacts(level)``: the contact's email, else the linked
    staff account's; de-duplicated, in order."""
    seen: list[str] = []
    for contact in level_contacts(level):
        email = contact.email or (contact.user.email if contact.user else "")
        if email and email.lower() not in {s.lower() for s in seen}:
            seen.append(email)
    return seen


def vendors() -> list[VendorContact]:
    return list(VendorContact.objects.all())


def role_label(key: str) -> str:
    role = LaunchRole.objects.filter(key=key).first()
    if role is not None:
        return role.label
    return RoleKey(key).label if key in RoleKey.values else key


def role_choices() -> list[tuple[str, str]]:
    """(key, label) of every role, for forms: roles are data."""
    return [(r.key, r.label) for r in LaunchRole.objects.order_by("escalation_level", "key")]


def signing_roles() -> list[LaunchRole]:
    """The roles that sign the go/no-go record (the plan's decision authority: the
    coordinator, the CEO and the CTO, unless the team changed it)."""
    return list(LaunchRole.objects.filter(signs_gonogo=True).order_by("escalation_level", "key"))


def rota(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[RotaShift]:
    """The rota's shifts overlapping ``[since, until)`` (all of them without bounds)."""
    shifts = RotaShift.objects.select_related("role")
    if since is not None:
        shifts = shifts.filter(ends_at__gt=since)
    if until is not None:
        shifts = shifts.filter(starts_at__lt=until)
    return list(shifts)


def on_shift(now: dt.datetime) -> list[RotaShift]:
    """Who is on the rota at ``now``."""
    return rota(since=now, until=now + dt.timedelta(microseconds=1))


def rota_gaps(since: dt.datetime, until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of ``[since, until)`` nobody is on the rota (the plan: 24/7 during
    launch week)."""
    gaps, cursor = [], since
    for shift in rota(since=since, until=until):
        if shift.starts_at > cursor:
            gaps.append((cursor, min(shift.starts_at, until)))
        cursor = max(cursor, shift.ends_at)
        if cursor >= until:
            break
    if cursor < until:
        gaps.append((cursor, until))
    return gaps
