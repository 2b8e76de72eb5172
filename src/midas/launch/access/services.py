"""Writes of the access gate: visitors (admission, last seen), the waitlist, and beta
feedback. VIP invitations are in ``midas.launch.access.invites``.

The gate's per-request work is in ``visitor_admit``: it decides from the signed visitor
cookie (``VisitorToken``) and writes at most once per visitor every ``REFRESH_SECONDS`` (or
when the decision changes), never per request (docs/explanation/launch-bucketing.md).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.core.urls import absolute_reverse
from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.access.admission import (
    ADMITTED,
    WAITING,
    Decision,
    Gate,
    Subject,
    decide,
    visitor_bucket,
)
from midas.launch.access.selectors import active_count, active_count_remembered
from midas.launch.actors import Actor
from midas.launch.audit import record
from midas.launch.channel import announce
from midas.launch.models import (
    Feedback,
    FeedbackStatus,
    Invite,
    Visitor,
    WaitlistEntry,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from midas.accounts.models import User

    Someone: TypeAlias = User | AnonymousUser | None  # request.user, or nobody (a test, a script)

REFRESH_SECONDS = 180  # a visitor's row is written at most this often (plus on a change)
SEVERITIES = ("", "low", "medium", "high", "critical")


# --- visitors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitorToken:
    """What the signed visitor cookie carries: the id and bucket, and the gate's last look
    (state, reason, invitation, linked account, when it was recorded; 0 = not yet)."""

    visitor_id: str
    bucket: int
    state: str = ""
    reason: str = ""
    invite_id: int | None = None
    user_id: int | None = None
    recorded_at: int = 0

    @classmethod
    def new(cls, salt: str) -> VisitorToken:
        visitor_id = secrets.token_hex(16)
        return cls(visitor_id=visitor_id, bucket=visitor_bucket(salt, visitor_id))


def signed_in(user: Someone) -> TypeGuard[User]:
    return user is not None and user.is_authenticated


def _subject(token: VisitorToken, user: Someone, *, invited: bool) -> Subject:
    known = user if signed_in(user) else None
    return Subject(
        bucket=token.bucket,
        staff=bool(known and known.is_staff),
        beta=bool(known and known.is_beta),
        invited=invited,
        admitted_before=token.state == ADMITTED,
    )


def _capacity_full(gate: Gate, now: dt.datetime) -> bool:
    if not gate.capacity:  # no cap
        return False
    return active_count_remembered(now) >= gate.capacity


def _decide(gate: Gate, subject: Subject, *, visitor_id: str, now: dt.datetime) -> Decision:
    """``decide``, with the capacity cap held: a visitor the ramp would admit under a cap,
    not admitted before, takes one of the cap's places atomically (``capacity_claim``) or
    waits. The remembered count only turns visitors away early (the cap looks reached);
    it never lets one in."""
    decision = decide(gate, subject, capacity_full=_capacity_full(gate, now))
    if (
        gate.capacity
        and decision.admitted
        and decision.reason == "ramp"
        and not subject.admitted_before
        and not capacity_claim(
            visitor_id=visitor_id, bucket=subject.bucket, capacity=gate.capacity, now=now
        )
    ):
        return Decision(WAITING, "capacity")
    return decision


def capacity_claim(*, visitor_id: str, bucket: int, capacity: int, now: dt.datetime) -> bool:
    """Admit one more visitor under the cap, or say no: the count of active admitted
    visitors and the visitor's admitted row are read and written under one lock (the launch
    state's row, ``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock, its
    transactions being IMMEDIATE), so a burst of new visitors can never take more places
    than the cap has. The visitor is recorded at once (a place taken is a row counted)."""
    from midas.launch.state.selectors import state_row

    state_row()  # the row exists (made on first use), so the lock below holds it
    with transaction.atomic():
        state_row(for_update=True)  # the lock: one admission under the cap at a time
        if active_count(now) >= capacity:
            return False
        updated = Visitor.objects.filter(visitor_id=visitor_id).update(
            state=ADMITTED, reason="ramp", last_seen_at=now, admitted_at=now
        )
        if not updated:
            Visitor.objects.create(
                visitor_id=visitor_id,
                bucket=bucket,
                state=ADMITTED,
                reason="ramp",
                first_seen_at=now,
                last_seen_at=now,
                admitted_at=now,
            )
    return True


def _account_token(user: User) -> VisitorToken | None:
    """The token of the account's earliest visitor row (one read), or None."""
    row = Visitor.objects.filter(user=user).order_by("first_seen_at", "pk").first()
    if row is None:
        return None
    return VisitorToken(
        visitor_id=row.visitor_id,
        bucket=row.bucket,
        state=row.state,
        reason=row.reason,
        invite_id=row.invite_id,
        user_id=row.user_id,
        recorded_at=int(row.last_seen_at.timestamp()),
    )


def visitor_admit(
    *, gate: Gate, token: VisitorToken | None, user: Someone, now: dt.datetime
) -> tuple[VisitorToken, Decision]:
    """The gate's answer for one request, and the token to keep in the cookie.

    A brand-new visitor (no cookie) is decided without a write: clients that never return
    the cookie (crawlers, scripts) leave no rows. The visitor is recorded when the cookie
    comes back, then again only every ``REFRESH_SECONDS`` or when the answer changes (the
    gate moved, an account signed in)."""
    if token is None and signed_in(user):
        # signed in without the cookie (a new device, an API client): the account's bucket
        token = _account_token(user)
        if token is None:
            return visitor_seen(gate=gate, token=VisitorToken.new(gate.salt), user=user, now=now)
    if token is None:
        token = VisitorToken.new(gate.salt)
        subject = _subject(token, user, invited=False)
        decision = _decide(gate, subject, visitor_id=token.visitor_id, now=now)
        return replace(token, state=decision.state, reason=decision.reason), decision
    signed_in_as = user.pk if signed_in(user) else None
    subject = _subject(token, user, invited=token.invite_id is not None)
    decision = _decide(gate, subject, visitor_id=token.visitor_id, now=now)
    stale = now.timestamp() - token.recorded_at >= REFRESH_SECONDS
    changed = (decision.state, decision.reason) != (token.state, token.reason)
    new_account = signed_in_as is not None and signed_in_as != token.user_id
    if not (stale or changed or new_account):
        return token, decision
    return visitor_seen(gate=gate, token=token, user=user, now=now)


def visitor_seen(
    *, gate: Gate, token: VisitorToken, user: Someone, now: dt.datetime
) -> tuple[VisitorToken, Decision]:
    """Record the visitor (one row write): link a signed-in account, giving back the
    account's earlier visitor id and bucket when it was first seen on another device;
    re-check the invitation (revoked → no longer invited); decide; keep the answer."""
    with transaction.atomic():
        row, _ = Visitor.objects.get_or_create(
            visitor_id=token.visitor_id,
            defaults={
                "bucket": token.bucket,
                "state": token.state or "waiting",
                "reason": token.reason,
                "first_seen_at": now,
                "last_seen_at": now,
                "invite_id": token.invite_id,
            },
        )
        if signed_in(user):
            earlier = Visitor.objects.filter(user=user).order_by("first_seen_at", "pk").first()
            if earlier is not None and earlier.pk != row.pk:
                if row.invite_id and not earlier.invite_id:
                    earlier.invite_id = row.invite_id  # an invitation redeemed on this device
                if row.user_id is None and row.invite_id is None:
                    row.delete()  # this device's row: the person is counted once
                row = earlier
            row.user = user
        invited = bool(
            row.invite_id
            and Invite.objects.filter(pk=row.invite_id, revoked_at__isnull=True).exists()
        )
        fresh = VisitorToken(
            visitor_id=row.visitor_id,
            bucket=row.bucket,
            state=row.state,
            reason=row.reason,
            invite_id=row.invite_id if invited else None,
            user_id=row.user_id,
        )
        decision = _decide(
            gate, _subject(fresh, user, invited=invited), visitor_id=row.visitor_id, now=now
        )
        row.state, row.reason, row.last_seen_at = decision.state, decision.reason, now
        if decision.admitted and row.admitted_at is None:
            row.admitted_at = now
        row.save(update_fields=["state", "reason", "last_seen_at", "admitted_at", "user", "invite"])
    return (
        replace(
            fresh,
            state=decision.state,
            reason=decision.reason,
            recorded_at=int(now.timestamp()),
        ),
        decision,
    )


def visitors_prune(*, days: int, now: dt.datetime | None = None) -> int:
    """Forget visitors unseen for ``days`` without an account or an invitation (their
    bucket would be drawn again; nobody is told anything). Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    _, by_model = Visitor.objects.filter(
        last_seen_at__lt=cutoff, user__isnull=True, invite__isnull=True
    ).delete()
    return by_model.get(Visitor._meta.label, 0)


def clean_email(email: str, *, required: bool, field: str = "email") -> str:
    email = (email or "").strip().lower()
    if not email:
        if required:
            raise AppError(ErrorCode.INVALID_INPUT, "An email address is needed.", field=field)
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"Not an email address: {email!r}.", field=field
        ) from exc
    return email


# --- waitlist -------------------------------------------------------------------------------


def waitlist_join(*, email: str, path: str = "") -> tuple[WaitlistEntry, bool]:
    """Keep ``email`` once (joining twice changes nothing); ``True`` when new."""
    email = clean_email(email, required=True)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(email=email, path=(path or "")[:200])
    except IntegrityError:
        return WaitlistEntry.objects.get(email=email), False
    return entry, True


# The phases in which the launch is open to the public: the waitlist is told only then.
OPEN_PHASES = ("public", "stabilisation", "launched")


def doors_open(gate: Gate, phase: str) -> bool:
    """The doors are open when the launch is public (or past it) and the gate is public at
    100 % (a cap is momentary)."""
    return phase in OPEN_PHASES and gate.mode == "public" and gate.percent >= 100


def waitlist_notify(
    *,
    now: dt.datetime | None = None,
    limit: int = 500,
    actor: Actor | None = None,
    override_go: str = "",
) -> int:
    """Tell the waitlist the doors are open (each address once, through the outbox), if
    they are — and only on a standing GO (``gonogo.services.go_required``: an e-mail cannot
    be taken back), or the coordinator's ``override_go`` reason. Returns how many were told;
    refuses with ``gonogo_required`` when the doors are open without a GO."""
    from midas.launch.gonogo.services import GoRefused, go_required, refusal_record
    from midas.launch.state.selectors import launch_state
    from midas.notifications.services import email_enqueue

    state = launch_state(fresh=True)
    if not doors_open(Gate.of(state), state.phase):
        return 0
    now = now or timezone.now()
    actor = actor or actors.system("access")
    try:
        with transaction.atomic():
            go_required(
                what="e-mailing the waitlist that the doors are open",
                actor=actor,
                override=override_go,
                now=now,
            )
    except GoRefused as refused:  # on the record, once the transaction has rolled back
        refusal_record(refused)
        raise
    told = 0
    site = absolute_reverse("web:home")
    for entry in WaitlistEntry.objects.filter(notified_at__isnull=True)[:limit]:
        with transaction.atomic():
            # claim the row first: two workers never email the same address
            claimed = WaitlistEntry.objects.filter(pk=entry.pk, notified_at__isnull=True).update(
                notified_at=now
            )
            if claimed:
                email_enqueue(
                    to=entry.email,
                    template="launch_waitlist_open",
                    context={"url": site},
                    dedupe_key=f"launch-waitlist:{entry.pk}",
                )
                told += 1
    if told:
        with transaction.atomic():
            record("launch.waitlist.notified", actor=actor, count=told)
            announce(
                event="launch.waitlist.notified",
                text=f"Waitlist: {told} address(es) told the doors are open",
                severity="good",
            )
    return told


# --- feedback -------------------------------------------------------------------------------


@transaction.atomic
def feedback_submit(
    *, user: Someone, rating: int | str | None, comment: str = "", path: str = ""
) -> Feedback:
    """A beta tester's or invitee's rating (1-5) and comment on a page, with the release."""
    try:
        stars = int(rating) if rating is not None else 0
    except ValueError:
        stars = 0
    if not 1 <= stars <= 5:
        raise AppError(ErrorCode.INVALID_INPUT, "A rating from 1 to 5.", field="rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise AppError(ErrorCode.INVALID_INPUT, "At most 2000 characters.", field="comment")
    return Feedback.objects.create(
        user=user if signed_in(user) else None,
        rating=stars,
        comment=comment,
        path=(path or "/")[:300],
        release=settings.RELEASE,
    )


@transaction.atomic
def feedback_triage(
    *, feedback: Feedback, actor: Actor, status: str, severity: str = "", note: str = ""
) -> Feedback:
    actors.require(actor, actors.PLAN)
    if status not in FeedbackStatus.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown status {status!r}.", field="status")
    if severity not in SEVERITIES:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Severity: one of {', '.join(SEVERITIES[1:])}.",
            field="severity",
        )
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    before = feedback.status
    feedback.status, feedback.severity = status, severity
    feedback.triage_note = (note or "").strip()
    feedback.triaged_by = actor.user
    feedback.save(update_fields=["status", "severity", "triage_note", "triaged_by", "updated_at"])
    record(
        "launch.feedback.triaged",
        actor=actor,
        reason=feedback.triage_note,
        feedback=feedback.pk,
        before=before,
        after=status,
        severity=severity,
    )
    return feedback
