"""Account deletion: the customer (account page, with their password) or staff (the admin)
close an account for good (docs/how-to/privacy-and-deletion.md).

The person's data is anonymised, not the rows deleted: the bookings and their payments stay
as the law on financial records requires, tied to an account that no longer says who it
was. The account's own fields are cleared (name, phone, date of birth, licence, old-site id),
its e-mail address becomes a placeholder that cannot receive mail (``.invalid``), its
password unusable, its API tokens revoked and its sessions end (Django checks each session
against the password's hash); ``deleted_at`` is set and the account is inactive.

Other apps take part through a small registry, so accounts imports none of them: each app
may have a ``deletion`` module that calls ``register`` with

- ``blockers(user, now)``: reasons the account cannot be deleted now (an upcoming booking,
  a deposit still held), each a sentence for the customer;
- ``erase(user, now, actor)``: its part of the erasure (analytics, chat, tickets, booking
  notes), returning counts for the audit entry.

The apps' ``deletion`` modules are found the way the admin finds ``admin`` modules
(``autodiscover_modules``). Everything runs in one transaction: the account is anonymised
whole or not at all. The confirmation e-mail goes to the old address through the outbox,
in the same transaction, before the address is erased.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from midas.accounts.models import User
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.notifications.services import email_enqueue

PLACEHOLDER_DOMAIN = "deleted.invalid"  # RFC 2606: .invalid never resolves, never delivers
ERASED_NAME = "Deleted"

Blockers = Callable[[User, dt.datetime], list[str]]
Eraser = Callable[[User, dt.datetime, object], dict[str, int]]


@dataclass(frozen=True)
class Part:
    name: str
    blockers: Blockers | None = None
    erase: Eraser | None = None


PARTS: dict[str, Part] = {}
_discovered = False


def register(name: str, *, blockers: Blockers | None = None, erase: Eraser | None = None) -> None:
    """An app's part in deleting an account (called from its ``deletion`` module)."""
    PARTS[name] = Part(name, blockers, erase)


def parts() -> list[Part]:
    global _discovered
    if not _discovered:
        autodiscover_modules("deletion")
        _discovered = True
    return [PARTS[name] for name in sorted(PARTS)]


def is_placeholder(email: str) -> bool:
    return email.endswith("@" + PLACEHOLDER_DOMAIN)


def deletion_blockers(user: User, *, now: dt.datetime | None = None) -> list[str]:
    """Why ``user``'s account cannot be deleted now (empty: it can)."""
    now = now or timezone.now()
    if user.deleted_at is not None:
        return ["This account is already deleted."]
    if user.is_staff or user.is_superuser:
        return ["A staff account is closed by an administrator, not deleted here."]
    reasons: list[str] = []
    for part in parts():
        if part.blockers is not None:
            reasons.extend(part.blockers(user, now))
    return reasons


@transaction.atomic
def account_delete(
    *,
    user: User,
    password: str | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Delete (anonymise) ``user``'s account. The customer confirms with their
    ``password`` (``invalid_credentials`` otherwise); staff (``by``) need none. Refused with
    ``account_deletion_blocked`` and every reason while a booking is upcoming or a deposit
    is held. Audited as ``accounts.user.deleted``."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if by is None and (password is None or not user.check_password(password)):
        raise AppError(
            ErrorCode.INVALID_CREDENTIALS,
            "Your password is not correct.",
            field="password",
        )
    reasons = deletion_blockers(user, now=now)
    if reasons:
        raise AppError(ErrorCode.ACCOUNT_DELETION_BLOCKED, " ".join(reasons))
    email_enqueue(  # to the old address, before it is erased
        to=user.email,
        template="account_deleted",
        context={"first_name": user.first_name, "by_staff": by is not None},
        dedupe_key=f"accounts.account_deleted:{user.pk}",
    )
    actor = by or user
    erased: dict[str, Any] = {}
    for part in parts():
        if part.erase is not None:
            for key, count in part.erase(user, now, actor).items():
                erased[f"{part.name}_{key}"] = count
    _anonymise(user, now=now)
    audit("accounts.user.deleted", actor=actor, obj=user, by_staff=by is not None, **erased)
    return user


def _anonymise(user: User, *, now: dt.datetime) -> None:
    user.email = f"deleted-{user.pk}-{secrets.token_hex(4)}@{PLACEHOLDER_DOMAIN}"
    user.first_name, user.last_name = ERASED_NAME, ""
    user.phone = ""
    user.date_of_birth = None
    user.licence_number, user.licence_country, user.licence_expiry = "", "", None
    user.legacy_id = ""
    user.is_beta = False
    user.is_active = False
    user.deleted_at = now
    user.set_unusable_password()  # a new hash: every session of the account ends
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
