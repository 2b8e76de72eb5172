"""The go/no-go decision (docs/explanation/launch-gonogo.md).

``gonogo_evaluate(now=)`` reads the evidence — every checklist item required for GO and
every live criterion of ``midas.launch.criteria`` — and answers GO only when all pass.
``gonogo_record()`` keeps that as a ``GoNoGoRecord``, records it in the audit trail, tells
the launch channel and, on GO, takes a good flags snapshot (what a rollback restores).
``signoff_add()`` records a named role's approval or rejection with a record.

Who may sign for a role: the role's primary or backup contact (``LaunchContact.user``); when
the role has no contact linked to an account, anyone holding ``SIGN_OFF``. The system never
signs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.criteria import Result, evaluate_all
from midas.launch.models import (
    ChecklistItem,
    Decision,
    GoNoGoRecord,
    ItemStatus,
    LaunchContact,
    LaunchRole,
    RoleKey,
    SignOff,
)

logger = logging.getLogger(__name__)

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
    """The beta feedback summary: ``access_selectors.feedback_summary()`` when the access
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


# --- keeping the record ---------------------------------------------------------------------


def _take_good_snapshot(record: GoNoGoRecord) -> int | None:
    """The flags as they stand at a GO: the "last good state" a rollback restores."""
    try:
        from midas.launch.flags.services import flags_snapshot
    except ImportError:  # the flags helper is not installed: nothing to snapshot
        logger.warning("GO #%s: no flags module, no snapshot taken", record.pk)
        return None

    snapshot = flags_snapshot(good=True, reason=f"GO decision #{record.pk}", at=record.created_at)
    return snapshot.pk


def gonogo_record(*, actor: actors.Actor, now: dt.datetime | None = None) -> GoNoGoRecord:
    """Evaluate and keep the record (needs ``PLAN``; the system passes): audit trail,
    launch channel, and on GO a good flags snapshot, all in one transaction."""
    actors.require(actor, actors.PLAN)
    evaluation = gonogo_evaluate(now=now)  # outside the transaction: it runs health checks
    with transaction.atomic():
        record = GoNoGoRecord.objects.create(
            created_at=evaluation.at,
            created_by=actor.user,
            actor_label=actor.label,
            decision=evaluation.decision,
            reasons=evaluation.reasons,
            criteria=[r.as_json() for r in evaluation.criteria],
            feedback=evaluation.feedback,
            phase=evaluation.phase,
        )
        snapshot_id = _take_good_snapshot(record) if evaluation.go else None
        audit.record(
            "launch.gonogo.recorded",
            actor=actor,
            at=evaluation.at,
            record=record.pk,
            decision=record.decision,
            reasons=evaluation.reasons,
            flag_snapshot=snapshot_id,
        )
        label = record.get_decision_display()
        failed = len(evaluation.reasons)
        announce(
            event="launch.gonogo.recorded",
            text=f"Go/no-go #{record.pk}: {label}"
            + (f" — {failed} criteria failed" if failed else " — every criterion passed"),
            severity="good" if evaluation.go else "danger",
            fields={
                "Decision": label,
                "Phase": record.phase,
                "By": actor.label,
                **({"Reasons": "; ".join(evaluation.reasons[:5])} if failed else {}),
            },
            dedupe_key=f"gonogo:{record.pk}",
        )
    return record


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


def signoff_add(
    *,
    record: GoNoGoRecord,
    role_key: str,
    actor: actors.Actor,
    approve: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> SignOff:
    """Record ``role_key``'s approval or rejection of ``record`` (once per role; a
    rejection needs a note)."""
    note = (note or "").strip()
    if role_key not in RoleKey.values:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Unknown role {role_key!r}; one of {', '.join(RoleKey.values)}.",
            field="role",
        )
    role = LaunchRole.objects.filter(key=role_key).first()
    if role is None:
        raise AppError(
            ErrorCode.NOT_FOUND, f"No {role_key} role (midas launch plan init).", field="role"
        )
    if not may_sign(actor, role):
        raise AppError(
            ErrorCode.FORBIDDEN,
            f"{actor.label} may not sign for {role}: only its primary or backup contact may "
            "(or, when none is linked to an account, someone holding the sign-off permission).",
        )
    if not approve and not note:
        raise AppError(ErrorCode.INVALID_INPUT, "Say why you reject: a note.", field="note")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = GoNoGoRecord.objects.select_for_update().get(pk=record.pk)
            if SignOff.objects.filter(record=locked, role=role).exists():
                raise AppError(
                    ErrorCode.INVALID_STATE, f"{role} has already signed record #{locked.pk}."
                )
            signoff = SignOff.objects.create(
                record=locked, role=role, user=actor.user, approve=approve, note=note, at=now
            )
            verb = "approved" if approve else "rejected"
            audit.record(
                "launch.gonogo.signed",
                actor=actor,
                reason=note,
                at=now,
                record=locked.pk,
                role=role_key,
                approve=approve,
            )
            announce(
                event="launch.gonogo.signed",
                text=f"{role} {verb} go/no-go #{locked.pk} ({locked.get_decision_display()})",
                severity="good" if approve else "warning",
                fields={"Role": str(role), "By": actor.label, **({"Note": note} if note else {})},
                dedupe_key=f"gonogo:{locked.pk}:sign:{role_key}",
            )
    except IntegrityError:  # a concurrent sign-off for the same role
        raise AppError(
            ErrorCode.INVALID_STATE, f"{role} has already signed record #{record.pk}."
        ) from None
    return signoff
