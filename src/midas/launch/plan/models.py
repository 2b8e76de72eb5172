"""The launch plan as data — the preparation checklist and launch day's schedule — and the
launch team: roles with primary and backup contacts, and vendor contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from midas.core.models import TimestampedModel


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"  # an automatic check ran and did not pass
    BLOCKED = "blocked", "Blocked"
    NOT_APPLICABLE = "n_a", "Not applicable"


class ChecklistItem(TimestampedModel):
    """One line of the plan's checklist. ``auto_check`` names a registered check
    (``midas.launch.plan.checks``) the system runs to prove it; the others are ticked by a
    named person with a note."""

    key = models.SlugField(max_length=64, unique=True)
    section = models.CharField(max_length=64, help_text="e.g. 'T-7 Monday: Infrastructure'")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    owner_role = models.ForeignKey(
        "launch.LaunchRole", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    auto_check = models.CharField(max_length=64, blank=True)
    required_for_go = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    evidence = models.TextField(blank=True, help_text="What proves it: a note, a link, a figure")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class ScheduleStep(TimestampedModel):
    """A time on launch day. ``actions`` are carried out by the worker when the step falls
    due (``automatic``) or by a person from the console/CLI:
    ``{"phase": "soft_launch", "gate": "beta", "ramp": 10, "smoke": true}``."""

    key = models.SlugField(max_length=64, unique=True)
    at = models.DateTimeField()
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    actions = models.JSONField(default=dict, blank=True)
    automatic = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.PENDING)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.title}"


class RoleKey(models.TextChoices):
    """The go-live plan's roles, loaded by ``plan init`` (``plan.data.ROLES``). Roles are
    data (``LaunchRole`` rows): a team adds its own with ``midas launch team role``; these
    are only the keys the plan names."""

    COORDINATOR = "coordinator", "Launch coordinator"
    TECH_LEAD = "tech_lead", "Technical lead"
    DEVOPS = "devops", "DevOps engineer"
    QA = "qa", "QA manager"
    CS_LEAD = "cs_lead", "Customer service lead"
    MARKETING = "marketing", "Marketing"
    CEO = "ceo", "CEO"
    CTO = "cto", "CTO"
    LEGAL = "legal", "Legal"
    PR = "pr", "PR / communications"
    # the joint CEO/CTO role of earlier plans; migration 0004 made it the CEO's
    EXECUTIVE = "executive", "Executive"


class LaunchRole(TimestampedModel):
    """A role of the launch team (data: the plan's, loaded by ``plan init``, and any a team
    adds). ``escalation_level`` 1-3 is who an unacknowledged incident reaches (the plan's
    matrix); 0 is on call, reached by name, never paged by escalation (legal, PR).
    ``signs_gonogo``: the role signs the go/no-go record (the plan's decision authority)."""

    key = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80, blank=True, help_text="Shown; empty: from the key")
    responsibilities = models.TextField(blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        default=1, help_text="1 technical team, 2 management, 3 executive, 0 not escalated"
    )
    signs_gonogo = models.BooleanField(
        default=False, help_text="Signs the go/no-go record (approves or rejects it)"
    )

    class Meta:
        ordering = ["escalation_level", "key"]

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return RoleKey(self.key).label if self.key in RoleKey.values else self.key

    def __str__(self) -> str:
        return self.label


class LaunchContact(TimestampedModel):
    role = models.ForeignKey(LaunchRole, on_delete=models.CASCADE, related_name="contacts")
    backup = models.BooleanField(default=False, help_text="Backup rather than primary")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    slack_handle = models.CharField(max_length=80, blank=True)
    slack_user_id = models.CharField(
        max_length=20,
        blank=True,
        help_text="Slack member id (U…): a mention notifies the person",
    )
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
    used_for = models.CharField(
        max_length=200, blank=True, help_text="What Midas uses the vendor for"
    )
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "vendor"]

    def __str__(self) -> str:
        return self.vendor


class RotaShift(TimestampedModel):
    """One shift of the customer-service rota (the plan: 5 representatives, 24/7 during
    launch week): who is on, from when to when. ``role`` is the team the shift belongs to
    (the customer service lead's, by default)."""

    role = models.ForeignKey(LaunchRole, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="launch_rota_shift_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M}"
