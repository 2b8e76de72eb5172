"""VIP invitations: create one, import a CSV (all or nothing), the signed link, send it
through the outbox, withdraw it, redeem it (a conditional UPDATE under the database's
``uses <= max_uses`` constraint decides between concurrent redemptions). See
docs/explanation/launch-bucketing.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from dataclasses import replace

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from midas.core.urls import absolute_reverse
from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.access.admission import ADMITTED
from midas.launch.access.services import VisitorToken, clean_email, signed_in
from midas.launch.actors import Actor
from midas.launch.audit import record
from midas.launch.channel import announce
from midas.launch.models import Invite, InviteRedemption, Visitor
from midas.launch.state.selectors import plan_time

INVITE_SALT = "midas.launch.invite"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_USES, MAX_DAYS = 10_000, 365


def normalise_code(code: str) -> str:
    """``abcd efgh-jklm`` → ``ABCD-EFGH-JKLM`` (what people type, what is stored)."""
    bare = re.sub(r"[^A-Za-z0-9]", "", code or "").upper()
    return "-".join(bare[i : i + 4] for i in range(0, len(bare), 4))


def _new_code() -> str:
    return normalise_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(12)))


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
    email = clean_email(email, required=False)
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
            row["email"] = clean_email(cells.get("email", ""), required=True)
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
        announce(
            event="launch.invite.imported",
            text=f"VIP invitations: {len(invites)} imported",
            fields={"by": actor.label},
        )
    return invites


def invite_link(invite: Invite) -> str:
    """The absolute, signed link that carries the code (``/launch/invite/<signed>``)."""
    signed = signing.Signer(salt=INVITE_SALT).sign(invite.code)  # the same link every time
    return absolute_reverse("launch:invite_link", signed)


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
            # in the plan's zone, as the launch team reads it (UTC on hover in the HTML)
            "expires_local": plan_time(invite.expires_at, "%-d %B %Y, %H:%M"),
            "expires_utc": f"{invite.expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "expires_iso": invite.expires_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
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
                    user=user if signed_in(user) else None,
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
