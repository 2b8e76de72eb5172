"""Operations state kept in the database so that every app process sees it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MaintenanceMode(models.Model):
    """The one row (pk=1) that says whether customers see the maintenance page."""

    enabled = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    retry_after = models.PositiveIntegerField(
        default=600, help_text="Seconds sent in Retry-After while enabled."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "maintenance mode"
        verbose_name_plural = "maintenance mode"

    def __str__(self) -> str:
        return f"maintenance {'on' if self.enabled else 'off'}"
