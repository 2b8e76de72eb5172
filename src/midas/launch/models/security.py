"""Durable security observations that the ``security`` rollback trigger counts
(docs/explanation/launch-triggers-escalation.md). The lockout itself lives in the cache
(``midas.accounts.ratelimit``); this row only remembers that one happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
