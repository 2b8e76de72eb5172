"""Evidence for the go/no-go decision: the decision records with their sign-offs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
    waivers = models.JSONField(
        default=list, blank=True, help_text="the waivers in force when the record was made"
    )

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


class Waiver(models.Model):
    """A criterion's owner (the launch role it names) lets it pass while it fails, for a
    while and for a reason: applied by ``gonogo.selectors.gonogo_evaluate`` from
    ``created_at`` until ``expires_at`` (or until withdrawn). ``criterion`` is a criterion's
    key: ``burn_rate``, ``freeze``, ``feedback``, ``checklist:<item key>``."""

    criterion = models.CharField(max_length=100, db_index=True)
    role = models.ForeignKey("launch.LaunchRole", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_label = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="launch_waiver_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion} waived until {self.expires_at:%Y-%m-%d %H:%M}"

    def in_force(self, when: datetime) -> bool:
        if self.withdrawn_at is not None and self.withdrawn_at <= when:
            return False
        return self.created_at <= when < self.expires_at

    def said(self) -> str:
        """``"waived by the Technical lead (ana@…) until 2027-03-21 16:00 UTC: reason"``"""
        until = self.expires_at.astimezone(UTC)
        who = f"{self.role} ({self.actor_label})"
        return f"waived by {who} until {until:%Y-%m-%d %H:%M} UTC: {self.reason}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "criterion": self.criterion,
            "role": self.role.key,
            "by": self.actor_label,
            "reason": self.reason,
            "from": self.created_at.isoformat(),
            "until": self.expires_at.isoformat(),
        }
