"""``midas launch team ...``: the launch team's roles and contacts, vendor contacts, and
the staff permission groups."""

from __future__ import annotations

from midas.launch import actors, team_services
from midas.launch.cli import actor_of, add_by
from midas.launch.models import RoleKey
from midas.launch.team_selectors import LEVELS, roles, vendors


def add_commands(sub) -> None:
    team = sub.add_parser("team", help="the launch team: roles, contacts, vendors, groups")
    actions = team.add_subparsers(dest="team_action", required=True)

    show = actions.add_parser("show", help="roles with contacts, vendors")
    show.set_defaults(handler=team_show)

    setting = actions.add_parser("set", help="name ROLE's primary (or --backup) contact")
    setting.add_argument("role", choices=RoleKey.values)
    setting.add_argument("--name", required=True)
    setting.add_argument("--email", default="")
    setting.add_argument("--phone", default="")
    setting.add_argument("--slack", default="")
    setting.add_argument("--backup", action="store_true")
    setting.add_argument("--user", default="", help="the contact's staff account (email)")
    add_by(setting)
    setting.set_defaults(handler=team_set)

    unset = actions.add_parser("unset", help="remove ROLE's primary (or --backup) contact")
    unset.add_argument("role", choices=RoleKey.values)
    unset.add_argument("--backup", action="store_true")
    add_by(unset)
    unset.set_defaults(handler=team_unset)

    vendor = actions.add_parser("vendor", help="set the vendor contact for SERVICE")
    vendor.add_argument("service", help="payments, email, hosting, database, ...")
    vendor.add_argument("vendor")
    vendor.add_argument("--name", default="")
    vendor.add_argument("--email", default="")
    vendor.add_argument("--phone", default="")
    vendor.add_argument("--url", default="")
    vendor.add_argument("--notes", default="")
    add_by(vendor)
    vendor.set_defaults(handler=team_vendor)

    grant = actions.add_parser("grant", help="put a staff account in a permission group")
    grant.add_argument("email")
    grant.add_argument("group", choices=list(actors.GROUPS))
    add_by(grant)
    grant.set_defaults(handler=team_grant)

    groups = actions.add_parser("groups", help="create the permission groups, list them")
    groups.set_defaults(handler=team_groups)


def team_show(options: dict, out) -> int:
    w = out.stdout.write
    rows = roles()
    if not rows:
        w("No roles yet: midas launch plan init --by EMAIL")
    level = None
    for row in rows:
        if row.role.escalation_level != level:
            level = row.role.escalation_level
            w(f"\nLevel {level}: {LEVELS.get(level, '')}")
        w(f"  {row.role.get_key_display()} ({row.role.key})")
        for slot, contact in (("primary", row.primary), ("backup", row.backup)):
            if contact is None:
                w(f"    {slot:<8} -")
                continue
            account = contact.user.email if contact.user else "no staff account"
            w(
                f"    {slot:<8} {contact.name} <{contact.email or '-'}> {contact.phone or '-'} "
                f"{contact.slack_handle or '-'} [{account}]"
            )
    found = vendors()
    if found:
        w("\nVendors")
        for v in found:
            reach = " ".join(x for x in (v.name, v.email, v.phone, v.url) if x) or "-"
            w(f"  {v.service:<10} {v.vendor}: {reach}")
    return 0


def team_set(options: dict, out) -> int:
    contact = team_services.contact_set(
        role=options["role"],
        backup=options["backup"],
        name=options["name"],
        email=options["email"],
        phone=options["phone"],
        slack_handle=options["slack"],
        user_email=options["user"],
        actor=actor_of(options),
    )
    out.stdout.write(f"{contact}: saved.")
    return 0


def team_unset(options: dict, out) -> int:
    team_services.contact_remove(
        role=options["role"], backup=options["backup"], actor=actor_of(options)
    )
    out.stdout.write(f"{options['role']}: {'backup' if options['backup'] else 'primary'} removed.")
    return 0


def team_vendor(options: dict, out) -> int:
    row = team_services.vendor_set(
        service=options["service"],
        vendor=options["vendor"],
        name=options["name"],
        email=options["email"],
        phone=options["phone"],
        url=options["url"],
        notes=options["notes"],
        actor=actor_of(options),
    )
    out.stdout.write(f"{row.service}: {row.vendor} saved.")
    return 0


def team_grant(options: dict, out) -> int:
    team_services.staff_grant(
        user=options["email"], group=options["group"], actor=actor_of(options)
    )
    out.stdout.write(f"{options['email']} is in the {options['group']} group.")
    return 0


def team_groups(options: dict, out) -> int:
    from midas.launch.groups import ensure_groups

    for name, group in ensure_groups().items():
        perms = ", ".join(actors.GROUPS[name]) or "no launch permissions"
        out.stdout.write(f"{name:<11} {group.user_set.count()} member(s): {perms}")
    return 0
