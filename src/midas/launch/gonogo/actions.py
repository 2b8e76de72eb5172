"""The go/no-go's actions, declared once for ``midas launch gonogo`` and the console's
go/no-go pages (``midas.launch.actions``): keep a decision record, sign a record for a
launch role.

Keeping a record stays a flag on the command line (``gonogo --record``, which prints the
record as the evaluation is printed) and a button in the console; it takes no input. The
record to sign is a positional argument on the command line and comes from the URL in the
console; the verdict is ``--approve | --reject`` on the command line. The role is plain text
on both sides: the service refuses an unknown one (``invalid_input``), and who may sign for a
role is the service's to decide (``gonogo.selectors.may_sign``), so the action's permission
is only the launch's view."""

from __future__ import annotations

from typing import Any

from django import forms

from midas.launch import actors
from midas.launch.actions import Action, ReasonForm
from midas.launch.gonogo import selectors, services
from midas.launch.models import SignOff, Waiver


class RecordForm(forms.Form):
    """Keeping a record takes no input: it evaluates as of now."""


class SignForm(forms.Form):
    id = forms.CharField(max_length=20, help_text="the record's id (gonogo list)")
    role = forms.CharField(help_text="a launch role's key (coordinator, tech_lead, ...)")
    verdict = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(
        max_length=1000, required=False, initial="", help_text="why (a rejection needs one)"
    )


def _sign(data: dict[str, Any], actor: actors.Actor) -> SignOff:
    return services.signoff_add(
        record=selectors.record_get(data["id"]),
        role_key=data["role"],
        actor=actor,
        approve=data["verdict"] == "approve",
        note=data["note"],
    )


def _signed(signoff: SignOff) -> str:
    verb = "approved" if signoff.approve else "rejected"
    return f"{signoff.role} {verb} record #{signoff.record_id}."


GONOGO_RECORD = Action(
    command=("gonogo",),
    help="keep the decision record",
    perm=actors.PLAN,
    form=RecordForm,
    apply=lambda d, a: services.gonogo_record(actor=a),
    said=lambda record: f"Record #{record.pk} kept: {record.get_decision_display()}.",
    exit_code=lambda record: 0 if record.decision == "go" else 1,
)
SIGNOFF_ADD = Action(
    command=("gonogo", "sign"),
    help="sign a record for a launch role",
    perm=actors.VIEW,
    form=SignForm,
    positional=("id",),
    switches=("verdict",),
    apply=_sign,
    said=_signed,
)


class WaiveForm(ReasonForm):
    criterion = forms.CharField(
        max_length=100, help_text="a criterion's key (burn_rate, freeze, checklist:<item>, ...)"
    )
    minutes = forms.IntegerField(
        min_value=1, max_value=1440, help_text="how long it holds (at most 1440: a day)"
    )
    field_order = ["criterion", "minutes", "reason"]


class UnwaiveForm(ReasonForm):
    id = forms.CharField(max_length=20, help_text="the waiver's id (gonogo waivers)")
    field_order = ["id", "reason"]


def _waived(waiver: Waiver) -> str:
    return f"Waiver #{waiver.pk}: {waiver.criterion} {waiver.said()}."


WAIVER_ADD = Action(
    command=("gonogo", "waive"),
    help="waive a failing criterion for a while (its owner only)",
    perm=actors.VIEW,  # who may is the criterion's owner: the service decides
    form=WaiveForm,
    positional=("criterion",),
    apply=lambda d, a: services.waiver_add(
        criterion=d["criterion"], minutes=d["minutes"], reason=d["reason"], actor=a
    ),
    said=_waived,
)
WAIVER_WITHDRAW = Action(
    command=("gonogo", "unwaive"),
    help="withdraw a waiver before it expires",
    perm=actors.VIEW,
    form=UnwaiveForm,
    positional=("id",),
    apply=lambda d, a: services.waiver_withdraw(
        waiver=selectors.waiver_get(d["id"]), reason=d["reason"], actor=a
    ),
    said=lambda waiver: f"Waiver #{waiver.pk} of {waiver.criterion} withdrawn.",
)

ACTIONS = [GONOGO_RECORD, SIGNOFF_ADD, WAIVER_ADD, WAIVER_WITHDRAW]
