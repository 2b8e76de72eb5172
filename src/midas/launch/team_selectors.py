"""Reads of the launch team: roles with their contacts, who to tell at each escalation
level, vendor contacts."""

from __future__ import annotations

from dataclasses import dataclass

from midas.launch.models import LaunchContact, LaunchRole, RoleKey, VendorContact

LEVELS = {1: "Technical team", 2: "Management", 3: "Executive team"}


@dataclass(frozen=True)
class RoleRow:
    role: LaunchRole
    primary: LaunchContact | None
    backup: LaunchContact | None


def roles() -> list[RoleRow]:
    """Every role of the plan (loaded by ``plan init``), by escalation level, with its
    primary and backup contact (None when not named yet)."""
    contacts = {(c.role_id, c.backup): c for c in LaunchContact.objects.select_related("user")}
    return [
        RoleRow(role, contacts.get((role.pk, False)), contacts.get((role.pk, True)))
        for role in LaunchRole.objects.all()
    ]


def role_by_key(key: str) -> LaunchRole | None:
    return LaunchRole.objects.filter(key=key).first()


def level_contacts(level: int) -> list[LaunchContact]:
    """The people told at escalation ``level`` (1 technical team, 2 management, 3
    executive): the primary then the backup of every role at exactly that level. Levels
    add up: whoever escalates to level 2 has already told level 1."""
    return list(
        LaunchContact.objects.filter(role__escalation_level=level)
        .select_related("role", "user")
        .order_by("backup", "role__key", "name")
    )


def contact_emails(level: int) -> list[str]:
    """The addresses of ``level_contacts(level)``: the contact's email, else the linked
    staff account's; de-duplicated, in order."""
    seen: list[str] = []
    for contact in level_contacts(level):
        email = contact.email or (contact.user.email if contact.user else "")
        if email and email.lower() not in {s.lower() for s in seen}:
            seen.append(email)
    return seen


def vendors() -> list[VendorContact]:
    return list(VendorContact.objects.all())


def role_label(key: str) -> str:
    return RoleKey(key).label if key in RoleKey.values else key
