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
    role = forms.ChoiceField(choices=RoleKey.choices)
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
    apply=lambda d, a: team_services.vendor_set(actor=a, **d),
    said=lambda row: f"{row.service}: {row.vendor} saved.",
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

ACTIONS = [PLAN_INIT, ITEM_TICK, STEP_RUN, STEP_SKIP, CONTACT_SET, VENDOR_SET, STAFF_GRANT]
