"""``midas launch plan ...``: load, show, check, tick and edit the launch plan, and run or
skip launch day's steps by hand (docs/explanation/launch-plan.md).

``midas launch team ...``: the launch team's roles and contacts, vendor contacts, and
the staff permission groups."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.cli import actor_of, add_by
from midas.launch.models import ItemStatus, RoleKey, StepStatus
from midas.launch.plan import services as plan_services
from midas.launch.plan import team as team_services
from midas.launch.plan.selectors import (
    LEVELS,
    checklist,
    item_by_key,
    parse_local,
    roles,
    schedule,
    step_by_key,
    vendors,
)
from midas.launch.state.selectors import launch_state, local_zone

CLOSED = {ItemStatus.DONE, ItemStatus.NOT_APPLICABLE}


def add_commands(sub) -> None:
    plan = sub.add_parser("plan", help="the launch plan: checklist and launch day's schedule")
    actions = plan.add_subparsers(dest="plan_action", required=True)

    init = actions.add_parser("init", help="load the default plan (what is missing)")
    init.add_argument("--date", type=dt.date.fromisoformat, help="launch day, YYYY-MM-DD")
    init.add_argument(
        "--replace", action="store_true", help="reset open items and pending steps to the plan"
    )
    add_by(init)
    init.set_defaults(handler=plan_init)

    show = actions.add_parser("show", help="the checklist and the schedule")
    show.set_defaults(handler=plan_show)

    check = actions.add_parser("check", help="run the automatic checks now")
    check.set_defaults(handler=plan_check)

    tick = actions.add_parser("tick", help="set a checklist item's status, with a note")
    tick.add_argument("key")
    tick.add_argument("--status", default="done", choices=ItemStatus.values)
    tick.add_argument("--note", required=True)
    tick.add_argument("--override", action="store_true", help="overrule the item's automatic check")
    add_by(tick)
    tick.set_defaults(handler=plan_tick)

    edit = actions.add_parser("edit", help="change an item's title, owner, due time, detail")
    edit.add_argument("key")
    edit.add_argument("--title")
    edit.add_argument("--owner", help="a role key (coordinator, tech_lead, ...), '' for none")
    edit.add_argument("--due", help="local time 'YYYY-MM-DD HH:MM' in the launch's zone")
    edit.add_argument("--detail")
    edit.add_argument("--reason", default="")
    add_by(edit)
    edit.set_defaults(handler=plan_edit)

    step = actions.add_parser("step", help="carry out or skip a step of launch day")
    step_actions = step.add_subparsers(dest="step_action", required=True)
    run = step_actions.add_parser("run", help="carry out step KEY now")
    run.add_argument("key")
    add_by(run)
    run.set_defaults(handler=step_run)
    edit_step = step_actions.add_parser("edit", help="move, rename or (un)automate step KEY")
    edit_step.add_argument("key")
    edit_step.add_argument("--at", help="'HH:MM' on launch day or 'YYYY-MM-DD HH:MM', local")
    edit_step.add_argument("--title")
    mode = edit_step.add_mutually_exclusive_group()
    mode.add_argument("--auto", dest="automatic", action="store_true", default=None)
    mode.add_argument("--by-hand", dest="automatic", action="store_false")
    edit_step.add_argument("--reason", default="")
    add_by(edit_step)
    edit_step.set_defaults(handler=step_edit)
    skip = step_actions.add_parser("skip", help="skip step KEY")
    skip.add_argument("key")
    skip.add_argument("--reason", required=True)
    add_by(skip)
    skip.set_defaults(handler=step_skip)
    add_team_commands(sub)


def _item(key: str):
    item = item_by_key(key)
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No checklist item {key!r} (midas launch plan show).")
    return item


def _step(key: str):
    step = step_by_key(key)
    if step is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No schedule step {key!r} (midas launch plan show).")
    return step


def plan_init(options: dict, out) -> int:
    summary = plan_services.plan_init(
        actor=actor_of(options), launch_date=options.get("date"), replace=options["replace"]
    )
    w = out.stdout.write
    w(f"Launch day: {summary.launch_date or 'not set'}")
    w(
        f"Loaded {summary.items} item(s), {summary.steps} step(s), {summary.roles} role(s), "
        f"{summary.vendors} vendor(s); re-timed {summary.retimed}; reset {summary.reset}."
    )
    for note in summary.notes:
        w(f"Note: {note}")
    return 0


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
            owner = item.owner_role.get_key_display() if item.owner_role else "-"
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


def plan_tick(options: dict, out) -> int:
    item = plan_services.item_tick(
        item=_item(options["key"]),
        actor=actor_of(options),
        status=options["status"],
        note=options["note"],
        override=options["override"],
    )
    out.stdout.write(f"{item.title}: {item.get_status_display()}.")
    return 0


def plan_edit(options: dict, out) -> int:
    actor = actor_of(options)
    due = parse_local(options["due"]) if options.get("due") else None
    item = plan_services.item_update(
        item=_item(options["key"]),
        actor=actor,
        reason=options["reason"],
        title=options.get("title"),
        owner_role=options.get("owner"),
        due_at=due,
        detail=options.get("detail"),
    )
    out.stdout.write(f"{item.key}: saved.")
    return 0


def step_run(options: dict, out) -> int:
    step = plan_services.step_run(step=_step(options["key"]), actor=actor_of(options))
    out.stdout.write(f"{step.title}: {step.get_status_display()} — {step.outcome}")
    return 0 if step.status == StepStatus.DONE else 1


def step_edit(options: dict, out) -> int:
    actor = actor_of(options)
    step = plan_services.step_update(
        step=_step(options["key"]),
        actor=actor,
        reason=options["reason"],
        at=parse_local(options["at"]) if options.get("at") else None,
        title=options.get("title"),
        automatic=options.get("automatic"),
    )
    zone = local_zone(launch_state(fresh=True))
    out.stdout.write(f"{step.key}: {step.at.astimezone(zone):%Y-%m-%d %H:%M %Z} saved.")
    return 0


def step_skip(options: dict, out) -> int:
    step = plan_services.step_skip(
        step=_step(options["key"]), actor=actor_of(options), reason=options["reason"]
    )
    out.stdout.write(f"{step.title}: skipped.")
    return 0


def add_team_commands(sub) -> None:
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
    from midas.launch.plan.groups import ensure_groups

    for name, group in ensure_groups().items():
        perms = ", ".join(actors.GROUPS[name]) or "no launch permissions"
        out.stdout.write(f"{name:<11} {group.user_set.count()} member(s): {perms}")
    return 0
