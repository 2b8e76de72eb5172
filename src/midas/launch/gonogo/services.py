"""Writes of the go/no-go decision (docs/explanation/launch-gonogo.md).

``gonogo_record()`` evaluates (``gonogo.selectors.gonogo_evaluate``) and keeps the result as
a ``GoNoGoRecord``, records it in the audit trail, tells the launch channel and, on GO,
takes a good flags snapshot (what a rollback restores). ``signoff_add()`` records a named
role's approval or rejection of a record (who may sign: ``gonogo.selectors.may_sign``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.gonogo.selectors import (
    Standing,
    go_standing,
    gonogo_evaluate,
    may_sign,
    owner_of,
)
from midas.launch.models import (
    GoNoGoRecord,
    LaunchContact,
    LaunchEvent,
    LaunchRole,
    RoleKey,
    SignOff,
    Waiver,
)

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


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
            waivers=evaluation.waivers,
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
                **(
                    {"Waived": ", ".join(w["criterion"] for w in evaluation.waivers)}
                    if evaluation.waivers
                    else {}
                ),
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


# --- the gate: what needs a standing GO ----------------------------------------------------

COORDINATOR = "coordinator"


def may_override(actor: actors.Actor) -> bool:
    """The launch coordinator: the coordinator role's primary or backup contact; when no
    contact of that role is linked to an account, anyone holding ``PHASE`` (the launch
    group). Never the system: an override is a person's decision."""
    if actor.is_system or actor.user is None:
        return False
    linked = list(
        LaunchContact.objects.filter(role__key=COORDINATOR, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    if linked:
        return actor.user.pk in linked and actor.user.is_active and actor.user.is_staff
    return actors.can(actor, actors.PHASE)


class GoRefused(AppError):
    """``go_required``'s refusal, carrying the attempt: what, by whom, the reason given for
    the change, the override offered (if any) and why it was refused. The service's own
    transaction rolls back with it; ``refusals_kept`` then puts it on the record."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        what: str,
        actor: actors.Actor,
        reason: str,
        override: str,
        standing: Standing,
        at: dt.datetime,
    ) -> None:
        super().__init__(code, message, field="override_go")
        self.what, self.actor, self.reason, self.override = what, actor, reason, override
        self.standing, self.at = standing, at
        self.kept = False


def go_required(
    *,
    what: str,
    actor: actors.Actor,
    override: str = "",
    now: dt.datetime | None = None,
    reason: str = "",
) -> Standing:
    """Refuse ``what`` (``gonogo_required``) unless a GO stands (``go_standing``: the newest
    record is GO, made after the last rollback) — or the coordinator overrides with a reason,
    recorded (``launch.gonogo.overridden``) and announced as a warning. Called inside the
    caller's transaction, so an override is kept only with the change it allowed. A refusal
    is a ``GoRefused``: the caller's service is wrapped in ``refusals_kept``, which records
    it after the transaction has rolled back (``reason``: the one given for the change)."""
    now = now or timezone.now()
    standing = go_standing(now=now)
    if standing.ok:
        return standing
    override = (override or "").strip()

    def refused(code: ErrorCode, message: str) -> GoRefused:
        return GoRefused(
            code,
            message,
            what=what,
            actor=actor,
            reason=(reason or "").strip(),
            override=override,
            standing=standing,
            at=now,
        )

    if not override:
        raise refused(
            ErrorCode.GONOGO_REQUIRED,
            f"{what[:1].upper()}{what[1:]} needs a GO recorded after the last rollback and the "
            f"last NO-GO ({standing.why}). Record a GO (midas launch gonogo --record), or the "
            "launch coordinator overrides with a reason (--override-go REASON).",
        )
    if not may_override(actor):
        raise refused(
            ErrorCode.FORBIDDEN,
            f"{actor.label} may not override the go/no-go: only the launch coordinator may.",
        )
    audit.record(
        "launch.gonogo.overridden",
        actor=actor,
        reason=override,
        at=now,
        what=what,
        standing=standing.why,
        record=standing.record.pk if standing.record else None,
    )
    announce(
        event="launch.gonogo.overridden",
        text=f"Go/no-go overridden by {actor.label}: {what} without a standing GO",
        severity="warning",
        fields={"Without GO": standing.why, "By": actor.label, "Reason": override},
    )
    return standing


REFUSED = "launch.gonogo.refused"


def refusal_record(refused: GoRefused) -> bool:
    """Put a refused attempt on the record (``launch.gonogo.refused``: what, who, the reason
    given, the override offered, why refused) and warn the launch channel, in a transaction
    of its own. Call it once the refused service's transaction has rolled back — as
    ``refusals_kept`` does —, never inside it: written there, the record would go with it.
    The system's repeated attempt (the waitlist job every 5 minutes) is kept once per
    situation. Never raises: a record that cannot be written is logged, and the refusal
    stands. True when written."""
    if refused.kept:
        return False
    refused.kept = True
    actor, standing = refused.actor, refused.standing
    forbidden = refused.code == ErrorCode.FORBIDDEN
    why = (
        "only the launch coordinator may override the go/no-go"
        if forbidden
        else f"no standing GO: {standing.why}"
    )
    situation = hashlib.sha256(f"{actor.label}|{refused.what}|{why}".encode()).hexdigest()[:16]
    try:
        with transaction.atomic():
            if (
                actor.is_system
                and LaunchEvent.objects.filter(
                    action=REFUSED,
                    actor_label=actor.label,
                    details__what=refused.what,
                    details__why=why,
                ).exists()
            ):
                return False
            audit.record(
                REFUSED,
                actor=actor,
                reason=refused.reason,
                at=refused.at,
                what=refused.what,
                code=str(refused.code),
                why=why,
                override=refused.override,
                record=standing.record.pk if standing.record else None,
            )
            announce(
                event=REFUSED,
                text=f"Go/no-go refused: {refused.what} by {actor.label} — "
                + ("the override is the coordinator's" if forbidden else "no standing GO"),
                severity="warning",
                fields={
                    "By": actor.label,
                    "Why refused": why,
                    **({"Reason given": refused.reason} if refused.reason else {}),
                    **({"Override offered": refused.override} if refused.override else {}),
                },
                dedupe_key=f"gonogo-refused:{situation}" if actor.is_system else "",
            )
    except Exception:  # the refusal stands even when its record cannot be written
        logger.exception("go/no-go refusal of %r by %s not recorded", refused.what, actor.label)
        return False
    return True


def refusals_kept(service: Callable[P, R]) -> Callable[P, R]:
    """Wrap a service that calls ``go_required`` inside its ``transaction.atomic``: put
    outside it (``@refusals_kept`` above ``@transaction.atomic``), it sees the refusal only
    after the service's transaction has rolled back, records it in a transaction of its own
    (``refusal_record``) and raises it on. Nothing else the service did is kept.

    ``transaction.on_commit`` cannot do this (it never runs on a rollback); a second database
    connection would wait on SQLite's write lock the first one holds. Called inside a
    transaction of the caller's own, the record shares that transaction's fate (the audit
    log line is written regardless)."""

    @functools.wraps(service)
    def kept(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except GoRefused as refused:
            refusal_record(refused)
            raise

    return kept


# --- waivers: a criterion's owner lets it pass, for a while and for a reason ---------------

WAIVER_MAX = dt.timedelta(hours=24)  # a waiver is time-boxed: a day at most


def waiver_add(
    *,
    criterion: str,
    actor: actors.Actor,
    reason: str,
    minutes: int,
    now: dt.datetime | None = None,
) -> Waiver:
    """Waive ``criterion`` for ``minutes`` (at most a day): only its owner — the launch role
    it names (``gonogo.selectors.owner_of``), signed for as a sign-off is (``may_sign``:
    the role's linked contacts, else SIGN_OFF holders). Recorded and announced as a
    warning; the go/no-go applies it until it expires or is withdrawn."""
    key = (criterion or "").strip()
    owner = owner_of(key)
    reason = audit.on_the_record(reason)
    try:
        span = dt.timedelta(minutes=int(minutes))
    except (TypeError, ValueError):
        raise AppError(
            ErrorCode.INVALID_INPUT, "Minutes: a whole number.", field="minutes"
        ) from None
    if not dt.timedelta(minutes=1) <= span <= WAIVER_MAX:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "A waiver lasts from 1 minute to 24 hours (1440 minutes): it is time-boxed.",
            field="minutes",
        )
    role = LaunchRole.objects.filter(key=owner).first()
    if role is None:
        raise AppError(
            ErrorCode.NOT_FOUND,
            f"No {owner} role to waive {key} (midas launch plan init).",
            field="criterion",
        )
    if actor.user is None or not may_sign(actor, role):
        raise AppError(
            ErrorCode.FORBIDDEN,
            f"{actor.label} may not waive {key}: only its owner, the {role}, may.",
            field="criterion",
        )
    now = now or timezone.now()
    with transaction.atomic():
        waiver = Waiver.objects.create(
            criterion=key,
            role=role,
            reason=reason,
            created_at=now,
            expires_at=now + span,
            created_by=actor.user,
            actor_label=actor.label,
        )
        audit.record(
            "launch.gonogo.waived",
            actor=actor,
            reason=reason,
            at=now,
            waiver=waiver.pk,
            criterion=key,
            role=owner,
            until=waiver.expires_at.isoformat(),
        )
        announce(
            event="launch.gonogo.waived",
            text=f"Go/no-go: {key} waived by the {role} until "
            f"{waiver.expires_at.astimezone(dt.UTC):%H:%M} UTC",
            severity="warning",
            fields={"By": actor.label, "Reason": reason},
            dedupe_key=f"gonogo:waiver:{waiver.pk}",
        )
    return waiver


def waiver_withdraw(
    *, waiver: Waiver, actor: actors.Actor, reason: str, now: dt.datetime | None = None
) -> Waiver:
    """End a waiver before it expires: its owner, or the launch coordinator."""
    reason = audit.on_the_record(reason)
    if actor.user is None or not (may_sign(actor, waiver.role) or may_override(actor)):
        raise AppError(
            ErrorCode.FORBIDDEN,
            f"{actor.label} may not withdraw it: its owner ({waiver.role}) or the coordinator.",
        )
    now = now or timezone.now()
    with transaction.atomic():
        won = Waiver.objects.filter(
            pk=waiver.pk, withdrawn_at__isnull=True, expires_at__gt=now
        ).update(withdrawn_at=now, withdrawn_by_label=actor.label)
        if not won:
            raise AppError(ErrorCode.INVALID_STATE, f"Waiver #{waiver.pk} is no longer in force.")
        audit.record(
            "launch.gonogo.waiver_withdrawn",
            actor=actor,
            reason=reason,
            at=now,
            waiver=waiver.pk,
            criterion=waiver.criterion,
        )
        announce(
            event="launch.gonogo.waiver_withdrawn",
            text=f"Go/no-go: the waiver of {waiver.criterion} is withdrawn",
            fields={"By": actor.label, "Reason": reason},
        )
    waiver.refresh_from_db()
    return waiver
