"""The go-live control plane's records (docs/launch.md): each area keeps its own in
``<area>/models.py`` (``state``, ``access``, ``plan`` with the team, ``gonogo``,
``response`` with the security signals, ``smoke``, ``flags``); the audit trail every area
writes to (``LaunchEvent``) is here, and so is the index Django and the rest of the launch
import them from (``from midas.launch.models import LaunchState``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.launch.access.models import (
    Feedback,
    FeedbackStatus,
    Invite,
    InviteRedemption,
    Visitor,
    VisitorState,
    WaitlistEntry,
)
from midas.launch.flags.models import FlagSnapshot
from midas.launch.gonogo.models import Decision, GoNoGoRecord, SignOff, Waiver
from midas.launch.plan.models import (
    ChecklistItem,
    ItemStatus,
    LaunchContact,
    LaunchRole,
    RoleKey,
    RotaShift,
    ScheduleStep,
    StepStatus,
    VendorContact,
)
from midas.launch.response.models import (
    Escalation,
    EscalationNotice,
    RollbackRun,
    SecuritySignal,
    SignalKind,
    TriggerFiring,
)
from midas.launch.smoke.models import SmokeRun
from midas.launch.state.models import GateMode, LaunchState, Phase, ReleaseSeen, TriggerAction


class LaunchEvent(models.Model):
    """Written by ``midas.launch.audit.record()`` only. ``actor`` is the staff account that
    acted (console or ``--by`` on the command line); ``actor_label`` names it for the
    record even if the account goes, or names the system part that acted
    (``system:worker``, ``system:trigger``)."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    via = models.CharField(max_length=16, help_text="console, cli, worker, api, drill")
    action = models.CharField(
        max_length=64, db_index=True, help_text="dotted: launch.phase.changed"
    )
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label}"


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
    "RotaShift",
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
    "Waiver",
]
