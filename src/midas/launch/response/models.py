"""When things go wrong: rollback triggers that fired, incident escalations, rollbacks, and
the durable security observations the ``security`` trigger counts (the lockout itself
lives in the cache, ``midas.accounts.ratelimit``; a row only remembers that one happened;
docs/explanation/launch-triggers-escalation.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TriggerFiring(models.Model):
    """A rollback trigger whose condition held. Open (``cleared_at`` empty) until the
    condition stops holding; one open firing per trigger at a time."""

    trigger = models.CharField(max_length=32, help_text="downtime, error_rate, security, integrity")
    fired_at = models.DateTimeField(db_index=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict)
    action = models.CharField(max_length=10, help_text="recommend or execute")
    incident = models.ForeignKey(
        "status.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rollback = models.ForeignKey(
        "launch.RollbackRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trigger"],
                condition=models.Q(cleared_at__isnull=True),
                name="launch_trigger_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.trigger} fired {self.fired_at:%H:%M}"


class Escalation(models.Model):
    """The escalation clock of one status-page incident (severity = the incident's impact).
    ``ack_token`` is the secret in the acknowledge link."""

    incident = models.OneToOneField(
        "status.Incident", on_delete=models.CASCADE, related_name="escalation"
    )
    opened_at = models.DateTimeField()
    ack_token = models.CharField(max_length=64, unique=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.PositiveSmallIntegerField(default=1, help_text="highest level told so far")

    def __str__(self) -> str:
        return f"escalation of incident {self.incident_id} (level {self.level})"


class EscalationNotice(models.Model):
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="notices")
    level = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    why = models.CharField(max_length=32, help_text="opened, unacknowledged, severe")
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "level"], name="launch_notice_once")
        ]

    def __str__(self) -> str:
        return f"level {self.level} told ({self.why})"


class RollbackRun(models.Model):
    """``steps``: ``[{"name", "started_at", "ms", "ok", "detail"}]`` in order."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor_label = models.CharField(max_length=254)
    reason = models.TextField()
    dry_run = models.BooleanField(default=False)
    restore = models.BooleanField(default=False, help_text="database restore asked for")
    backup_name = models.CharField(max_length=200, blank=True)
    export_path = models.CharField(max_length=500, blank=True)
    ok = models.BooleanField(null=True)
    steps = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"rollback {self.started_at:%Y-%m-%d %H:%M}{' (dry run)' if self.dry_run else ''}"


class SignalKind(models.TextChoices):
    LOCKOUT = "lockout", "Sign-in lockout"
    STAFF_LOGIN = "staff_login", "Staff sign-in"


class SecuritySignal(models.Model):
    """Written by ``midas.launch.response.security_signals`` only."""

    kind = models.CharField(max_length=16, choices=SignalKind.choices)
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.CharField(max_length=254, blank=True)
    ip = models.CharField(max_length=64, help_text="Client address (IPv6: its /64)")
    new_address = models.BooleanField(
        default=False,
        help_text="Staff sign-in from an address unseen for 30 days",
    )
    detail = models.CharField(max_length=64, blank=True, help_text="lockout: pair or ip")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["kind", "at"]),
            models.Index(fields=["user", "kind", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.email or self.ip} at {self.at:%Y-%m-%d %H:%M}"
