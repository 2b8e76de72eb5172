"""The payments ledger: many rows per booking, each one movement of money with its state.

Totals reconcile from the rows alone: paid = succeeded charges; refunded = succeeded
refunds; deposit held = succeeded holds − captures − releases. Providers never see these
models; they take and return plain data (``midas.payments.interface``).
"""

from __future__ import annotations

from django.db import models

from midas.core.models import TimestampedModel
from midas.money import format_money


class PaymentKind(models.TextChoices):
    CHARGE = "charge", "Rental charge"
    DEPOSIT_HOLD = "deposit_hold", "Deposit hold"
    DEPOSIT_CAPTURE = "deposit_capture", "Deposit capture"
    DEPOSIT_RELEASE = "deposit_release", "Deposit release"
    REFUND = "refund", "Refund"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    REQUIRES_ACTION = "requires_action", "Requires authentication"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class Payment(TimestampedModel):
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(max_length=16, choices=PaymentKind.choices)
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=16)  # sandbox | stripe
    provider_ref = models.CharField(max_length=100, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The charge a refund returns, or the hold a capture/release settles",
    )
    failure_code = models.CharField(max_length=60, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        amount = format_money(self.amount_minor, self.currency, always_fraction=True)
        return f"{self.get_kind_display()} {amount} ({self.status})"


class WebhookEvent(models.Model):
    """Each provider event processed once: the unique ``event_id`` de-duplicates."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
