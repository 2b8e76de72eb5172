"""Reads of the go/no-go decision (docs/explanation/launch-gonogo.md).

``gonogo_evaluate(now=)`` reads the evidence — every checklist item required for GO, every
live criterion of ``midas.launch.gonogo.criteria``, the beta feedback and the soft launch's
visitors (``gonogo.visitors``) — and answers GO only when all pass; it records nothing
(``gonogo.services.gonogo_record`` keeps it). Also: the records kept, and who may sign for a
role (``may_sign``): the role's primary or backup contact (``LaunchContact.user``); when the
role has no contact linked to an account, anyone holding ``SIGN_OFF``. The system never
signs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.gonogo.criteria import (
    CRITERIA,
    DETAIL_MAX,
    DETAILS,
    Result,
    evaluate_all,
)
from midas.launch.gonogo.visitors import VISITORS_OWNER, visitors_result
from midas.launch.models import (
    ChecklistItem,
    Decision,
    GoNoGoRecord,
    ItemStatus,
    LaunchContact,
    LaunchRole,
    Waiver,
)

FEEDBACK_MIN_AVERAGE = 4.5  # the plan's customer-satisfaction target
FEEDBACK_MIN_RATINGS = 10  # fewer ratings than this: shown, never a NO-GO reason
FEEDBACK_LOW_RATING = 2  # a rating at or below this is "low"
PASSING_ITEM = (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)
OPEN_STATUSES = ("new", "triaged")  # feedback not yet resolved or dismissed


@dataclass
class Evaluation:
    at: dt.datetime
    phase: str
    decision: str
    reasons: list[str]
    criteria: list[Result]
    feedback: dict[str, Any] = field(default_factory=dict)
    waivers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def go(self) -> bool:
        return self.decision == Decision.GO

    @property
    def exit_code(self) -> int:
        return 0 if self.go else 1

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "phase": self.phase,
            "decision": self.decision,
            "reasons": self.reasons,
            "criteria": [c.as_json() for c in self.criteria],
            "feedback": self.feedback,
            "waivers": self.waivers,
        }


# --- reading the evidence -------------------------------------------------------------------


def checklist_results() -> list[Result]:
    """One result per checklist item required for GO: done or not applicable passes; open,
    failed and blocked fail. No items at all: the plan is not loaded, a failure."""
    items = list(ChecklistItem.objects.filter(required_for_go=True).order_by("position", "id"))
    if not items:
        return [
            Result(
                "checklist",
                "Launch checklist",
                "no data",
                "every required item done or n/a",
                False,
                "no data: no checklist items (midas launch plan init)",
            )
        ]
    return [
        Result(
            f"checklist:{item.key}",
            item.title,
            item.get_status_display(),
            "done or n/a",
            item.status in PASSING_ITEM,
            item.evidence or item.section,
        )
        for item in items
    ]


def _plain(value: Any) -> Any:
    """JSON-safe copy of a feedback summary (it may hold model rows or datetimes)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "rating"):  # a Feedback row
        return {
            "id": value.pk,
            "rating": value.rating,
            "path": value.path,
            "status": value.status,
            "comment": (value.comment or "")[:200],
        }
    return str(value)


def feedback_summary() -> dict[str, Any]:
    """The beta feedback summary: ``access.selectors.feedback_summary()`` when the access
    helper has landed, else counted here from ``Feedback`` (same shape)."""
    try:
        from midas.launch.access.selectors import feedback_summary as summary
    except ImportError:
        summary = None
    if summary is not None:
        return _plain(summary())
    from django.db.models import Avg, Count

    from midas.launch.models import Feedback, FeedbackStatus

    totals = Feedback.objects.aggregate(count=Count("pk"), average=Avg("rating"))
    low = Feedback.objects.filter(
        rating__lte=FEEDBACK_LOW_RATING, status__in=(FeedbackStatus.NEW, FeedbackStatus.TRIAGED)
    )
    by_status = dict(
        Feedback.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return _plain(
        {
            "count": totals["count"],
            "average": round(totals["average"], 2) if totals["average"] is not None else None,
            "low": list(low[:10]),
            "by_status": by_status,
        }
    )


def feedback_result(summary: dict[str, Any]) -> Result:
    """Shown always; fails only when the average is below 4.5 over at least 10 ratings."""
    count = int(summary.get("count") or 0)
    average = summary.get("average")
    low = [
        row
        for row in summary.get("low") or []
        if not isinstance(row, dict) or row.get("status") in OPEN_STATUSES
    ]
    value = f"{average:.2f} / 5 over {count}" if average is not None and count else "no ratings"
    judged = count >= FEEDBACK_MIN_RATINGS and average is not None
    ok = not (judged and average < FEEDBACK_MIN_AVERAGE)
    detail = f"{len(low)} open low rating(s)"
    if not judged:
        detail += f"; fewer than {FEEDBACK_MIN_RATINGS} ratings: shown, not judged"
    return Result(
        "feedback",
        "Beta feedback",
        value,
        f">= {FEEDBACK_MIN_AVERAGE:g} (from {FEEDBACK_MIN_RATINGS} ratings)",
        ok,
        detail,
    )


def short(detail: str) -> str:
    """A detail short enough to read in a reason: cut at the last "; " before
    ``DETAIL_MAX`` characters, with a pointer to the rest (kept on the record)."""
    if len(detail) <= DETAIL_MAX:
        return detail
    cut = detail[:DETAIL_MAX]
    cut = cut[: cut.rfind("; ")] if "; " in cut else cut.rstrip()
    return f"{cut} … — {DETAILS}"


def reason_of(result: Result) -> str:
    """One short line per failure: what, its value against its threshold, and why (a long
    why is cut, with a pointer to every item: ``short``)."""
    if result.detail.startswith("no data"):
        return f"{result.label}: {short(result.detail)} (needs {result.threshold})"
    text = f"{result.label}: {result.value} (needs {result.threshold})"
    return f"{text} — {short(result.detail)}" if result.detail else text


# --- waivers --------------------------------------------------------------------------------

FEEDBACK_OWNER = "qa"
CHECKLIST_OWNER = "coordinator"  # a checklist item without an owner role, or "no items"


def criterion_keys() -> list[str]:
    """Every key a waiver may name: the live criteria, the beta feedback, the checklist
    (``checklist`` when the plan is not loaded) and each item required for GO."""
    items = ChecklistItem.objects.filter(required_for_go=True).values_list("key", flat=True)
    return [
        *(c.key for c in CRITERIA),
        "feedback",
        "visitors",
        "checklist",
        *(f"checklist:{key}" for key in items),
    ]


def owner_of(key: str) -> str:
    """The launch role a criterion names, the one that may waive it: each live criterion's
    ``owner``; the beta feedback, QA; a checklist item, its owner role (else the
    coordinator). Unknown key: ``invalid_input``."""
    for entry in CRITERIA:
        if entry.key == key:
            return entry.owner
    if key == "feedback":
        return FEEDBACK_OWNER
    if key == "visitors":
        return VISITORS_OWNER
    if key == "checklist":
        return CHECKLIST_OWNER
    if key.startswith("checklist:"):
        item = (
            ChecklistItem.objects.filter(key=key.removeprefix("checklist:"), required_for_go=True)
            .select_related("owner_role")
            .first()
        )
        if item is not None:
            return item.owner_role.key if item.owner_role else CHECKLIST_OWNER
    raise AppError(
        ErrorCode.INVALID_INPUT,
        f"No criterion {key!r}: one of {', '.join(c.key for c in CRITERIA)}, feedback, visitors, "
        "checklist:<item key>.",
        field="criterion",
    )


def waivers_in_force(now: dt.datetime) -> dict[str, Waiver]:
    """The newest waiver in force at ``now`` for each criterion."""
    found: dict[str, Waiver] = {}
    for waiver in Waiver.objects.filter(created_at__lte=now, expires_at__gt=now).select_related(
        "role"
    ):
        if waiver.in_force(now):
            found.setdefault(waiver.criterion, waiver)
    return found


def waivers_list(*, limit: int = 50) -> list[Waiver]:
    return list(Waiver.objects.select_related("role")[:limit])


def waiver_get(waiver_id: int | str) -> Waiver:
    try:
        pk = int(waiver_id)
    except (TypeError, ValueError):
        raise AppError(ErrorCode.INVALID_INPUT, f"Not a waiver id: {waiver_id!r}.") from None
    waiver = Waiver.objects.select_related("role").filter(pk=pk).first()
    if waiver is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No waiver #{pk}.")
    return waiver


def apply_waivers(results: list[Result], now: dt.datetime) -> tuple[list[Result], list[Waiver]]:
    """A failing result whose criterion has a waiver in force passes, saying so; the
    waivers in force are returned too (all of them: shown on the record)."""
    in_force = waivers_in_force(now)
    applied = [
        replace(result, ok=True, waived=in_force[result.key].said())
        if not result.ok and result.key in in_force
        else result
        for result in results
    ]
    return applied, list(in_force.values())


def gonogo_evaluate(*, now: dt.datetime | None = None) -> Evaluation:
    """GO when every required checklist item and every criterion passes (or fails under a
    waiver in force); else NO-GO with one short reason per failure. Reads only; records
    nothing."""
    from midas.launch.state.selectors import launch_state

    now = now or timezone.now()
    summary = feedback_summary()
    results = [
        *checklist_results(),
        *evaluate_all(now=now),
        visitors_result(now),
        feedback_result(summary),
    ]
    results, waivers = apply_waivers(results, now)
    reasons = [reason_of(r) for r in results if not r.ok]
    return Evaluation(
        at=now,
        phase=launch_state(fresh=True).phase,
        decision=Decision.NO_GO if reasons else Decision.GO,
        reasons=reasons,
        criteria=results,
        feedback=summary,
        waivers=[w.as_json() for w in waivers],
    )


# --- the records kept ---------------------------------------------------------------------


def records_list(*, limit: int = 50) -> list[GoNoGoRecord]:
    return list(GoNoGoRecord.objects.prefetch_related("signoffs__role", "signoffs__user")[:limit])


def record_get(record_id: int | str) -> GoNoGoRecord:
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise AppError(ErrorCode.INVALID_INPUT, f"Not a record id: {record_id!r}.") from None
    record = (
        GoNoGoRecord.objects.prefetch_related("signoffs__role", "signoffs__user")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No go/no-go record #{pk}.")
    return record


def signers_pending(record: GoNoGoRecord) -> list[LaunchRole]:
    """The roles that sign the go/no-go (``LaunchRole.signs_gonogo``: the team's roles as
    data) and have not signed ``record`` yet, with their contacts prefetched, in the team's
    order (escalation level, key)."""
    signed = {s.role_id for s in record.signoffs.all()}
    roles = LaunchRole.objects.filter(signs_gonogo=True).prefetch_related("contacts")
    return [role for role in roles if role.pk not in signed]


# --- the standing GO: what entering the public phase, ramping and the waitlist need ----------

# The share of new visitors the soft launch admits without a GO when the plan is not loaded:
# the plan's 08:00 expansion (``plan.data.STEPS``: 10 % at 07:00, 25 % at 08:00).
SOFT_LAUNCH_SHARE_DEFAULT = Decimal(25)


@dataclass(frozen=True)
class Standing:
    """Whether a GO stands at ``at``: the newest record is GO and newer than the last
    rollback. ``why`` says what is missing when it does not."""

    ok: bool
    why: str
    record: GoNoGoRecord | None
    rolled_back_at: dt.datetime | None


def last_rollback_at(now: dt.datetime) -> dt.datetime | None:
    """When the launch last rolled back (a rollback run, dry runs aside, or the phase moved
    to "rolled back"), up to ``now``."""
    from midas.launch.models import LaunchEvent, RollbackRun

    run = (
        RollbackRun.objects.filter(dry_run=False, started_at__lte=now)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    moved = (
        LaunchEvent.objects.filter(
            action="launch.phase.changed", details__after="rolled_back", at__lte=now
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return max((t for t in (run, moved) if t is not None), default=None)


def go_standing(*, now: dt.datetime | None = None) -> Standing:
    """A GO stands when the newest go/no-go record (up to ``now``) says GO and was made
    after the last rollback: a NO-GO, or a rollback, since the last GO withdraws it."""
    now = now or timezone.now()
    rolled_back = last_rollback_at(now)
    latest = GoNoGoRecord.objects.filter(created_at__lte=now).order_by("-created_at", "-id").first()
    if latest is None:
        return Standing(False, "no go/no-go record yet", None, rolled_back)
    when = f"#{latest.pk} at {latest.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    if latest.decision != Decision.GO:
        return Standing(False, f"the latest record, {when}, is NO-GO", latest, rolled_back)
    if rolled_back is not None and latest.created_at <= rolled_back:
        return Standing(
            False,
            f"the latest GO, {when}, predates the rollback at "
            f"{rolled_back.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC",
            latest,
            rolled_back,
        )
    return Standing(True, f"GO {when}", latest, rolled_back)


def soft_launch_share() -> Decimal:
    """The largest ramp the plan's schedule sets without needing a GO (the soft launch's
    07:00 10 % and 08:00 25 %: 25); a ramp above it needs a standing GO. Without a loaded
    schedule, the plan's 25 %."""
    from midas.launch.models import ScheduleStep

    shares = [
        Decimal(str(step.actions["ramp"]))
        for step in ScheduleStep.objects.exclude(actions={})
        if isinstance(step.actions, dict)
        and "ramp" in step.actions
        and not step.actions.get("requires_go")
    ]
    return max(shares, default=SOFT_LAUNCH_SHARE_DEFAULT)


def record_latest() -> GoNoGoRecord:
    record = GoNoGoRecord.objects.prefetch_related("signoffs__role", "signoffs__user").first()
    if record is None:
        raise AppError(
            ErrorCode.NOT_FOUND, "No go/no-go record yet (midas launch gonogo --record)."
        )
    return record


# --- sign-offs ------------------------------------------------------------------------------


def may_sign(actor: actors.Actor, role: LaunchRole) -> bool:
    """The role's primary or backup contact; or, when the role has no contact linked to an
    account, anyone holding ``SIGN_OFF``. Never the system."""
    if actor.is_system:
        return False
    linked = list(
        LaunchContact.objects.filter(role=role, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    if linked:
        return actor.user.pk in linked and actor.user.is_active and actor.user.is_staff
    return actors.can(actor, actors.SIGN_OFF)
