"""The go-live control plane's records (docs/launch.md).

One module per area: ``state`` (the launch's one row: phase, gate, ramp, freeze, release),
``audit`` (every launch action, who/when/why), ``plan`` (checklist and launch-day schedule),
``team`` (roles, contacts, vendors), ``access`` (visitors, invitations, waitlist, feedback),
``flags``, ``checks`` (smoke runs, go/no-go records and sign-offs), ``response`` (rollback
triggers, escalations, rollbacks).
"""

from midas.launch.models.access import (
    Feedback,
    FeedbackStatus,
    Invite,
    InviteRedemption,
    Visitor,
    VisitorState,
    WaitlistEntry,
)
from midas.launch.models.audit import LaunchEvent
from midas.launch.models.checks import Decision, GoNoGoRecord, SignOff, SmokeRun
from midas.launch.models.flags import FlagSnapshot
from midas.launch.models.plan import ChecklistItem, ItemStatus, ScheduleStep, StepStatus
from midas.launch.models.response import (
    Escalation,
    EscalationNotice,
    RollbackRun,
    TriggerFiring,
)
from midas.launch.models.security import SecuritySignal, SignalKind
from midas.launch.models.state import GateMode, LaunchState, Phase, ReleaseSeen, TriggerAction
from midas.launch.models.team import LaunchContact, LaunchRole, RoleKey, VendorContact

__all__ = [
    "ChecklistItem",
    "Decision",
    "Escalation",
    "EscalationNotice",
    "Feedback",
    "FeedbackStatus",
    "FlagSnapshot",
    "GateMode",
    "GoNoGoRecord",
    "Invite",
    "InviteRedemption",
    "ItemStatus",
    "LaunchContact",
    "LaunchEvent",
    "LaunchRole",
    "LaunchState",
    "Phase",
    "ReleaseSeen",
    "RoleKey",
    "RollbackRun",
    "ScheduleStep",
    "SecuritySignal",
    "SignOff",
    "SignalKind",
    "SmokeRun",
    "StepStatus",
    "TriggerAction",
    "TriggerFiring",
    "VendorContact",
    "Visitor",
    "VisitorState",
    "WaitlistEntry",
]
