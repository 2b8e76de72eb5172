"""The launch's audit trail: one row per action, by a person or by the system."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
