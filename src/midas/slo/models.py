"""Service-level data: per-minute request aggregates and synthetic probe results.

Both tables are append/increment only and pruned by the ``slo_retention`` job
(docs/explanation/slo.md).
"""

from __future__ import annotations

from django.db import models

# Upper bounds (milliseconds) of the latency histogram buckets; the last bucket is +Inf.
# Counts are stored per bucket (not cumulative), one column each, so a flush can add to
# them with F() expressions.
BUCKET_BOUNDS_MS: tuple[int, ...] = (50, 100, 250, 500, 1000, 2500, 5000, 10000)
BUCKET_FIELDS: tuple[str, ...] = (*(f"le_{b}" for b in BUCKET_BOUNDS_MS), "le_inf")


class Component(models.TextChoices):
    WEBSITE = "website", "Website"
    BOOKING = "booking", "Booking"
    PAYMENTS = "payments", "Payments"
    EMAIL = "email", "Email"
    API = "api", "API"


class RequestMinute(models.Model):
    """Requests one process served during one UTC minute (route-agnostic totals)."""

    minute = models.DateTimeField(help_text="Start of the UTC minute")
    process = models.CharField(max_length=80, help_text="host:pid of the app process")
    count = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0, help_text="Responses with a 5xx status")
    duration_ms_sum = models.FloatField(default=0.0)
    le_50 = models.PositiveIntegerField(default=0)
    le_100 = models.PositiveIntegerField(default=0)
    le_250 = models.PositiveIntegerField(default=0)
    le_500 = models.PositiveIntegerField(default=0)
    le_1000 = models.PositiveIntegerField(default=0)
    le_2500 = models.PositiveIntegerField(default=0)
    le_5000 = models.PositiveIntegerField(default=0)
    le_10000 = models.PositiveIntegerField(default=0)
    le_inf = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minute", "process"], name="slo_minute_process")
        ]
        indexes = [models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.process}: {self.count} ({self.errors} 5xx)"


class ProbeResult(models.Model):
    """One synthetic check of one target, attributed to one status-page component."""

    component = models.CharField(max_length=16, choices=Component.choices)
    target = models.CharField(max_length=40, help_text="home | asset | quote | readyz")
    ok = models.BooleanField()
    status = models.PositiveSmallIntegerField(default=0, help_text="HTTP status; 0: no answer")
    latency_ms = models.FloatField()
    at = models.DateTimeField()
    minute = models.DateTimeField(help_text="``at`` truncated to its UTC minute")
    detail = models.CharField(max_length=200, blank=True)
    maintenance = models.BooleanField(
        default=False,
        help_text="Answered with planned maintenance (503, X-Maintenance: on): neither up "
        "nor down, no data for uptime",
    )

    class Meta:
        indexes = [
            models.Index(fields=["component", "minute"]),
            models.Index(fields=["minute"]),
        ]

    def __str__(self) -> str:
        state = "maintenance" if self.maintenance else "up" if self.ok else "down"
        return f"{self.component}/{self.target} {state} {self.status} at {self.at:%H:%M:%S}"
