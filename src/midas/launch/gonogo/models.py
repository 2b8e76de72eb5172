"""Evidence for the go/no-go decision: the decision records with their sign-offs."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Decision(models.TextChoices):
    GO = "go", "GO"
    NO_GO = "no_go", "NO-GO"


class GoNoGoRecord(models.Model):
    """``criteria``: ``[{"key", "label", "value", "threshold", "ok", "detail"}]`` — checklist
    items and live criteria alike, as they stood when the record was made."""

    created_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    decision = models.CharField(max_length=6, choices=Decision.choices)
    reasons = models.JSONField(default=list, help_text="why NO-GO (empty for GO)")
    criteria = models.JSONField(default=list)
    feedback = models.JSONField(default=dict, help_text="beta feedback summary")
    phase = models.CharField(max_length=16)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class SignOff(models.Model):
    record = models.ForeignKey(GoNoGoRecord, on_delete=models.CASCADE, related_name="signoffs")
    role = models.ForeignKey("launch.LaunchRole", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField()
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "role"], name="launch_signoff_once_per_role")
        ]

    def __str__(self) -> str:
        return f"{'approved' if self.approve else 'rejected'} by {self.role_id}"
