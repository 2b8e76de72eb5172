"""The launch plan as data: the preparation checklist and launch day's schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.core.models import TimestampedModel


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"  # an automatic check ran and did not pass
    BLOCKED = "blocked", "Blocked"
    NOT_APPLICABLE = "n_a", "Not applicable"


class ChecklistItem(TimestampedModel):
    """One line of the plan's checklist. ``auto_check`` names a registered check
    (``midas.launch.plan.checks``) the system runs to prove it; the others are ticked by a
    named person with a note."""

    key = models.SlugField(max_length=64, unique=True)
    section = models.CharField(max_length=64, help_text="e.g. 'T-7 Monday: Infrastructure'")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    owner_role = models.ForeignKey(
        "launch.LaunchRole", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    auto_check = models.CharField(max_length=64, blank=True)
    required_for_go = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    evidence = models.TextField(blank=True, help_text="What proves it: a note, a link, a figure")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class ScheduleStep(TimestampedModel):
    """A time on launch day. ``actions`` are carried out by the worker when the step falls
    due (``automatic``) or by a person from the console/CLI:
    ``{"phase": "soft_launch", "gate": "beta", "ramp": 10, "smoke": true}``."""

    key = models.SlugField(max_length=64, unique=True)
    at = models.DateTimeField()
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    actions = models.JSONField(default=dict, blank=True)
    automatic = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.PENDING)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.title}"
