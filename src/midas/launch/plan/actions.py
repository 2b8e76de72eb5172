"""The plan's and the team's actions, declared once for ``midas launch plan|team`` and the
console's plan and team pages (``midas.launch.actions``): tick a checklist item, run or skip
a step of launch day, load the plan; name a role's contact, a vendor's, put a staff account
in a permission group.

The item or step ``key`` is a positional argument on the command line and comes from the
URL in the console. (Editing an item or a step stays apart: the command line changes only
the options given, the console's form sends every field.)"""

from __future__ import annotations

from typing import Any

from django import forms

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actions import Action
from midas.launch.models import ChecklistItem, ItemStatus, RoleKey, ScheduleStep, StepStatus
from midas.launch.plan import services as plan_services
from midas.launch.plan import team as team_services
from midas.launch.plan.selectors import item_by_key, step_by_key


def item_of(key: str) -> ChecklistItem:
    item = item_by_key(key)
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No checklist item {key!r} (midas launch plan show).")
    return item


def step_of(key: str) -> ScheduleStep:
    step = step_by_key(key)
    if step is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No schedule step {key!r} (midas launch plan show).")
    return step


class TickForm(forms.Form):
    key = forms.SlugField(max_length=64)
    status = forms.ChoiceField(choices=ItemStatus.choices, initial=ItemStatus.DONE)
    note = forms.CharField(max_length=2000)
    override = forms.BooleanField(required=False, help_text="overrule the item's automatic check")


class StepForm(forms.Form):
    key = forms.SlugField(max_length=64)


class SkipForm(StepForm):
    reason = forms.CharField(max_length=500)


class InitForm(forms.Form):
    date = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], help_text="launch day, YYYY-MM-DD"
    )
    replace = forms.BooleanField(
        required=False, help_text="reset open items and pending steps to the plan"
    )


class ContactForm(forms.Form):
    # roles are data: any role of the team (the service refuses an unknown one, naming them)
    role = forms.CharField(max_length=32, help_text="coordinator, ceo, cto, legal, pr, ...")
    name = forms.CharField(max_length=120)
    email = forms.EmailField(required=False, initial="")
    phone = forms.CharField(max_length=40, required=False, initial="")
    slack = forms.CharField(max_length=80, required=False, initial="")
    slack_id = forms.CharField(
        max_length=20,
        required=False,
        initial="",
        help_text="the Slack member id (U0123ABCD), so a mention notifies the person",
    )
    backup = forms.BooleanField(required=False)
    user = forms.EmailField(
        required=False, initial="", help_text="the contact's staff account (email)"
    )


class VendorForm(forms.Form):
    service = forms.CharField(max_length=32, help_text="payments, email, hosting, database, ...")
    vendor = forms.CharField(max_length=80)
    name = forms.CharField(max_length=120, required=False, initial="")
    email = forms.EmailField(required=False, initial="")
    phone = forms.CharField(max_length=40, required=False, initial="")
    url = forms.URLField(required=False, initial="", assume_scheme="https")
    notes = forms.CharField(max_length=2000, required=False, initial="")
    used_for = forms.CharField(
        max_length=200, required=False, help_text="what Midas uses the vendor for"
    )


class RoleForm(forms.Form):
    key = forms.CharField(max_length=32, help_text="e.g. legal, pr, cs_night (lower case)")
    name = forms.CharField(max_length=80, required=False, help_text="shown, e.g. Legal counsel")
    responsibilities = forms.CharField(max_length=2000, required=False)
    level = forms.IntegerField(
        min_value=0,
        max_value=3,
        required=False,
        help_text="escalation: 1 technical, 2 management, 3 executive, 0 not paged",
    )
    signs = forms.ChoiceField(
        choices=[("", "(unchanged)"), ("yes", "yes"), ("no", "no")],
        required=False,
        help_text="signs the go/no-go record",
    )


class ShiftForm(forms.Form):
    name = forms.CharField(max_length=120)
    start = forms.CharField(max_length=20, help_text="YYYY-MM-DD HH:MM, local (the plan's zone)")
    end = forms.CharField(max_length=20, help_text="YYYY-MM-DD HH:MM, local")
    email = forms.EmailField(required=False, initial="")
    phone = forms.CharField(max_length=40, required=False, initial="")
    role = forms.CharField(
        max_length=32, required=False, initial="cs_lead", help_text="the rota's team (cs_lead)"
    )


class ShiftRemoveForm(forms.Form):
    id = forms.IntegerField(min_value=1)


class GrantForm(forms.Form):
    email = forms.EmailField()
    group = forms.ChoiceField(choices=[(g, g) for g in actors.GROUPS])


def _init_said(summary: plan_services.InitSummary) -> str:
    lines = [
        f"Launch day: {summary.launch_date or 'not set'}",
        f"Loaded {summary.items} item(s), {summary.steps} step(s), {summary.roles} role(s), "
        f"{summary.vendors} vendor(s); re-timed {summary.retimed}; reset {summary.reset}.",
    ]
    lines += [f"Note: {note}" for note in summary.notes]
    return "\n".join(lines)


def _role_set(data: dict[str, Any], actor: actors.Actor):
    signs = data.get("signs") or ""
    return team_services.role_set(
        key=data["key"],
        actor=actor,
        name=data.get("name") or None,
        responsibilities=data.get("responsibilities") or None,
        escalation_level=data.get("level"),
        signs_gonogo={"yes": True, "no": False}.get(signs),
    )


def _shift_add(data: dict[str, Any], actor: actors.Actor):
    from midas.launch.plan.selectors import parse_local

    return team_services.shift_add(
        name=data["name"],
        starts_at=parse_local(data["start"]),
        ends_at=parse_local(data["end"]),
        email=data.get("email") or "",
        phone=data.get("phone") or "",
        role=data.get("role") or RoleKey.CS_LEAD,
        actor=actor,
    )


def _shift_said(shift) -> str:
    from midas.launch.state.selectors import launch_state, local_zone

    zone = local_zone(launch_state(fresh=True))
    return (
        f"Rota shift #{shift.pk}: {shift.name}, {shift.starts_at.astimezone(zone):%Y-%m-%d %H:%M}"
        f" to {shift.ends_at.astimezone(zone):%Y-%m-%d %H:%M %Z}."
    )


def _grant(data: dict[str, Any], actor: actors.Actor) -> dict[str, Any]:
    team_services.staff_grant(user=data["email"], group=data["group"], actor=actor)
    return data


ITEM_TICK = Action(
    command=("plan", "tick"),
    help="set a checklist item's status, with a note",
    perm=actors.PLAN,
    form=TickForm,
    positional=("key",),
    apply=lambda d, a: plan_services.item_tick(
        item=item_of(d["key"]), actor=a, status=d["status"], note=d["note"], override=d["override"]
    ),
    said=lambda item: f"{item.title}: {item.get_status_display()}.",
)
STEP_RUN = Action(
    command=("plan", "step", "run"),
    help="carry out step KEY now",
    perm=actors.PLAN,
    form=StepForm,
    positional=("key",),
    apply=lambda d, a: plan_services.step_run(step=step_of(d["key"]), actor=a),
    said=lambda step: f"{step.title}: {step.get_status_display()} — {step.outcome}",
    exit_code=lambda step: 0 if step.status == StepStatus.DONE else 1,
)
STEP_SKIP = Action(
    command=("plan", "step", "skip"),
    help="skip step KEY",
    perm=actors.PLAN,
    form=SkipForm,
    positional=("key",),
    apply=lambda d, a: plan_services.step_skip(step=step_of(d["key"]), actor=a, reason=d["reason"]),
    said=lambda step: f"{step.title}: skipped.",
)
PLAN_INIT = Action(
    command=("plan", "init"),
    help="load the default plan (what is missing)",
    perm=actors.PLAN,
    form=InitForm,
    apply=lambda d, a: plan_services.plan_init(
        actor=a, launch_date=d["date"], replace=d["replace"]
    ),
    said=_init_said,
)
CONTACT_SET = Action(
    command=("team", "set"),
    help="name ROLE's primary (or --backup) contact",
    perm=actors.PLAN,
    form=ContactForm,
    positional=("role",),
    apply=lambda d, a: team_services.contact_set(
        role=d["role"],
        backup=d["backup"],
        name=d["name"],
        email=d["email"],
        phone=d["phone"],
        slack_handle=d["slack"],
        slack_user_id=d["slack_id"],
        user_email=d["user"],
        actor=a,
    ),
    said=lambda contact: f"{contact}: saved.",
)
VENDOR_SET = Action(
    command=("team", "vendor"),
    help="set the vendor contact for SERVICE",
    perm=actors.PLAN,
    form=VendorForm,
    positional=("service", "vendor"),
    # an empty "used for" keeps what the vendor is used for (the plan's text)
    apply=lambda d, a: team_services.vendor_set(
        actor=a, **{**d, "used_for": d.get("used_for") or None}
    ),
    said=lambda row: f"{row.service}: {row.vendor} saved.",
)
ROLE_SET = Action(
    command=("team", "role"),
    help="add a role to the launch team, or change one (name, level, go/no-go signing)",
    perm=actors.PLAN,
    form=RoleForm,
    positional=("key",),
    apply=_role_set,
    said=lambda role: (
        f"{role.label} ({role.key}): level {role.escalation_level}"
        f"{', signs the go/no-go' if role.signs_gonogo else ''}."
    ),
)
SHIFT_ADD = Action(
    command=("team", "shift", "add"),
    help="put someone on the customer-service rota, from START to END (local)",
    perm=actors.PLAN,
    form=ShiftForm,
    positional=("name",),
    apply=_shift_add,
    said=_shift_said,
)
SHIFT_REMOVE = Action(
    command=("team", "shift", "remove"),
    help="take shift ID off the rota",
    perm=actors.PLAN,
    form=ShiftRemoveForm,
    positional=("id",),
    apply=lambda d, a: team_services.shift_remove(shift_id=d["id"], actor=a),
    said=lambda _: "Shift removed.",
)
STAFF_GRANT = Action(
    command=("team", "grant"),
    help="put a staff account in a permission group",
    perm=actors.PLAN,
    form=GrantForm,
    positional=("email", "group"),
    apply=_grant,
    said=lambda d: f"{d['email']} is in the {d['group']} group.",
)

ACTIONS = [
    PLAN_INIT,
    ITEM_TICK,
    STEP_RUN,
    STEP_SKIP,
    CONTACT_SET,
    VENDOR_SET,
    ROLE_SET,
    SHIFT_ADD,
    SHIFT_REMOVE,
    STAFF_GRANT,
]
