"""The launch team: roles with primary and backup contacts, and vendor contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.core.models import TimestampedModel


class RoleKey(models.TextChoices):
    COORDINATOR = "coordinator", "Launch coordinator"
    TECH_LEAD = "tech_lead", "Technical lead"
    DEVOPS = "devops", "DevOps engineer"
    QA = "qa", "QA manager"
    CS_LEAD = "cs_lead", "Customer service lead"
    MARKETING = "marketing", "Marketing"
    EXECUTIVE = "executive", "Executive"


class LaunchRole(TimestampedModel):
    key = models.CharField(max_length=16, choices=RoleKey.choices, unique=True)
    responsibilities = models.TextField(blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        default=1, help_text="1 technical team, 2 management, 3 executive"
    )

    class Meta:
        ordering = ["escalation_level", "key"]

    def __str__(self) -> str:
        return self.get_key_display()


class LaunchContact(TimestampedModel):
    role = models.ForeignKey(LaunchRole, on_delete=models.CASCADE, related_name="contacts")
    backup = models.BooleanField(default=False, help_text="Backup rather than primary")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    slack_handle = models.CharField(max_length=80, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="launch_contacts",
    )

    class Meta:
        ordering = ["role", "backup", "name"]
        constraints = [
            models.UniqueConstraint(fields=["role", "backup"], name="launch_contact_one_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {'backup' if self.backup else 'primary'})"


class VendorContact(TimestampedModel):
    vendor = models.CharField(max_length=80, help_text="e.g. Stripe (payments)")
    service = models.CharField(max_length=32, help_text="payments, email, hosting, database")
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "vendor"]

    def __str__(self) -> str:
        return self.vendor
