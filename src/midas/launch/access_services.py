"""Writes of the access gate: visitors (admission, last seen), VIP invitations (create, CSV
import, send, revoke, redeem), the waitlist, and beta feedback.

The gate's per-request work is in ``visitor_admit``: it decides from the signed visitor
cookie (``VisitorToken``) and writes at most once per visitor every ``REFRESH_SECONDS`` (or
when the decision changes), never per request (docs/explanation/launch-bucketing.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from dataclasses import dataclass, replace

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.access_selectors import active_count_remembered
from midas.launch.actors import Actor
from midas.launch.admission import (
    ADMITTED,
    Decision,
    Gate,
    Subject,
    decide,
    visitor_bucket,
)
from midas.launch.audit import record
from midas.launch.models import (
    Feedback,
    FeedbackStatus,
    Invite,
    InviteRedemption,
    Visitor,
    WaitlistEntry,
)

REFRESH_SECONDS = 180  # a visitor's row is written at most this often (plus on a change)
INVITE_SALT = "midas.launch.invite"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
SEVERITIES = ("", "low", "medium", "high", "critical")
MAX_USES, MAX_DAYS = 10_000, 365


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


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated


def _subject(token: VisitorToken, user, *, invited: bool) -> Subject:
    signed_in = _authenticated(user)
    return Subject(
        bucket=token.bucket,
        staff=bool(signed_in and user.is_staff),
        beta=bool(signed_in and user.is_beta),
        invited=invited,
        admitted_before=token.state == ADMITTED,
    )


def _capacity_full(gate: Gate, now: dt.datetime) -> bool:
    return bool(gate.capacity) and active_count_remembered(now) >= gate.capacity


def visitor_admit(
    *, gate: Gate, token: VisitorToken | None, user, now: dt.datetime
) -> tuple[VisitorToken, Decision]:
    """The gate's answer for one request, and the token to keep in the cookie.

    A brand-new visitor (no cookie) is decided without a write: clients that never return
    the cookie (crawlers, scripts) leave no rows. The visitor is recorded when the cookie
    comes back, then again only every ``REFRESH_SECONDS`` or when the answer changes (the
    gate moved, an account signed in)."""
    if token is None:
        token = VisitorToken.new(gate.salt)
        subject = _subject(token, user, invited=False)
        decision = decide(gate, subject, capacity_full=_capacity_full(gate, now))
        return replace(token, state=decision.state, reason=decision.reason), decision
    signed_in_as = user.pk if _authenticated(user) else None
    subject = _subject(token, user, invited=token.invite_id is not None)
    decision = decide(gate, subject, capacity_full=_capacity_full(gate, now))
    stale = now.timestamp() - token.recorded_at >= REFRESH_SECONDS
    changed = (decision.state, decision.reason) != (token.state, token.reason)
    new_account = signed_in_as is not None and signed_in_as != token.user_id
    if not (stale or changed or new_account):
        return token, decision
    return visitor_seen(gate=gate, token=token, user=user, now=now)


def visitor_seen(
    *, gate: Gate, token: VisitorToken, user, now: dt.datetime
) -> tuple[VisitorToken, Decision]:
    """Record the visitor (one row write): link a signed-in account, giving back the
    account's earlier visitor id and bucket when it was first seen on another device;
    re-check the invitation (revoked → no longer invited); decide; keep the answer."""
    signed_in = _authenticated(user)
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
        if signed_in:
            earlier = Visitor.objects.filter(user=user).order_by("first_seen_at", "pk").first()
            if earlier is not None and earlier.pk != row.pk:
                if row.invite_id and not earlier.invite_id:
                    earlier.invite_id = row.invite_id  # an invitation redeemed on this device
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
        decision = decide(
            gate, _subject(fresh, user, invited=invited), capacity_full=_capacity_full(gate, now)
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


# --- invitations ----------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """``abcd efgh-jklm`` → ``ABCD-EFGH-JKLM`` (what people type, what is stored)."""
    bare = re.sub(r"[^A-Za-z0-9]", "", code or "").upper()
    return "-".join(bare[i : i + 4] for i in range(0, len(bare), 4))


def _new_code() -> str:
    return normalise_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(12)))


def _clean_email(email: str, *, required: bool, field: str = "email") -> str:
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


def _check_invite_terms(uses: int, days: int) -> None:
    if not 1 <= uses <= MAX_USES:
        raise AppError(ErrorCode.INVALID_INPUT, f"Uses: 1 to {MAX_USES}.", field="uses")
    if not 1 <= days <= MAX_DAYS:
        raise AppError(ErrorCode.INVALID_INPUT, f"Days: 1 to {MAX_DAYS}.", field="days")


@transaction.atomic
def invite_create(
    *,
    actor: Actor,
    email: str = "",
    name: str = "",
    uses: int = 1,
    days: int = 14,
    note: str = "",
    now: dt.datetime | None = None,
) -> Invite:
    """An invitation for ``email`` (or, without one, a code to hand out), usable ``uses``
    times until ``days`` from now."""
    actors.require(actor, actors.PLAN)
    email = _clean_email(email, required=False)
    _check_invite_terms(uses, days)
    now = now or timezone.now()
    invite = Invite.objects.create(
        code=_new_code(),
        email=email,
        name=(name or "").strip()[:120],
        max_uses=uses,
        expires_at=now + dt.timedelta(days=days),
        note=(note or "").strip()[:200],
        created_by=actor.user,
    )
    record(
        "launch.invite.created",
        actor=actor,
        code=invite.code,
        email=email,
        uses=uses,
        expires_at=invite.expires_at.isoformat(),
    )
    return invite


IMPORT_COLUMNS = ("email", "name", "uses", "days", "note")


def _import_rows(text: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "email" not in header:
        return [], ["line 1: email: the header must name an email column"]
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        return [], [f"line 1: {unknown[0]}: unknown column (use {', '.join(IMPORT_COLUMNS)})"]
    reader.fieldnames = header
    rows, errors, seen = [], [], set()
    open_emails = set(
        Invite.objects.filter(revoked_at__isnull=True, uses__lt=F("max_uses"))
        .exclude(email="")
        .values_list("email", flat=True)
    )
    for number, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        row: dict = {"line": number, "name": cells.get("name", ""), "note": cells.get("note", "")}
        try:
            row["email"] = _clean_email(cells.get("email", ""), required=True)
        except AppError as exc:
            errors.append(f"line {number}: email: {exc.message}")
        else:
            if row["email"] in seen:
                errors.append(f"line {number}: email: {row['email']} is listed twice")
            elif row["email"] in open_emails:
                errors.append(f"line {number}: email: {row['email']} already has an invitation")
            seen.add(row["email"])
        for field, default, top in (("uses", 1, MAX_USES), ("days", 14, MAX_DAYS)):
            value = cells.get(field, "")
            if not value:
                row[field] = default
            elif not value.isdigit() or not 1 <= int(value) <= top:
                errors.append(f"line {number}: {field}: a whole number from 1 to {top}")
            else:
                row[field] = int(value)
        if len(row["name"]) > 120:
            errors.append(f"line {number}: name: at most 120 characters")
        rows.append(row)
    if not rows and not errors:
        errors.append("line 2: email: the file holds no invitations")
    return rows, errors


def invites_import_csv(file, *, actor: Actor, now: dt.datetime | None = None) -> list[Invite]:
    """Invitations from a CSV file (columns ``email`` and optionally ``name``, ``uses``,
    ``days``, ``note``). Every bad row is reported (``line N: field: reason``) in one
    ``import_invalid`` error and then nothing is written."""
    actors.require(actor, actors.PLAN)
    data = file.read() if hasattr(file, "read") else file
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AppError(
                ErrorCode.IMPORT_INVALID, "line 1: file: not UTF-8 text", field="file"
            ) from exc
    rows, errors = _import_rows(data)
    if errors:
        raise AppError(ErrorCode.IMPORT_INVALID, "\n".join(errors), field="file")
    with transaction.atomic():
        invites = [
            invite_create(
                actor=actor,
                email=row["email"],
                name=row["name"],
                uses=row["uses"],
                days=row["days"],
                note=row["note"],
                now=now,
            )
            for row in rows
        ]
        record("launch.invite.imported", actor=actor, count=len(invites))
    return invites


def invite_link(invite: Invite) -> str:
    """The absolute, signed link that carries the code (``/launch/invite/<signed>``)."""
    signed = signing.Signer(salt=INVITE_SALT).sign(invite.code)  # the same link every time
    return settings.SITE_URL.rstrip("/") + reverse("launch:invite_link", args=[signed])


def invite_code_of(signed: str) -> str:
    try:
        return signing.Signer(salt=INVITE_SALT).unsign(signed)
    except signing.BadSignature as exc:
        raise AppError(
            ErrorCode.NOT_FOUND, "This invitation link is not valid.", field="code"
        ) from exc


def invite_get(code: str) -> Invite:
    invite = Invite.objects.filter(code=normalise_code(code)).first()
    if invite is None:
        raise AppError(ErrorCode.NOT_FOUND, "No invitation has this code.", field="code")
    return invite


def _usable(invite: Invite, now: dt.datetime) -> None:
    if invite.revoked_at is not None:
        raise AppError(ErrorCode.INVALID_STATE, "This invitation was withdrawn.", field="code")
    if invite.expires_at <= now:
        raise AppError(ErrorCode.INVALID_STATE, "This invitation has expired.", field="code")
    if invite.uses >= invite.max_uses:
        raise AppError(ErrorCode.INVALID_STATE, "This invitation is used up.", field="code")


@transaction.atomic
def invite_send(*, invite: Invite, actor: Actor, now: dt.datetime | None = None) -> Invite:
    """Email the invitation (through the outbox) with its signed link."""
    from midas.notifications.services import email_enqueue

    actors.require(actor, actors.PLAN)
    now = now or timezone.now()
    invite = Invite.objects.select_for_update().get(pk=invite.pk)
    if not invite.email:
        raise AppError(ErrorCode.INVALID_INPUT, "This code has no email address.", field="email")
    _usable(invite, now)
    email_enqueue(
        to=invite.email,
        template="launch_invite",
        context={
            "name": invite.name,
            "url": invite_link(invite),
            "code": invite.code,
            "expires_at": invite.expires_at,
            "uses": invite.max_uses,
        },
    )
    invite.sent_at = now
    invite.save(update_fields=["sent_at", "updated_at"])
    record("launch.invite.sent", actor=actor, code=invite.code, email=invite.email)
    return invite


@transaction.atomic
def invite_revoke(
    *, code: str, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> Invite:
    """Withdraw an invitation: no new redemptions; those who hold it lose the exemption at
    their next look (within ``REFRESH_SECONDS``)."""
    actors.require(actor, actors.PLAN)
    invite = invite_get(code)
    invite = Invite.objects.select_for_update().get(pk=invite.pk)
    if invite.revoked_at is not None:
        raise AppError(ErrorCode.INVALID_STATE, "Already withdrawn.", field="code")
    invite.revoked_at = now or timezone.now()
    invite.save(update_fields=["revoked_at", "updated_at"])
    record("launch.invite.revoked", actor=actor, reason=reason, code=invite.code)
    return invite


def invite_redeem(
    *, code: str, token: VisitorToken, user=None, now: dt.datetime | None = None
) -> tuple[Invite, VisitorToken]:
    """Use the invitation for this visitor. One visitor redeeming twice uses it once; the
    uses never pass ``max_uses``: a conditional UPDATE (``uses < max_uses``) under the
    database's check constraint decides between concurrent redemptions."""
    now = now or timezone.now()
    invite = invite_get(code)
    try:
        with transaction.atomic():
            visitor, _ = Visitor.objects.get_or_create(
                visitor_id=token.visitor_id,
                defaults={
                    "bucket": token.bucket,
                    "state": ADMITTED,
                    "first_seen_at": now,
                    "last_seen_at": now,
                },
            )
            again = InviteRedemption.objects.filter(invite=invite, visitor=visitor).exists()
            if not again:
                _usable(invite, now)
                taken = Invite.objects.filter(
                    pk=invite.pk,
                    uses__lt=F("max_uses"),
                    revoked_at__isnull=True,
                    expires_at__gt=now,
                ).update(uses=F("uses") + 1, updated_at=now)
                if not taken:
                    raise AppError(
                        ErrorCode.INVALID_STATE, "This invitation is used up.", field="code"
                    )
                InviteRedemption.objects.create(
                    invite=invite,
                    visitor=visitor,
                    user=user if _authenticated(user) else None,
                    at=now,
                )
            visitor.invite, visitor.state, visitor.reason = invite, ADMITTED, "invite"
            visitor.last_seen_at = now
            visitor.admitted_at = visitor.admitted_at or now
            visitor.save(update_fields=["invite", "state", "reason", "last_seen_at", "admitted_at"])
            if not again:
                record(
                    "launch.invite.redeemed",
                    actor=actors.system("access", via="web"),
                    code=invite.code,
                    visitor=visitor.visitor_id[:8],
                )
    except IntegrityError as exc:  # the cap's check constraint: someone took the last use
        raise AppError(
            ErrorCode.INVALID_STATE, "This invitation is used up.", field="code"
        ) from exc
    invite.refresh_from_db()
    return invite, replace(
        token,
        visitor_id=visitor.visitor_id,
        bucket=visitor.bucket,
        state=ADMITTED,
        reason="invite",
        invite_id=invite.pk,
        recorded_at=int(now.timestamp()),
    )


# --- waitlist -------------------------------------------------------------------------------


def waitlist_join(*, email: str, path: str = "") -> tuple[WaitlistEntry, bool]:
    """Keep ``email`` once (joining twice changes nothing); ``True`` when new."""
    email = _clean_email(email, required=True)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(email=email, path=(path or "")[:200])
    except IntegrityError:
        return WaitlistEntry.objects.get(email=email), False
    return entry, True


def doors_open(gate: Gate) -> bool:
    """The waitlist is told when the gate is public at 100 % (a cap is momentary)."""
    return gate.mode == "public" and gate.percent >= 100


def waitlist_notify(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Tell the waitlist the doors are open (each address once, through the outbox), if
    they are. Returns how many were told."""
    from midas.launch.selectors import launch_state
    from midas.notifications.services import email_enqueue

    if not doors_open(Gate.of(launch_state(fresh=True))):
        return 0
    now = now or timezone.now()
    told = 0
    site = settings.SITE_URL.rstrip("/") + "/"
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
        record("launch.waitlist.notified", actor=actors.system("access"), count=told)
    return told


# --- feedback -------------------------------------------------------------------------------


@transaction.atomic
def feedback_submit(*, user, rating, comment: str = "", path: str = "") -> Feedback:
    """A beta tester's or invitee's rating (1-5) and comment on a page, with the release."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise AppError(ErrorCode.INVALID_INPUT, "A rating from 1 to 5.", field="rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise AppError(ErrorCode.INVALID_INPUT, "At most 2000 characters.", field="comment")
    return Feedback.objects.create(
        user=user if _authenticated(user) else None,
        rating=rating,
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
