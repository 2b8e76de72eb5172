"""The flags' actions, declared once for ``midas launch flags`` and the console's flags page
(``midas.launch.actions``): set a flag, add one, restore the last good state. (A snapshot
stays apart: the console always takes a *good* one in the name of who is signed in, the
command line takes either and needs no operator.)"""

from __future__ import annotations

from django import forms

from midas.flags.models import FlagState
from midas.launch import actors
from midas.launch.actions import Action, ReasonForm
from midas.launch.flags import services


class FlagSetForm(ReasonForm):
    key = forms.SlugField(max_length=40)
    state = forms.ChoiceField(choices=FlagState.choices)
    percent = forms.IntegerField(
        min_value=0, max_value=100, required=False, help_text="for 'percent': 1-100"
    )
    field_order = ["key", "state", "percent", "reason"]


class FlagAddForm(ReasonForm):
    key = forms.SlugField(max_length=40)
    description = forms.CharField(max_length=200, required=False, initial="")
    state = forms.ChoiceField(choices=FlagState.choices, required=False, initial=FlagState.OFF)
    field_order = ["key", "description", "state", "reason"]


def _shown(state: str, percent: int) -> str:
    return f"{state} ({percent}%)" if state == FlagState.PERCENT else state


FLAG_SET = Action(
    command=("flags", "set"),
    help="set KEY to STATE (off, staff, beta, percent, on)",
    perm=actors.FLAGS,
    form=FlagSetForm,
    positional=("key", "state"),
    apply=lambda d, a: services.flag_set(
        key=d["key"], state=d["state"], percent=d["percent"] or 0, actor=a, reason=d["reason"]
    ),
    said=lambda row: f"Flag {row.key}: {_shown(row.state, row.percent)}.",
)
FLAG_ADD = Action(
    command=("flags", "add"),
    help="add a flag that code does not declare yet",
    perm=actors.FLAGS,
    form=FlagAddForm,
    positional=("key",),
    apply=lambda d, a: services.flag_create(
        key=d["key"],
        description=d["description"],
        state=d["state"] or FlagState.OFF,
        actor=a,
        reason=d["reason"],
    ),
    said=lambda row: f"Flag {row.key} added ({row.state}).",
)
FLAGS_RESTORE = Action(
    command=("flags", "restore"),
    help="back to the newest good snapshot",
    perm=actors.FLAGS,
    form=ReasonForm,
    apply=lambda d, a: services.flags_restore_last_good(actor=a, reason=d["reason"]),
    said=lambda restored: "Flags restored: " + ", ".join(f"{k}={v}" for k, v in restored.items()),
)

ACTIONS = [FLAG_SET, FLAG_ADD, FLAGS_RESTORE]
