"""The launch's one row (pk=1): phase, access gate, traffic ramp, freeze window, releases."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.core.models import TimestampedModel


class Phase(models.TextChoices):
    PRELAUNCH = "prelaunch", "Pre-launch"
    FREEZE = "freeze", "System freeze"
    SOFT_LAUNCH = "soft_launch", "Soft launch"
    PUBLIC = "public", "Public launch"
    STABILISATION = "stabilisation", "Stabilisation"
    LAUNCHED = "launched", "Launched"
    ROLLED_BACK = "rolled_back", "Rolled back"


class GateMode(models.TextChoices):
    CLOSED = "closed", "Closed (staff only)"
    BETA = "beta", "Beta testers"
    INVITE = "invite", "Beta testers and invitees"
    PUBLIC = "public", "Public (within the traffic ramp)"


class TriggerAction(models.TextChoices):
    RECOMMEND = "recommend", "Recommend a rollback"
    EXECUTE = "execute", "Execute the rollback"


class LaunchState(TimestampedModel):
    """Read through ``midas.launch.state.selectors.launch_state()`` (cached per process); written
    only by ``midas.launch.state.services`` functions, which record every change."""

    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.PRELAUNCH)
    phase_changed_at = models.DateTimeField(null=True, blank=True)
    launch_date = models.DateField(null=True, blank=True, help_text="Launch day (local date)")
    timezone = models.CharField(max_length=64, default="America/New_York")
    freeze_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="Default: the day before launch at 18:00 local"
    )
    freeze_ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Default: the end of launch day, local"
    )
    gate_mode = models.CharField(max_length=8, choices=GateMode.choices, default=GateMode.PUBLIC)
    ramp_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=100,
        help_text="Share of new (non-exempt) visitors admitted, 0-100; 0.01 = one bucket",
    )
    ramp_salt = models.CharField(max_length=32, blank=True, help_text="Generated once")
    capacity_sessions = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Planned capacity: concurrent visitors (empty: no cap)",
    )
    trigger_action = models.CharField(
        max_length=10, choices=TriggerAction.choices, default=TriggerAction.RECOMMEND
    )
    current_release = models.CharField(max_length=64, blank=True)
    previous_release = models.CharField(max_length=64, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "launch state"
        verbose_name_plural = "launch state"
        permissions = [
            ("view_launch", "See the launch console"),
            ("change_launch_phase", "Change the launch phase, the freeze and the access gate"),
            ("change_launch_ramp", "Change the traffic ramp and its schedule"),
            ("change_launch_flags", "Change feature flags"),
            ("manage_launch_plan", "Edit the plan, tick checklist items, manage invitations"),
            ("sign_off_launch", "Sign off a go/no-go record"),
            ("roll_back_launch", "Roll the launch back"),
            ("acknowledge_incident", "Acknowledge incidents"),
        ]

    def __str__(self) -> str:
        return f"launch: {self.get_phase_display()}"


class ReleaseSeen(models.Model):
    """A release id (``MIDAS_RELEASE``) the first time a process started with it."""

    release = models.CharField(max_length=64, unique=True)
    first_seen_at = models.DateTimeField()
    during_freeze = models.BooleanField(default=False)
    alerted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-first_seen_at"]

    def __str__(self) -> str:
        return self.release
