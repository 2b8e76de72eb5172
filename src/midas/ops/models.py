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


class MaintenanceWindowQuerySet(models.QuerySet["MaintenanceWindow"]):
    def active(self) -> MaintenanceWindowQuerySet:
        """Windows not cancelled (past, current or upcoming)."""
        return self.filter(cancelled_at__isnull=True)


class MaintenanceWindow(models.Model):
    """Planned maintenance: from ``starts_at`` to ``ends_at`` customers get the maintenance
    page exactly as with ``midas maintenance on``, and the status page announces it
    beforehand. A cancelled window (``cancelled_at``) no longer applies."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    message = models.TextField(blank=True, help_text="Shown to customers and on /status.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MaintenanceWindowQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="ops_window_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"maintenance {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} UTC"

    def in_progress(self, now) -> bool:
        return self.cancelled_at is None and self.starts_at <= now < self.ends_at
