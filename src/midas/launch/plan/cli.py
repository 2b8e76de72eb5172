"""``midas launch plan ...``: load, show, check, tick and edit the launch plan, and run or
skip launch day's steps by hand (docs/explanation/launch-plan.md).

``midas launch team ...``: the launch team's roles and contacts, vendor contacts, and
the staff permission groups.

``plan init``, ``plan tick``, ``plan step run|skip``, ``team set|vendor|grant`` are the
actions of ``plan.actions``, which the console runs too."""

from __future__ import annotations

from django.utils import timezone

from midas.launch import actors
from midas.launch.actions import add_commands as add_actions
from midas.launch.cli import actor_of, add_by
from midas.launch.models import ItemStatus
from midas.launch.plan import services as plan_services
from midas.launch.plan import team as team_services
from midas.launch.plan.actions import ACTIONS, item_of, step_of
from midas.launch.plan.selectors import (
    LEVELS,
    checklist,
    parse_local,
    roles,
    rota,
    schedule,
    vendors,
)
from midas.launch.state.selectors import launch_state, local_zone

CLOSED = {ItemStatus.DONE, ItemStatus.NOT_APPLICABLE}


GROUPS = {
    "plan": "the launch plan: checklist and launch day's schedule",
    "plan step": "carry out or skip a step of launch day",
    "team": "the launch team: roles, contacts, vendors, groups",
}


def add_commands(sub) -> None:
    nested = add_actions(sub, ACTIONS, GROUPS)
    actions = nested["plan"]

    show = actions.add_parser("show", help="the checklist and the schedule")
    show.set_defaults(handler=plan_show)

    check = actions.add_parser("check", help="run the automatic checks now")
    check.set_defaults(handler=plan_check)

    edit = actions.add_parser("edit", help="change an item's title, owner, due time, detail")
    edit.add_argument("key")
    edit.add_argument("--title")
    edit.add_argument("--owner", help="a role key (coordinator, tech_lead, ...), '' for none")
    edit.add_argument("--due", help="local time 'YYYY-MM-DD HH:MM' in the launch's zone")
    edit.add_argument("--detail")
    edit.add_argument("--reason", default="")
    add_by(edit)
    edit.set_defaults(handler=plan_edit)

    edit_step = nested["plan step"].add_parser("edit", help="move, rename or (un)automate step KEY")
    edit_step.add_argument("key")
    edit_step.add_argument("--at", help="'HH:MM' on launch day or 'YYYY-MM-DD HH:MM', local")
    edit_step.add_argument("--title")
    mode = edit_step.add_mutually_exclusive_group()
    mode.add_argument("--auto", dest="automatic", action="store_true", default=None)
    mode.add_argument("--by-hand", dest="automatic", action="store_false")
    edit_step.add_argument("--reason", default="")
    add_by(edit_step)
    edit_step.set_defaults(handler=step_edit)
    add_team_commands(nested["team"])


def plan_show(options: dict, out) -> int:
    state = launch_state(fresh=True)
    zone, now = local_zone(state), timezone.now()
    w = out.stdout.write
    w(f"Launch day: {state.launch_date or 'not set'} ({state.timezone})")
    sections = checklist()
    if not sections:
        w("No plan loaded: midas launch plan init --date YYYY-MM-DD --by EMAIL")
        return 0
    for section in sections:
        w(f"\n{section.name}  [{section.done}/{len(section.items)}]")
        for item in section.items:
            due = f"{item.due_at.astimezone(zone):%a %m-%d %H:%M}" if item.due_at else "-"
            if item.due_at and item.due_at < now and item.status not in CLOSED:
                due += " OVERDUE"
            owner = item.owner_role.label if item.owner_role else "-"
            auto = f" auto:{item.auto_check}" if item.auto_check else ""
            w(
                f"  [{item.get_status_display():<14}] {item.key:<32} {item.title}"
                f"  (owner {owner}; due {due}{auto})"
            )
            if item.evidence:
                who = f" — {item.checked_by.email}" if item.checked_by else ""
                w(f"      evidence: {item.evidence}{who}")
    rows = schedule(state)
    w("\nLaunch day" + (f" {state.launch_date}" if state.launch_date else ""))
    if not rows:
        w("  no schedule (set the launch date: midas launch plan init --date ...)")
    for row in rows:
        step = row.step
        kind = "auto" if step.automatic else "by hand"
        status = "running" if row.running else step.get_status_display()
        w(
            f"  {row.local:%H:%M %Z} ({row.utc:%H:%M} UTC)  [{status:<8}] {step.key:<24} "
            f"{step.title} ({kind})"
        )
        if step.outcome and not row.running:
            w(f"      {step.outcome}")
    return 0


def plan_check(options: dict, out) -> int:
    changed = plan_services.checks_run()
    for item in changed:
        out.stdout.write(f"{item.key}: {item.get_status_display()} — {item.evidence}")
    failing = sum(
        1
        for section in checklist()
        for item in section.items
        if item.auto_check and item.status == ItemStatus.FAILED
    )
    out.stdout.write(f"{len(changed)} item(s) changed; {failing} automatic item(s) failing.")
    return 0


def plan_edit(options: dict, out) -> int:
    actor = actor_of(options)
    due = parse_local(options["due"]) if options.get("due") else None
    item = plan_services.item_update(
        item=item_of(options["key"]),
        actor=actor,
        reason=options["reason"],
        title=options.get("title"),
        owner_role=options.get("owner"),
        due_at=due,
        detail=options.get("detail"),
    )
    out.stdout.write(f"{item.key}: saved.")
    return 0


def step_edit(options: dict, out) -> int:
    actor = actor_of(options)
    step = plan_services.step_update(
        step=step_of(options["key"]),
        actor=actor,
        reason=options["reason"],
        at=parse_local(options["at"]) if options.get("at") else None,
        title=options.get("title"),
        automatic=options.get("automatic"),
    )
    zone = local_zone(launch_state(fresh=True))
    out.stdout.write(f"{step.key}: {step.at.astimezone(zone):%Y-%m-%d %H:%M %Z} saved.")
    return 0


def add_team_commands(actions) -> None:
    show = actions.add_parser("show", help="roles with contacts, vendors")
    show.set_defaults(handler=team_show)

    unset = actions.add_parser("unset", help="remove ROLE's primary (or --backup) contact")
    unset.add_argument("role", help="the role's key (midas launch team show)")
    unset.add_argument("--backup", action="store_true")
    add_by(unset)
    unset.set_defaults(handler=team_unset)

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
        signs = ", signs the go/no-go" if row.role.signs_gonogo else ""
        w(f"  {row.role.label} ({row.role.key}{signs})")
        for slot, contact in (("primary", row.primary), ("backup", row.backup)):
            if contact is None:
                w(f"    {slot:<8} -")
                continue
            account = contact.user.email if contact.user else "no staff account"
            w(
                f"    {slot:<8} {contact.name} <{contact.email or '-'}> {contact.phone or '-'} "
                f"{contact.slack_handle or '-'}"
                f"{f' ({contact.slack_user_id})' if contact.slack_user_id else ''} [{account}]"
            )
    found = vendors()
    if found:
        w("\nVendors")
        for v in found:
            reach = " ".join(x for x in (v.name, v.email, v.phone, v.url) if x) or "-"
            w(f"  {v.service:<10} {v.vendor}: {reach}")
            if v.used_for:
                w(f"  {'':<10} used for: {v.used_for}")
    shifts = rota()
    if shifts:
        zone = local_zone(launch_state(fresh=True))
        w("\nCustomer-service rota")
        for shift in shifts:
            reach = " ".join(x for x in (shift.email, shift.phone) if x) or "-"
            w(
                f"  #{shift.pk:<4} {shift.starts_at.astimezone(zone):%a %d %b %H:%M} to "
                f"{shift.ends_at.astimezone(zone):%a %d %b %H:%M %Z}  {shift.name} {reach}"
            )
    return 0


def team_unset(options: dict, out) -> int:
    team_services.contact_remove(
        role=options["role"], backup=options["backup"], actor=actor_of(options)
    )
    out.stdout.write(f"{options['role']}: {'backup' if options['backup'] else 'primary'} removed.")
    return 0


def team_groups(options: dict, out) -> int:
    from midas.launch.plan.groups import ensure_groups

    for name, group in ensure_groups().items():
        perms = ", ".join(actors.GROUPS[name]) or "no launch permissions"
        out.stdout.write(f"{name:<11} {group.user_set.count()} member(s): {perms}")
    return 0
