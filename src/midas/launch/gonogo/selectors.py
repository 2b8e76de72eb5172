"""Reads of the go/no-go decision (docs/explanation/launch-gonogo.md).

``gonogo_evaluate(now=)`` reads the evidence — every checklist item required for GO and
every live criterion of ``midas.launch.gonogo.criteria`` — and answers GO only when all
pass; it records nothing (``gonogo.services.gonogo_record`` keeps it). Also: the records
kept, and who may sign for a role (``may_sign``): the role's primary or backup contact
(``LaunchContact.user``); when the role has no contact linked to an account, anyone holding
``SIGN_OFF``. The system never signs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.gonogo.criteria import Result, evaluate_all
from midas.launch.models import (
    ChecklistItem,
    Decision,
    GoNoGoRecord,
    ItemStatus,
    LaunchContact,
    LaunchRole,
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


def reason_of(result: Result) -> str:
    """One line per failure: what, its value against its threshold, and why."""
    if result.detail.startswith("no data"):
        return f"{result.label}: {result.detail} (needs {result.threshold})"
    text = f"{result.label}: {result.value} (needs {result.threshold})"
    return f"{text} — {result.detail}" if result.detail else text


def gonogo_evaluate(*, now: dt.datetime | None = None) -> Evaluation:
    """GO when every required checklist item and every criterion passes; else NO-GO with
    one reason per failure. Reads only; records nothing."""
    from midas.launch.state.selectors import launch_state

    now = now or timezone.now()
    summary = feedback_summary()
    results = [*checklist_results(), *evaluate_all(now=now), feedback_result(summary)]
    reasons = [reason_of(r) for r in results if not r.ok]
    return Evaluation(
        at=now,
        phase=launch_state(fresh=True).phase,
        decision=Decision.NO_GO if reasons else Decision.GO,
        reasons=reasons,
        criteria=results,
        feedback=summary,
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
