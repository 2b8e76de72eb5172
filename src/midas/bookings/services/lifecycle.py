"""A booking's life after checkout: approval, payment, pick-up, return, expiry, reminders.

One function per state change (``booking_<action>``): keyword-only arguments, one
transaction that locks the booking first (``bookings.locking``), the current state checked
(``AppError(invalid_state)`` otherwise), ``update_fields``, an audit line
(``bookings.booking.<event>``) and the emails written to the outbox in that transaction.
Cancellation, which moves money, is in ``cancel.py``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.calendar_file import booking_ics
from midas.bookings.locking import conflict_on_lock_timeout, lock_booking
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.services.notices import tell_customer, tell_staff
from midas.bookings.services.slots import release
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.money import format_money

B = BookingStatus
EXPIRY_BATCH = 200
REMINDER_LEAD = dt.timedelta(hours=24)


def approved_payment_window() -> dt.timedelta:
    """How long a customer has to pay once staff approve a request."""
    return dt.timedelta(hours=settings.APPROVED_HOLD_HOURS)


def payment_grace() -> dt.timedelta:
    """How long past its expiry a hold with a payment under way (an authentication
    challenge open) is kept, so a customer mid-payment is not cut off."""
    return dt.timedelta(minutes=settings.PAYMENT_GRACE_MINUTES)


def require_state(booking: Booking, *allowed: str, action: str) -> None:
    if booking.status not in allowed:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"cannot {action} booking {booking.reference}: it is "
            f"{booking.get_status_display().lower()}",
        )


def require_staff(by: User | None, action: str) -> None:
    if by is not None and not by.is_staff:
        raise AppError(ErrorCode.FORBIDDEN, f"only our concierge team may {action}")


def _audit(booking: Booking, event: str, by: User | None = None) -> None:
    audit(f"bookings.booking.{event}", actor=by, obj=booking, reference=booking.reference)


def _free_slot(booking: Booking, now: dt.datetime) -> None:
    reservation = booking.reservation if booking.reservation_id else None
    if reservation is not None:
        booking.reservation = release(reservation=reservation, now=now)


@conflict_on_lock_timeout
@transaction.atomic
def booking_approve(
    *, booking: Booking, by: User | None, now: dt.datetime | None = None
) -> Booking:
    """Staff accept a request-to-book: it becomes **held**, awaiting the customer's payment
    for ``APPROVED_HOLD_HOURS``."""
    now = now or timezone.now()
    require_staff(by, "approve a request")
    booking = lock_booking(booking.pk)
    require_state(booking, B.REQUESTED, action="approve")
    booking.status = B.HELD
    booking.hold_expires_at = now + approved_payment_window()
    booking.save(update_fields=["status", "hold_expires_at", "updated_at"])
    tell_customer(booking, "request_approved", dedupe="approved")
    _audit(booking, "approved", by)
    return booking


@conflict_on_lock_timeout
@transaction.atomic
def booking_decline(
    *, booking: Booking, by: User | None, reason: str = "", now: dt.datetime | None = None
) -> Booking:
    """Staff refuse a request-to-book: **declined**, the slot freed."""
    now = now or timezone.now()
    require_staff(by, "decline a request")
    booking = lock_booking(booking.pk)
    require_state(booking, B.REQUESTED, action="decline")
    booking.status = B.DECLINED
    booking.cancelled_at = now
    booking.cancellation_reason = reason[:200]
    booking.hold_expires_at = None
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancellation_reason",
            "hold_expires_at",
            "updated_at",
        ]
    )
    _free_slot(booking, now)
    tell_customer(booking, "request_declined", dedupe="declined", reason=reason)
    _audit(booking, "declined", by)
    return booking


@conflict_on_lock_timeout
@transaction.atomic
def booking_confirm_payment(
    *, booking: Booking, payment: object, now: dt.datetime | None = None
) -> Booking:
    """The rental is paid: **confirmed**, and the confirmation (a receipt and an ``.ics``
    file) goes to the customer. Called by the payments ledger when a charge succeeds."""
    now = now or timezone.now()
    booking = lock_booking(booking.pk)
    require_state(booking, B.HELD, action="confirm")
    booking.status = B.CONFIRMED
    booking.confirmed_at = now
    booking.hold_expires_at = None
    booking.save(update_fields=["status", "confirmed_at", "hold_expires_at", "updated_at"])
    amount = getattr(payment, "amount_minor", booking.total_minor)
    tell_customer(  # rendered by the worker, from the booking as it is now (confirmed)
        booking,
        "booking_confirmed",
        dedupe="confirmed",
        later=True,
        attachments=[(f"{booking.reference}.ics", booking_ics(booking, now=now), "text/calendar")],
        paid=format_money(amount, booking.currency),
        paid_at=now,
        payment_reference=getattr(payment, "provider_ref", ""),
        receipt_rows=[
            ("Reference", booking.reference),
            *[(label, value) for label, value in _lines(booking)],
            ("Paid", format_money(amount, booking.currency), True),
        ],
    )
    _audit(booking, "confirmed")
    return booking


def _lines(booking: Booking) -> list[tuple[str, str]]:
    return [
        (line["label"], format_money(line["amount"], booking.currency))
        for line in booking.quote_lines
    ]


@transaction.atomic
def booking_mark_refunded(*, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """A cancelled booking's refund has gone back to the customer: **refunded**. Called by
    the payments ledger when the last refund succeeds."""
    booking = lock_booking(booking.pk)
    require_state(booking, B.CANCELLED, action="mark as refunded")
    booking.status = B.REFUNDED
    booking.save(update_fields=["status", "updated_at"])
    _audit(booking, "refunded")
    return booking


@conflict_on_lock_timeout
@transaction.atomic
def booking_mark_picked_up(
    *, booking: Booking, by: User | None, now: dt.datetime | None = None
) -> Booking:
    """Handed over (the car collected, the guests on board, checked in): **in progress**."""
    require_staff(by, "mark a booking picked up")
    booking = lock_booking(booking.pk)
    require_state(booking, B.CONFIRMED, action="mark as picked up")
    booking.status = B.IN_PROGRESS
    booking.save(update_fields=["status", "updated_at"])
    _audit(booking, "picked_up", by)
    return booking


@conflict_on_lock_timeout
@transaction.atomic
def booking_mark_returned(
    *, booking: Booking, by: User | None, now: dt.datetime | None = None
) -> Booking:
    """Back with us: **completed**, and the slot (with what remains of it) freed. The
    deposit is released by a job ``DEPOSIT_RELEASE_DAYS`` later unless staff capture it."""
    now = now or timezone.now()
    require_staff(by, "mark a booking returned")
    booking = lock_booking(booking.pk)
    require_state(booking, B.IN_PROGRESS, action="mark as returned")
    booking.status = B.COMPLETED
    booking.save(update_fields=["status", "updated_at"])
    _free_slot(booking, now)
    _audit(booking, "completed", by)
    return booking


def booking_expire_holds(*, now: dt.datetime | None = None) -> int:
    """Expire the holds and requests whose time ran out; return how many. Each booking is
    expired in its own transaction, re-read under its lock: a payment that confirmed it
    meanwhile wins, and a payment that lands after it is refunded automatically. A hold
    with a payment under way gets ``PAYMENT_GRACE_MINUTES`` more."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status__in=(B.HELD, B.REQUESTED), hold_expires_at__lte=now
    ).values_list("pk", flat=True)
    return sum(_expire_one(pk, now) for pk in list(due[:EXPIRY_BATCH]))


@conflict_on_lock_timeout
@transaction.atomic
def _expire_one(pk: int, now: dt.datetime) -> bool:
    from midas.payments.selectors import in_flight_charges

    booking = lock_booking(pk)
    expires = booking.hold_expires_at
    if booking.status not in (B.HELD, B.REQUESTED) or expires is None or expires > now:
        return False
    paying = in_flight_charges(booking).exists()
    if paying and now < expires + payment_grace():
        return False
    was_request = booking.status == B.REQUESTED
    booking.status = B.EXPIRED
    booking.save(update_fields=["status", "updated_at"])
    _free_slot(booking, now)
    if was_request:
        tell_customer(
            booking,
            "request_declined",
            dedupe="declined",
            reason="We could not confirm your request in time, so the dates are free again.",
            lapsed=True,
        )
    else:
        tell_customer(booking, "hold_expired", dedupe="expired")
    _audit(booking, "expired")
    return True


def approval_reminder_lead() -> dt.timedelta:
    """How long before an unanswered request lapses staff are reminded (0: never)."""
    return dt.timedelta(minutes=settings.BOOKING_APPROVAL_REMINDER_MINUTES)


def booking_remind_approvals(*, now: dt.datetime | None = None) -> int:
    """Remind the concierge team of the requests-to-book that lapse within
    ``BOOKING_APPROVAL_REMINDER_MINUTES`` unanswered; once per request (the outbox's dedupe
    key), and not for requests made with less time than that left (the new-request email,
    just sent, names the deadline). Returns how many requests were due."""
    now = now or timezone.now()
    lead = approval_reminder_lead()
    if lead <= dt.timedelta(0):
        return 0
    due = Booking.objects.filter(
        status=B.REQUESTED,
        hold_expires_at__gt=now,
        hold_expires_at__lte=now + lead,
        created_at__lte=F("hold_expires_at") - lead,
    ).select_related("customer", "asset", "asset__category", "location")
    count = 0
    for booking in due:
        with transaction.atomic():
            tell_staff(
                booking,
                "staff_approval_reminder",
                dedupe="approval_reminder",
                time_left=_duration_words((booking.hold_expires_at or now) - now),
            )
        count += 1
    return count


def _duration_words(span: dt.timedelta) -> str:
    """``"1 h 55 min"``, ``"45 min"``: a duration for a person, to the minute (at least 1)."""
    minutes = max(1, round(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def booking_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind customers of bookings starting within 24 hours; once per booking (the
    outbox's dedupe key), and not for bookings confirmed inside that window (their
    confirmation is recent enough). Returns how many bookings were due."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=B.CONFIRMED,
        start__gt=now,
        start__lte=now + REMINDER_LEAD,
        confirmed_at__lte=F("start") - REMINDER_LEAD,
    ).select_related("customer", "asset", "asset__category", "location")
    count = 0
    for booking in due:
        with transaction.atomic():
            tell_customer(booking, "booking_reminder", dedupe="reminder")
        count += 1
    return count
