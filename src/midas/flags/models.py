"""One row per feature flag that has been changed from its declared default."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.core.models import TimestampedModel


class FlagState(models.TextChoices):
    OFF = "off", "Off"
    STAFF = "staff", "Staff only"
    BETA = "beta", "Staff and beta testers"
    PERCENT = "percent", "A share of visitors"
    ON = "on", "On"


class Flag(TimestampedModel):
    key = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=8, choices=FlagState.choices, default=FlagState.ON)
    percent = models.PositiveSmallIntegerField(default=0, help_text="0-100, for 'percent'")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.state}"
