"""What occupies an asset: reservations made for bookings, and blocks (maintenance, owner use).

Both live in one table so one database rule keeps them apart: no two *active* rows of one
asset overlap on ``[start, occupied_until)``, where ``occupied_until`` is the end plus the
asset's turnaround buffer. On PostgreSQL an exclusion constraint (btree_gist, ``&&`` on a
``tstzrange``) enforces it; on SQLite the reserve service checks and inserts inside an
IMMEDIATE transaction (see docs/explanation/locking.md).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models

from midas.catalog.models import Asset
from midas.core.models import TimestampedModel

# The longest one row may occupy an asset. Availability queries rely on it to bound their
# index scans: a row overlapping [s, e) must start after s - MAX_OCCUPANCY.
MAX_OCCUPANCY = timedelta(days=400)


class ReservationKind(models.TextChoices):
    BOOKING = "booking", "Booking"
    MAINTENANCE = "maintenance", "Maintenance block"
    OWNER_USE = "owner_use", "Owner use block"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RELEASED = "released", "Released"


class Reservation(TimestampedModel):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="reservations")
    kind = models.CharField(
        max_length=12, choices=ReservationKind.choices, default=ReservationKind.BOOKING
    )
    status = models.CharField(
        max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    occupied_until = models.DateTimeField(help_text="End plus the turnaround buffer")
    reference = models.CharField(max_length=32, unique=True)
    note = models.CharField(max_length=200, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(
                fields=["asset", "start", "occupied_until"],
                name="reservation_active_span",
                condition=models.Q(status="active"),
            ),
            models.Index(  # the integrity trigger checks the rows written in the last day
                fields=["updated_at"],
                name="reservation_active_written",
                condition=models.Q(status="active"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="reservation_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(occupied_until__gte=models.F("end")),
                name="reservation_buffer_not_negative",
            ),
        ]

    def __str__(self) -> str:
        span = f"[{self.start:%Y-%m-%d %H:%M}, {self.end:%Y-%m-%d %H:%M})"
        return f"{self.reference} {span}"

    @property
    def is_block(self) -> bool:
        return self.kind != ReservationKind.BOOKING


class Block(Reservation):
    """Admin view of the rows that are blocks rather than bookings."""

    class Meta:
        proxy = True
        verbose_name = "block"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"  # request-to-book: waiting for staff
    HELD = "held", "Held, awaiting payment"  # slot reserved until hold_expires_at
    CONFIRMED = "confirmed", "Confirmed"
    IN_PROGRESS = "in_progress", "In progress"  # picked up / on board / checked in
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"  # hold not paid in time
    DECLINED = "declined", "Declined"  # request refused by staff
    REFUNDED = "refunded", "Refunded"  # cancelled after payment, refund paid


# The states in which the booking keeps its reservation active.
OCCUPYING_STATUSES = (
    BookingStatus.REQUESTED,
    BookingStatus.HELD,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
)


class Booking(TimestampedModel):
    """A customer's booking of one asset. The slot itself is ``reservation``; the money is
    in the payments ledger (``payments.Payment``); the price is the server's quote, frozen
    in ``quote_lines`` at checkout."""

    reference = models.CharField(max_length=16, unique=True)
    customer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="bookings")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="bookings")
    location = models.ForeignKey(
        "catalog.Location", on_delete=models.PROTECT, related_name="bookings"
    )
    reservation = models.OneToOneField(
        Reservation, on_delete=models.PROTECT, related_name="booking", null=True, blank=True
    )
    status = models.CharField(max_length=12, choices=BookingStatus.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    extras = models.JSONField(default=list, blank=True)
    guests = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Guests or passengers, where the asset counts them"
    )
    trip = models.JSONField(
        default=dict,
        blank=True,
        help_text="A jet's route: origin, destination, legs and flight time, as quoted",
    )
    currency = models.CharField(max_length=3)
    quote_lines = models.JSONField(default=list, help_text="The quote's lines at checkout")
    total_minor = models.PositiveBigIntegerField()
    security_deposit_minor = models.PositiveBigIntegerField(default=0)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    refund_minor = models.PositiveBigIntegerField(default=0)
    idempotency_key = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    terms_version = models.CharField(
        max_length=20, blank=True, help_text="The terms the customer accepted at checkout"
    )
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    legacy_reference = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="The booking's id on the old site"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "hold_expires_at"]),
            models.Index(fields=["customer", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="booking_idempotency_per_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class BookingChangeKind(models.TextChoices):
    DATES = "dates", "Dates or guests changed"
    REFUND = "refund", "Refund by staff"


class BookingChangeStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting the difference"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Not applied"  # the slot was taken meanwhile, or superseded: refunded


class BookingChange(TimestampedModel):
    """One change to a booking after checkout, as staff see it in the history: new dates
    (and guests) with the price difference charged or refunded, or a custom refund given by
    staff with its reason. Written by ``bookings.services.change`` only."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=8, choices=BookingChangeKind.choices)
    status = models.CharField(max_length=16, choices=BookingChangeStatus.choices)
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="booking_changes",
        null=True,
        blank=True,
        help_text="Who asked: the customer or a staff member",
    )
    by_staff = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    old_start = models.DateTimeField()
    old_end = models.DateTimeField()
    new_start = models.DateTimeField()
    new_end = models.DateTimeField()
    old_guests = models.PositiveSmallIntegerField(null=True, blank=True)
    new_guests = models.PositiveSmallIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    old_total_minor = models.PositiveBigIntegerField(default=0)
    new_total_minor = models.PositiveBigIntegerField(default=0)
    new_quote_lines = models.JSONField(default=list, blank=True)
    new_security_deposit_minor = models.PositiveBigIntegerField(default=0)
    charge_minor = models.PositiveBigIntegerField(
        default=0, help_text="The difference the customer pays (a dearer period)"
    )
    refund_minor = models.PositiveBigIntegerField(
        default=0, help_text="What goes back to the card (a cheaper period, a staff refund)"
    )
    waived_minor = models.PositiveBigIntegerField(
        default=0, help_text="A difference staff chose not to charge"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["booking", "status"])]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind} {self.status}"
