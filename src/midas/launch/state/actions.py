"""The launch state's actions, declared once for ``midas launch`` and the console's overview
(``midas.launch.actions``): phase, launch day, gate, ramp, capacity, what triggers do."""

from __future__ import annotations

from typing import Any

from django import forms

from midas.launch import actors
from midas.launch.actions import Action, ReasonForm
from midas.launch.models import GateMode, LaunchState, Phase, TriggerAction
from midas.launch.state import services
from midas.launch.state.selectors import freeze_window

NO_CAP = {"none", "off", "0"}


def override_go_field() -> forms.CharField:
    """The launch coordinator's reason to go ahead without a standing GO (the service decides
    who may, and records it)."""
    return forms.CharField(
        max_length=500,
        required=False,
        initial="",
        label="Override the go/no-go",
        help_text="coordinator only: why go ahead without a standing GO (recorded)",
    )


class PhaseForm(ReasonForm):
    phase = forms.ChoiceField(choices=Phase.choices)
    override_go = override_go_field()
    field_order = ["phase", "reason", "override_go"]


class ScheduleForm(ReasonForm):
    date = forms.DateField(help_text="launch day, YYYY-MM-DD")
    tz = forms.CharField(required=False, initial="", help_text="IANA time zone")
    field_order = ["date", "tz", "reason"]


class GateForm(ReasonForm):
    mode = forms.ChoiceField(choices=GateMode.choices)
    override_go = override_go_field()
    field_order = ["mode", "reason", "override_go"]


class RampForm(ReasonForm):
    # A percentage from 0 to 100, at most 2 decimals ("25" or "25%"): the service's rule.
    percent = forms.CharField(
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="PERCENT of new visitors (0-100)",
    )
    override_go = override_go_field()
    field_order = ["percent", "reason", "override_go"]


class CapacityForm(ReasonForm):
    sessions = forms.CharField(max_length=12, help_text="SESSIONS, or 'none' for no cap")
    field_order = ["sessions", "reason"]


class TriggerActionForm(ReasonForm):
    action = forms.ChoiceField(choices=TriggerAction.choices)
    field_order = ["action", "reason"]


def _schedule_said(row: LaunchState) -> str:
    window = freeze_window(row)
    said = f"Launch day is {row.launch_date} ({row.timezone})."
    if window:
        said += (
            f"\nFreeze: {window.starts_at:%Y-%m-%d %H:%M %Z} → {window.ends_at:%Y-%m-%d %H:%M %Z}."
        )
    return said


def _capacity(data: dict[str, Any], actor: actors.Actor) -> LaunchState:
    raw = data["sessions"].strip().lower()
    sessions = None if raw in NO_CAP else services.parse_int(raw, "sessions")
    return services.capacity_set(sessions=sessions, actor=actor, reason=data["reason"])


PHASE_SET = Action(
    command=("phase", "set"),
    help="move the launch to PHASE",
    perm=actors.PHASE,
    form=PhaseForm,
    positional=("phase",),
    apply=lambda d, a: services.phase_set(
        phase=d["phase"], reason=d["reason"], actor=a, override_go=d.get("override_go", "")
    ),
    said=lambda row: f"Phase is now {Phase(row.phase).label}.",
)
SCHEDULE_SET = Action(
    command=("schedule", "set"),
    help="launch day (YYYY-MM-DD) and time zone",
    perm=actors.PHASE,
    form=ScheduleForm,
    positional=("date",),
    apply=lambda d, a: services.schedule_set(
        launch_date=d["date"], tz=d["tz"], actor=a, reason=d["reason"]
    ),
    said=_schedule_said,
)
GATE_SET = Action(
    command=("gate", "set"),
    help="closed, beta, invite or public",
    perm=actors.PHASE,
    form=GateForm,
    positional=("mode",),
    apply=lambda d, a: services.gate_set(
        mode=d["mode"], reason=d["reason"], actor=a, override_go=d.get("override_go", "")
    ),
    said=lambda row: f"Access gate: {GateMode(row.gate_mode).label}.",
)
RAMP_SET = Action(
    command=("ramp", "set"),
    help="PERCENT of new visitors (0-100)",
    perm=actors.RAMP,
    form=RampForm,
    positional=("percent",),
    apply=lambda d, a: services.ramp_set(
        percent=d["percent"], reason=d["reason"], actor=a, override_go=d.get("override_go", "")
    ),
    said=lambda row: f"Traffic ramp: {row.ramp_percent:g}% of new visitors.",
)
CAPACITY_SET = Action(
    command=("capacity", "set"),
    help="SESSIONS, or 'none' for no cap",
    perm=actors.RAMP,
    form=CapacityForm,
    positional=("sessions",),
    apply=_capacity,
    said=lambda row: f"Capacity: {row.capacity_sessions or 'no cap'}.",
)
TRIGGER_ACTION_SET = Action(
    command=("trigger-action",),
    help="what a fired rollback trigger does",
    perm=actors.ROLLBACK,
    form=TriggerActionForm,
    positional=("action",),
    apply=lambda d, a: services.trigger_action_set(action=d["action"], reason=d["reason"], actor=a),
    said=lambda row: f"Rollback triggers: {TriggerAction(row.trigger_action).label}.",
)

ACTIONS = [PHASE_SET, SCHEDULE_SET, GATE_SET, RAMP_SET, CAPACITY_SET, TRIGGER_ACTION_SET]
GROUPS = {
    "phase": "change the launch phase",
    "schedule": "set launch day",
    "gate": "who may come in",
    "ramp": "the share of new visitors admitted",
    "capacity": "planned capacity: concurrent active visitors",
}
