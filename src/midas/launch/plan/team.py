"""Writes of the launch team: roles (data: the plan's, loaded by ``plan init``, and any the
team adds with ``role_set``), primary and backup contacts, the customer-service rota's
shifts, vendor contacts, and staff permission groups. Each checks ``actors.PLAN`` (granting a
group too), records the change and, for contacts and grants, tells the launch channel.

``level_contacts(level)`` (who to tell at an escalation level) lives in ``plan.selectors``
and is re-exported here for the escalation code.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import record
from midas.launch.channel import announce
from midas.launch.models import LaunchContact, LaunchRole, RoleKey, RotaShift, VendorContact
from midas.launch.plan.data import PLACEHOLDER_VENDORS, ROLES, VENDORS
from midas.launch.plan.selectors import level_contacts
from midas.notifications.slack import SLACK_USER_ID
from midas.notifications.sms import normalize_e164

__all__ = [
    "contact_remove",
    "contact_set",
    "level_contacts",
    "role_set",
    "roles_ensure",
    "shift_add",
    "shift_remove",
    "staff_grant",
    "staff_revoke",
    "vendor_set",
]

SERVICES = ("payments", "email", "hosting", "database")


def roles_ensure() -> int:
    """Create the plan's roles that are missing (call inside the caller's transaction);
    returns how many were created. Existing roles keep their edited text, level and
    signing."""
    created = 0
    for spec in ROLES:
        _, made = LaunchRole.objects.get_or_create(
            key=spec.key,
            defaults={
                "name": RoleKey(spec.key).label,
                "responsibilities": spec.responsibilities,
                "escalation_level": spec.escalation_level,
                "signs_gonogo": spec.signs_gonogo,
            },
        )
        created += made
    return created


def vendors_ensure() -> int:
    """The plan's vendors for the services that have none; an untouched placeholder of an
    earlier plan ("Hosting provider") becomes the plan's vendor. Returns how many changed."""
    changed = 0
    for spec in VENDORS:
        rows = VendorContact.objects.filter(service=spec["service"])
        placeholder = rows.filter(vendor__in=PLACEHOLDER_VENDORS, name="", email="").first()
        if placeholder is not None:
            for field, value in spec.items():
                setattr(placeholder, field, value)
            placeholder.notes = ""
            placeholder.save()
            changed += 1
        elif not rows.exists():
            VendorContact.objects.create(**spec)
            changed += 1
    return changed


ROLE_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")


def role_get(key: str) -> LaunchRole:
    """The role ``key`` (the plan's roles are made on first use), or INVALID_INPUT naming
    the roles there are."""
    key = (key or "").strip().lower()
    roles_ensure()
    role = LaunchRole.objects.filter(key=key).first()
    if role is None:
        known = ", ".join(LaunchRole.objects.order_by("key").values_list("key", flat=True))
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Unknown role {key!r}: one of {known}, or add it (midas launch team role "
            f"{key or 'KEY'} --name ...).",
            field="role",
        )
    return role


@transaction.atomic
def role_set(
    *,
    key: str,
    actor: Actor,
    name: str | None = None,
    responsibilities: str | None = None,
    escalation_level: int | None = None,
    signs_gonogo: bool | None = None,
) -> LaunchRole:
    """Add a role to the launch team, or change one (``None``: leave as it is). Levels:
    1 technical, 2 management, 3 executive (told when an incident opens, at 15 and at 30
    minutes), 0 on call and never paged by escalation."""
    actors.require(actor, actors.PLAN)
    key = (key or "").strip().lower()
    if not ROLE_KEY.fullmatch(key):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"A role key is lower-case letters, digits and _ (at most 32), got {key!r}.",
            field="key",
        )
    if escalation_level is not None and escalation_level not in (0, 1, 2, 3):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "The escalation level is 1, 2 or 3 (0: never paged by escalation).",
            field="level",
        )
    roles_ensure()
    role = LaunchRole.objects.select_for_update().filter(key=key).first()
    created = role is None
    if role is None:
        if not (name or "").strip():
            raise AppError(ErrorCode.INVALID_INPUT, "Name the new role.", field="name")
        role = LaunchRole(key=key)
    before = None if created else _role_fields(role)
    if name is not None:
        role.name = _text(name, 80, "name")
    if responsibilities is not None:
        role.responsibilities = (responsibilities or "").strip()
    if escalation_level is not None:
        role.escalation_level = escalation_level
    if signs_gonogo is not None:
        role.signs_gonogo = signs_gonogo
    role.save()
    record(
        "launch.team.role_set",
        actor=actor,
        role=key,
        created=created,
        before=before,
        after=_role_fields(role),
    )
    announce(
        event="launch.team.role_set",
        text=f"Launch team role {'added' if created else 'changed'}: {role.label}"
        f" (level {role.escalation_level}{', signs the go/no-go' if role.signs_gonogo else ''})",
        fields={"by": actor.label},
    )
    return role


def _role_fields(role: LaunchRole) -> dict:
    return {
        "name": role.name,
        "level": role.escalation_level,
        "signs_gonogo": role.signs_gonogo,
    }


def _clean_email(value: str, field: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise AppError(
                ErrorCode.INVALID_INPUT, f"Not an email address: {value!r}.", field=field
            ) from exc
    return value


def _text(value: str, limit: int, field: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"{field} is at most {limit} characters.", field=field
        )
    return value


def _slack_user_id(value: str) -> str:
    """A Slack member id (``U0123ABCD``, ``W…`` for Enterprise Grid), as Slack shows it in a
    profile's "Copy member ID"; empty is allowed (the handle is then shown as plain text)."""
    value = (value or "").strip().upper()
    if value and not SLACK_USER_ID.fullmatch(value):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Not a Slack member id: {value!r} (it looks like U0123ABCD: profile → ⋮ → "
            "Copy member ID).",
            field="slack_id",
        )
    return value


def _phone(value: str) -> str:
    """A contact's mobile number in E.164 (``+12025550143``), what an SMS page is sent to;
    empty when not given."""
    value = _text(value, 40, "phone")
    if not value:
        return ""
    try:
        return normalize_e164(value)
    except ValueError as exc:
        raise AppError(ErrorCode.INVALID_INPUT, f"{exc}.", field="phone") from None


def _staff(who, field: str = "user"):
    """A staff account, given as a User or its email address."""
    if isinstance(who, get_user_model()):
        user, email = get_user_model().objects.filter(pk=who.pk).first(), who.email
    else:
        email = (who or "").strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None or not (user.is_active and user.is_staff):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"{email} is not an active staff account (make it staff in the back office first).",
            field=field,
        )
    return user


@transaction.atomic
def contact_set(
    *,
    role: str,
    actor: Actor,
    name: str,
    backup: bool = False,
    email: str = "",
    phone: str = "",
    slack_handle: str = "",
    user_email: str = "",
    slack_user_id: str = "",
) -> LaunchContact:
    """Name the primary (or ``backup``) contact of ``role``, replacing whoever held it.
    ``user_email`` links a staff account (what the escalation and sign-offs go by);
    ``phone``, a mobile number in international form, is stored in E.164 (escalation SMS go
    to it) and refused otherwise."""
    actors.require(actor, actors.PLAN)
    role_row = role_get(role)
    role = role_row.key
    name = _text(name, 120, "name")
    if not name:
        raise AppError(ErrorCode.INVALID_INPUT, "Give the contact's name.", field="name")
    email = _clean_email(email, "email")
    phone = _phone(phone)
    slack_handle = _text(slack_handle, 80, "slack")
    slack_user_id = _slack_user_id(slack_user_id)
    user = _staff(user_email) if (user_email or "").strip() else None
    contact, created = LaunchContact.objects.select_for_update().get_or_create(
        role=role_row,
        backup=backup,
        defaults={"name": name},
    )
    before = None if created else {"name": contact.name, "email": contact.email}
    contact.name, contact.email, contact.phone = name, email or (user.email if user else ""), phone
    contact.slack_handle, contact.user = slack_handle, user
    contact.slack_user_id = slack_user_id
    contact.save(
        update_fields=[
            "name",
            "email",
            "phone",
            "slack_handle",
            "slack_user_id",
            "user",
            "updated_at",
        ]
    )
    slot = "backup" if backup else "primary"
    record(
        "launch.team.contact_set",
        actor=actor,
        role=role,
        slot=slot,
        name=name,
        email=contact.email,
        user=user.email if user else None,
        before=before,
    )
    announce(
        event="launch.team.contact_set",
        text=f"{role_row.label} ({slot}): {name}",
        fields={"by": actor.label},
    )
    return contact


@transaction.atomic
def contact_remove(*, role: str, actor: Actor, backup: bool = False) -> None:
    actors.require(actor, actors.PLAN)
    contact = LaunchContact.objects.filter(role__key=role, backup=backup).first()
    if contact is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No {'backup' if backup else 'primary'} for {role}.")
    record(
        "launch.team.contact_removed",
        actor=actor,
        role=role,
        slot="backup" if backup else "primary",
        name=contact.name,
    )
    contact.delete()


@transaction.atomic
def vendor_set(
    *,
    service: str,
    vendor: str,
    actor: Actor,
    name: str = "",
    email: str = "",
    phone: str = "",
    url: str = "",
    notes: str = "",
    used_for: str | None = None,
) -> VendorContact:
    """The vendor contact for ``service`` (payments, email, hosting, database, or another
    word): one per service and vendor name, updated in place. ``used_for`` says what Midas
    uses it for (``None``: kept as it is)."""
    actors.require(actor, actors.PLAN)
    service = _text(service, 32, "service").lower()
    vendor = _text(vendor, 80, "vendor")
    if not service or not vendor:
        raise AppError(ErrorCode.INVALID_INPUT, "Name the service and the vendor.", field="vendor")
    email = _clean_email(email, "email")
    url = _text(url, 200, "url")
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise AppError(ErrorCode.INVALID_INPUT, f"Not a URL: {url!r}.", field="url") from exc
    vendors_ensure()  # the plan's vendors are preset (as the plan's roles are)
    row = (
        VendorContact.objects.select_for_update()
        .filter(service=service, vendor__iexact=vendor)
        .first()
    )
    if row is None:
        # the plan's placeholder for this service ("Hosting provider") is named now
        row = VendorContact.objects.filter(
            service=service,
            vendor__in=[*PLACEHOLDER_VENDORS, *(v["vendor"] for v in VENDORS)],
            name="",
            email="",
        ).first() or VendorContact(service=service)
    row.vendor, row.name, row.email = vendor, _text(name, 120, "name"), email
    row.phone, row.url, row.notes = _text(phone, 40, "phone"), url, (notes or "").strip()
    if used_for is not None:
        row.used_for = _text(used_for, 200, "used_for")
    row.save()
    record("launch.team.vendor_set", actor=actor, service=service, vendor=vendor)
    return row


@transaction.atomic
def staff_grant(*, user, group: str, actor: Actor) -> None:
    """Put a staff account (a User or an email) in a launch permission group."""
    from django.contrib.auth.models import Group

    from midas.launch.plan.groups import ensure_groups

    actors.require(actor, actors.PLAN)
    if group not in actors.GROUPS:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Unknown group {group!r}: one of {', '.join(actors.GROUPS)}.",
            field="group",
        )
    user = _staff(user)
    ensure_groups()
    user.groups.add(Group.objects.get(name=group))
    record("launch.team.granted", actor=actor, user=user.email, group=group)
    announce(
        event="launch.team.granted",
        text=f"{user.email} joined the {group} group",
        fields={"by": actor.label},
    )


@transaction.atomic
def staff_revoke(*, user, group: str, actor: Actor) -> None:
    from django.contrib.auth.models import Group

    actors.require(actor, actors.PLAN)
    if group not in actors.GROUPS:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown group {group!r}.", field="group")
    user = _staff(user)
    user.groups.remove(*Group.objects.filter(name=group))
    record("launch.team.revoked", actor=actor, user=user.email, group=group)


@transaction.atomic
def shift_add(
    *,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor: Actor,
    email: str = "",
    phone: str = "",
    role: str = RoleKey.CS_LEAD,
) -> RotaShift:
    """Put someone on the customer-service rota (or ``role``'s) from ``starts_at`` to
    ``ends_at``. A shift is at most 24 hours; overlapping shifts are allowed (the plan's
    five representatives work side by side)."""
    actors.require(actor, actors.PLAN)
    role_row = role_get(role)
    name = _text(name, 120, "name")
    if not name:
        raise AppError(ErrorCode.INVALID_INPUT, "Say who is on the shift.", field="name")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise AppError(ErrorCode.INVALID_INPUT, "Give the shift's times with a zone.")
    if not starts_at < ends_at <= starts_at + dt.timedelta(hours=24):
        raise AppError(
            ErrorCode.INVALID_RANGE,
            "A shift ends after it starts, at most 24 hours later.",
            field="to",
        )
    shift = RotaShift.objects.create(
        role=role_row,
        name=name,
        email=_clean_email(email, "email"),
        phone=_text(phone, 40, "phone"),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    record(
        "launch.team.shift_added",
        actor=actor,
        shift=shift.pk,
        role=role_row.key,
        name=name,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
    )
    return shift


@transaction.atomic
def shift_remove(*, shift_id: int, actor: Actor) -> None:
    actors.require(actor, actors.PLAN)
    shift = RotaShift.objects.filter(pk=shift_id).first()
    if shift is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No rota shift #{shift_id}.")
    record(
        "launch.team.shift_removed",
        actor=actor,
        shift=shift.pk,
        name=shift.name,
        starts_at=shift.starts_at.isoformat(),
    )
    shift.delete()
