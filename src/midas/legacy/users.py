"""Planning the old ``users`` collection: accounts keyed on ``User.legacy_id``.

- e-mails are compared without case: one person twice in another case is one account
  (the one that signed in last is kept; the other's bookings follow it), reported;
- bcrypt hashes (bcryptjs ``$2a$``) are kept as Django's ``bcrypt$<hash>`` so the old
  password works; Django upgrades the hash to its default hasher at the first sign-in;
- an account with no password (it signed in with Google) gets an unusable password and a
  "choose your password" e-mail through the outbox;
- a suspended account stays inactive; a deleted one is not imported (nor its bookings);
- staff roles map to Midas's staff groups by name (``ROLES``); service tiers are kept.

An account already in Midas is never overwritten by a later run: it is Midas's from then on
(a customer may have changed their phone or password). An account someone registered in
Midas with the same address before the import is linked to its old id, nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from midas.accounts.models import ServiceTier, User
from midas.legacy.report import Report

BCRYPT = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
# old role -> (is_staff, Midas staff groups by name: the launch's actors.GROUPS names,
# created when missing). Superuser rights are never given by an import.
ROLES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "customer": (False, ()),
    "user": (False, ()),
    "concierge": (True, ("concierge",)),
    "staff": (True, ("concierge",)),
    "support": (True, ("concierge",)),
    "manager": (True, ("concierge", "operations")),
    "admin": (True, ("concierge", "operations")),
}
INACTIVE = {"suspended", "banned", "disabled", "locked", "inactive"}
DELETED = {"deleted", "removed"}


@dataclass
class UserPlan:
    legacy_id: str
    email: str
    fields: dict[str, Any]
    password: str | None  # Django's encoded hash, or None for an unusable password
    groups: tuple[str, ...]
    existing: User | None = None
    outcome: str = "new"
    merged: list[str] = field(default_factory=list)  # other old ids of the same person

    @property
    def invite(self) -> bool:
        return self.password is None and bool(self.fields["is_active"])


def _when(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.min.replace(tzinfo=dt.UTC)


def plan_users(
    rows: list[dict[str, Any]], report: Report
) -> tuple[dict[str, UserPlan], dict[str, str]]:
    """``(old id -> plan, old id -> why the account is not imported)``; every old id of a
    merged duplicate maps to the plan of the account kept."""
    by_email: dict[str, list[dict[str, Any]]] = {}
    missing: dict[str, str] = {}
    for row in rows:
        oid = str(row.get("_id") or "")
        email = str(row.get("email") or "").strip()
        where = f"users.jsonl {oid or '(no _id)'}"
        if not oid:
            report.skip("accounts", where, "no _id")
            continue
        status = str(row.get("status") or "active").lower()
        if status in DELETED or row.get("deletedAt"):
            missing[oid] = "deleted customer: the account was deleted on the old site"
            report.skip("accounts", where, "deleted on the old site: not imported")
            continue
        try:
            validate_email(email)
        except ValidationError:
            missing[oid] = f"the customer's account was not imported (malformed e-mail {email!r})"
            report.skip("accounts", where, f"malformed e-mail {email!r}")
            continue
        by_email.setdefault(email.lower(), []).append(row)
    addresses = User.objects.annotate(address=Lower("email")).filter(address__in=list(by_email))
    existing = {u.email.lower(): u for u in addresses}
    linked = {u.legacy_id: u for u in User.objects.exclude(legacy_id="")}
    plans: dict[str, UserPlan] = {}
    for email, same in by_email.items():
        # the account the person used last is the one they know the password of
        same.sort(key=lambda r: (_when(r.get("lastLogin")), _when(r.get("createdAt"))))
        kept = same[-1]
        plan = _plan(kept, email, report)
        for other in same[:-1]:
            plan.merged.append(str(other["_id"]))
            report.skip(
                "accounts",
                f"users.jsonl {other['_id']}",
                f"duplicate e-mail differing in case ({other['email']!r} and "
                f"{kept['email']!r}): one account, the one signed in last "
                f"({kept['_id']}); its bookings follow it",
            )
        user = linked.get(plan.legacy_id) or existing.get(email)
        if user is not None:
            plan.existing = user
            plan.outcome = "unchanged" if user.legacy_id == plan.legacy_id else "updated"
            if plan.outcome == "updated":
                report.notes.append(
                    f"users.jsonl {plan.legacy_id}: {email} already has a Midas account: "
                    "linked to its old id, nothing else changed"
                )
        elif plan.invite:
            report.notes.append(
                f"users.jsonl {plan.legacy_id}: no password on the old site (Google sign-in): "
                "unusable password, a 'choose your password' e-mail is sent"
            )
        report.count("accounts", plan.outcome)
        for oid in [plan.legacy_id, *plan.merged]:
            plans[oid] = plan
    return plans, missing


def _plan(row: dict[str, Any], email: str, report: Report) -> UserPlan:
    oid = str(row["_id"])
    where = f"users.jsonl {oid}"
    role = str(row.get("role") or "customer").lower()
    if role not in ROLES:
        report.notes.append(f"{where}: unknown role {role!r}: imported as a customer")
        role = "customer"
    is_staff, groups = ROLES[role]
    if is_staff:
        report.notes.append(f"{where}: role {role!r}: staff, groups {', '.join(groups)}")
    profile = row.get("serviceProfile") or {}
    tier = str(profile.get("tier") or row.get("tier") or "standard").lower()
    if tier not in ServiceTier.values:
        report.notes.append(f"{where}: unknown service tier {tier!r}: standard")
        tier = ServiceTier.STANDARD
    status = str(row.get("status") or "active").lower()
    active = status not in INACTIVE
    if not active:
        report.notes.append(f"{where}: {status} on the old site: imported inactive")
    old_hash = str(row.get("password") or "")
    password = f"bcrypt${old_hash}" if BCRYPT.match(old_hash) else None
    if old_hash and password is None:
        report.notes.append(f"{where}: the password is not a bcrypt hash: unusable password")
    born = row.get("dateOfBirth")
    created = row.get("createdAt") if isinstance(row.get("createdAt"), dt.datetime) else None
    fields = {
        "email": email,
        "first_name": str(row.get("firstName") or "")[:150],
        "last_name": str(row.get("lastName") or "")[:150],
        "phone": str(row.get("phone") or "")[:40],
        "date_of_birth": born.date() if isinstance(born, dt.datetime) else None,
        "service_tier": tier,
        "is_active": active,
        "is_staff": is_staff,
        "email_verified_at": (created or report.now) if row.get("emailVerified") else None,
        "last_login": row.get("lastLogin")
        if isinstance(row.get("lastLogin"), dt.datetime)
        else None,
    }
    if created:
        fields["date_joined"] = created
    return UserPlan(legacy_id=oid, email=email, fields=fields, password=password, groups=groups)
