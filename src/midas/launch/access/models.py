"""Who gets in during the launch: visitors and their ramp bucket, VIP invitations, the
waitlist, and beta feedback (docs/explanation/launch-bucketing.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.core.models import TimestampedModel


class VisitorState(models.TextChoices):
    ADMITTED = "admitted", "Admitted"
    WAITING = "waiting", "Waiting"  # outside the ramp or over capacity; may get in later
    REFUSED = "refused", "Refused"  # the gate is closed to them (mode), not the ramp


class Visitor(models.Model):
    """A stable visitor id (signed cookie) and its bucket in [0, 10000). A visitor who logs
    in is linked to the account and keeps the bucket."""

    visitor_id = models.CharField(max_length=40, unique=True)
    bucket = models.PositiveSmallIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=VisitorState.choices)
    reason = models.CharField(max_length=32, blank=True, help_text="staff, beta, invite, ramp...")
    invite = models.ForeignKey(
        "launch.Invite", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    admitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.visitor_id[:8]}… bucket {self.bucket} {self.state}"


class Invite(TimestampedModel):
    """A VIP invitation: a code (typed in) and a signed link carrying it. ``email`` set:
    sent to that person; ``max_uses`` > 1: a shared code."""

    code = models.CharField(max_length=24, unique=True)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=120, blank=True)
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uses__lte=models.F("max_uses")), name="launch_invite_uses_cap"
            )
        ]

    def __str__(self) -> str:
        return self.email or self.code


class InviteRedemption(models.Model):
    invite = models.ForeignKey(Invite, on_delete=models.CASCADE, related_name="redemptions")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invite", "visitor"], name="launch_redeem_once")
        ]

    def __str__(self) -> str:
        return f"{self.invite_id} by visitor {self.visitor_id}"


class WaitlistEntry(models.Model):
    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    path = models.CharField(max_length=200, blank=True, help_text="Where they were turned away")
    notified_at = models.DateTimeField(null=True, blank=True, help_text="Told the doors opened")

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"

    def __str__(self) -> str:
        return self.email


class FeedbackStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Feedback(TimestampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(help_text="1-5")
    comment = models.TextField(blank=True)
    path = models.CharField(max_length=300)
    release = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    severity = models.CharField(max_length=10, blank=True, help_text="set at triage")
    triage_note = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="launch_feedback_rating"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.path}"
