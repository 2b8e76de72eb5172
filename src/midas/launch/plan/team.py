"""Writes of the launch team: roles (loaded by ``plan init``), primary and backup contacts,
vendor contacts, and staff permission groups. Each checks ``actors.PLAN`` (granting a
group too), records the change and, for contacts and grants, tells the launch channel.

``level_contacts(level)`` (who to tell at an escalation level) lives in ``plan.selectors``
and is re-exported here for the escalation code.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import record
from midas.launch.channel import announce
from midas.launch.models import LaunchContact, LaunchRole, RoleKey, VendorContact
from midas.launch.plan.data import ROLES, VENDORS
from midas.launch.plan.selectors import level_contacts
from midas.notifications.slack import SLACK_USER_ID

__all__ = [
    "contact_remove",
    "contact_set",
    "level_contacts",
    "roles_ensure",
    "staff_grant",
    "staff_revoke",
    "vendor_set",
]

SERVICES = ("payments", "email", "hosting", "database")


def roles_ensure() -> int:
    """Create the plan's roles that are missing (call inside the caller's transaction);
    returns how many were created. Existing roles keep their edited text and level."""
    created = 0
    for spec in ROLES:
        _, made = LaunchRole.objects.get_or_create(
            key=spec.key,
            defaults={
                "responsibilities": spec.responsibilities,
                "escalation_level": spec.escalation_level,
            },
        )
        created += made
    return created


def vendors_ensure() -> int:
    created = 0
    for spec in VENDORS:
        if not VendorContact.objects.filter(service=spec["service"]).exists():
            VendorContact.objects.create(**spec)
            created += 1
    return created


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
    ``user_email`` links a staff account (what the escalation and sign-offs go by)."""
    actors.require(actor, actors.PLAN)
    if role not in RoleKey.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown role {role!r}.", field="role")
    name = _text(name, 120, "name")
    if not name:
        raise AppError(ErrorCode.INVALID_INPUT, "Give the contact's name.", field="name")
    email = _clean_email(email, "email")
    phone = _text(phone, 40, "phone")
    slack_handle = _text(slack_handle, 80, "slack")
    slack_user_id = _slack_user_id(slack_user_id)
    user = _staff(user_email) if (user_email or "").strip() else None
    roles_ensure()
    role_row = LaunchRole.objects.get(key=role)
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
        text=f"{RoleKey(role).label} ({slot}): {name}",
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
) -> VendorContact:
    """The vendor contact for ``service`` (payments, email, hosting, database, or another
    word): one per service and vendor name, updated in place."""
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
    row = (
        VendorContact.objects.select_for_update()
        .filter(service=service, vendor__iexact=vendor)
        .first()
    )
    if row is None:
        # the plan's placeholder for this service ("Hosting provider") is named now
        row = VendorContact.objects.filter(
            service=service, vendor__in=[v["vendor"] for v in VENDORS], name="", email=""
        ).first() or VendorContact(service=service)
    row.vendor, row.name, row.email = vendor, _text(name, 120, "name"), email
    row.phone, row.url, row.notes = _text(phone, 40, "phone"), url, (notes or "").strip()
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
