"""Writes of the go/no-go decision (docs/explanation/launch-gonogo.md).

``gonogo_record()`` evaluates (``gonogo.selectors.gonogo_evaluate``) and keeps the result as
a ``GoNoGoRecord``, records it in the audit trail, tells the launch channel and, on GO,
takes a good flags snapshot (what a rollback restores). ``signoff_add()`` records a named
role's approval or rejection of a record (who may sign: ``gonogo.selectors.may_sign``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.gonogo.selectors import gonogo_evaluate, may_sign
from midas.launch.models import GoNoGoRecord, LaunchRole, RoleKey, SignOff

logger = logging.getLogger(__name__)


def _take_good_snapshot(record: GoNoGoRecord) -> int:
    """The flags as they stand at a GO: the "last good state" a rollback restores."""
    from midas.launch.flags.services import flags_snapshot

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
    role = LaunchRole.objects.filter(key=role_key).first()
    if role is None and role_key in RoleKey.values:
        raise AppError(
            ErrorCode.NOT_FOUND, f"No {role_key} role (midas launch plan init).", field="role"
        )
    if role is None or not role.signs_gonogo:  # the plan's: coordinator, CEO, CTO
        signers = list(
            LaunchRole.objects.filter(signs_gonogo=True)
            .order_by("key")
            .values_list("key", flat=True)
        )
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"{role_key!r} does not sign the go/no-go; the roles that do: "
            f"{', '.join(signers) or 'none (midas launch plan init)'}.",
            field="role",
        )
    user = actor.user
    if user is None or not may_sign(actor, role):  # never the system
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
                record=locked, role=role, user=user, approve=approve, note=note, at=now
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
