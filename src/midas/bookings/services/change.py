"""Changing a confirmed booking's dates (and guests), and staff refunds of a custom amount.

One write path for the customer's page, the API and the back office
(docs/explanation/booking-changes.md):

- ``booking_change_preview``: the new quote, the difference and the policy; writes nothing.
- ``booking_change``: a cheaper (or equal, or waived by staff) period is swapped at once: in
  one transaction the reservation is moved in place (``slots.move``: the old span freed and
  the new one taken in the same row, under the same database rule as ``reserve``), the
  booking re-priced, the refund of the difference opened in the ledger, a ``BookingChange``
  row, the emails and the audit line written; the refund is sent after the commit.
  A dearer period is **paid first**: a ``BookingChange`` awaiting payment and its charge row
  are recorded, the provider is called outside any transaction, and when the charge succeeds
  the ledger calls ``booking_change_paid`` in the transaction that records it, which swaps
  the dates there and then; if the new dates were taken meanwhile, the difference is
  refunded automatically and the booking keeps its old dates. So a customer never holds
  dates they have not paid for, and never pays for dates they do not get.
- ``booking_refund_custom``: staff give back any amount up to what was paid and not yet
  refunded, with a reason; audited, recorded, the customer emailed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.locking import conflict_on_lock_timeout, lock_booking
from midas.bookings.models import (
    Booking,
    BookingChange,
    BookingChangeKind,
    BookingChangeStatus,
    BookingStatus,
)
from midas.bookings.policies import change_cutoff, describe_change_policy
from midas.bookings.pricing import Quote, quote
from midas.bookings.services.notices import local_time, tell_customer, tell_staff
from midas.bookings.services.slots import move
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.money import format_money

if TYPE_CHECKING:
    from midas.payments.models import Payment

CHANGEABLE = (BookingStatus.CONFIRMED,)
REFUNDABLE = (
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
    BookingStatus.COMPLETED,
    BookingStatus.CANCELLED,
    BookingStatus.REFUNDED,
)
CHANGE_KEY = re.compile(r"^booking:[^:]+:change:(\d+):charge:\d+$")
ChangeStatus = BookingChangeStatus


@dataclass(frozen=True)
class ChangePreview:
    """What a change would do, computed on the server (never from a client's figures)."""

    booking: Booking
    start: dt.datetime
    end: dt.datetime
    guests: int | None
    quote: Quote
    by_staff: bool
    old_total: int
    new_total: int
    difference: int  # new - old: positive is owed by the customer
    charge_minor: int  # what the customer pays now
    refund_minor: int  # what goes back to the card
    waived_minor: int  # a difference staff chose not to charge
    deposit_minor: int  # the security deposit after the change
    policy: list[str]

    @property
    def currency(self) -> str:
        return self.booking.currency

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def explanation(self) -> str:
        if self.charge_minor:
            return f"The new dates cost {self.money(self.charge_minor)} more: pay it to confirm."
        if self.refund_minor:
            return f"The new dates cost less: {self.money(self.refund_minor)} back to your card."
        if self.waived_minor:
            return f"The difference of {self.money(self.waived_minor)} is waived by our concierge."
        return "The new dates cost the same."


@dataclass(frozen=True)
class ChangeOutcome:
    status: str  # changed | requires_action | declined | refunded | processing
    booking: Booking
    change: BookingChange
    action_url: str = ""
    message: str = ""

    @property
    def changed(self) -> bool:
        return self.status == "changed"


# --- The rules ------------------------------------------------------------------------------


def _check_access(booking: Booking, by: User | None) -> bool:
    """Whether ``by`` acts as staff; someone else's booking is ``not_found``."""
    if by is None:
        return True  # the system
    if by.is_staff:
        return True
    if by.pk != booking.customer_id:
        raise AppError(ErrorCode.NOT_FOUND, "no such booking")
    return False


def check_changeable(booking: Booking, *, by_staff: bool, now: dt.datetime) -> None:
    """The change policy: confirmed, not started, and (online) not inside the cutoff."""
    if booking.status not in CHANGEABLE:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"only a confirmed booking can be changed; {booking.reference} is "
            f"{booking.get_status_display().lower()}",
        )
    if booking.start <= now:
        raise AppError(
            ErrorCode.CHANGE_NOT_ALLOWED, f"booking {booking.reference} has already started"
        )
    cutoff = change_cutoff(booking.asset.category.slug)
    if not by_staff and booking.start - now < cutoff:
        raise AppError(
            ErrorCode.CHANGE_NOT_ALLOWED,
            f"{describe_change_policy(booking.asset.category.slug)[0][:-1]}; please contact "
            "our concierge to change it now",
        )


def may_change(booking: Booking, now: dt.datetime) -> bool:
    """Whether the customer may change ``booking`` online now (the pages show the link)."""
    try:
        check_changeable(booking, by_staff=False, now=now)
    except AppError:
        return False
    return True


def _quote(
    booking: Booking, start: dt.datetime, end: dt.datetime, guests: int | None, now: dt.datetime
) -> Quote:
    """The new period priced as at checkout: the same place, extras and customer (their
    service tier), the guests checked against the capacity (``over_capacity``)."""
    return quote(
        asset=booking.asset,
        start=start,
        end=end,
        now=now,
        location=booking.location,
        extras=list(booking.extras),
        guests=guests,
        customer=booking.customer,
    )


def _net_paid(booking: Booking) -> int:
    from midas.payments.selectors import ledger_totals

    totals = ledger_totals(booking)
    return max(0, totals.paid - totals.refunded - totals.refund_pending)


def booking_change_preview(
    *,
    booking: Booking,
    start: dt.datetime,
    end: dt.datetime,
    by: User | None,
    guests: int | None = None,
    waive_difference: bool = False,
    now: dt.datetime | None = None,
) -> ChangePreview:
    """The new quote and the difference of moving ``booking`` to ``[start, end)`` (and
    ``guests``; None keeps them). Raises the quote's errors (``start_in_past``...),
    ``invalid_state``, ``change_not_allowed``, ``invalid_input``, ``not_found``."""
    now = now or timezone.now()
    by_staff = _check_access(booking, by)
    if waive_difference and not by_staff:
        raise AppError(ErrorCode.FORBIDDEN, "only our concierge team may waive a difference")
    check_changeable(booking, by_staff=by_staff, now=now)
    if booking.trip:
        raise AppError(
            ErrorCode.CHANGE_NOT_ALLOWED,
            "a flight priced by its route is changed by our concierge: please contact us",
        )
    guests = booking.guests if guests is None else guests
    if (start, end, guests) == (booking.start, booking.end, booking.guests):
        raise AppError(ErrorCode.INVALID_INPUT, "those are the booking's dates already")
    priced = _quote(booking, start, end, guests, now)
    difference = priced.total - booking.total_minor
    charge = max(0, difference)
    waived = charge if waive_difference else 0
    return ChangePreview(
        booking=booking,
        start=start,
        end=end,
        guests=guests,
        quote=priced,
        by_staff=by_staff,
        old_total=booking.total_minor,
        new_total=priced.total,
        difference=difference,
        charge_minor=charge - waived,
        refund_minor=min(max(0, -difference), _net_paid(booking)),
        waived_minor=waived,
        deposit_minor=priced.security_deposit,
        policy=describe_change_policy(booking.asset.category.slug),
    )


# --- The change -----------------------------------------------------------------------------


def booking_change(
    *,
    booking: Booking,
    start: dt.datetime,
    end: dt.datetime,
    by: User | None,
    guests: int | None = None,
    payment_method: str = "",
    expected_difference: int | None = None,
    waive_difference: bool = False,
    reason: str = "",
    return_url: str = "",
    now: dt.datetime | None = None,
) -> ChangeOutcome:
    """Move ``booking`` to ``[start, end)`` (and ``guests``), or raise with nothing written.

    ``expected_difference``: the difference the customer was shown; if the price moved
    since, ``price_changed`` (409) so they can look again. A dearer change is charged to
    ``payment_method`` first (sandbox: a test card; Stripe: a ``pm_`` id); staff may
    ``waive_difference``. Raises ``slot_unavailable`` when the new dates are taken."""
    from midas.payments.providers import provider_name
    from midas.payments.services import payment_abandon_at_provider, payment_call

    now = now or timezone.now()
    preview = booking_change_preview(
        booking=booking,
        start=start,
        end=end,
        by=by,
        guests=guests,
        waive_difference=waive_difference,
        now=now,
    )
    if expected_difference is not None and expected_difference != preview.difference:
        raise AppError(
            ErrorCode.PRICE_CHANGED,
            f"the difference is now {preview.money(preview.difference)}; please look again",
        )
    if not preview.charge_minor:
        change, abandoned = _change_now(preview=preview, by=by, reason=reason, now=now)
        payment_abandon_at_provider(payments=abandoned, now=now)
        return _after(change, now=now)
    method = (payment_method or "").strip()
    if not method:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"choose a card to pay the difference of {preview.money(preview.charge_minor)}",
            field="payment_method",
        )
    row, abandoned = _open_change_charge(
        preview=preview, by=by, reason=reason, provider=provider_name(), now=now
    )
    payment_abandon_at_provider(payments=abandoned, now=now)
    fresh = row.booking
    row = payment_call(
        payment=row,
        now=now,
        reference=fresh.reference,
        amount_minor=row.amount_minor,
        currency=row.currency,
        description=f"{fresh.asset.name}, change of booking {fresh.reference}",
        customer_email=fresh.customer.email,
        payment_method=method,
        capture=True,
        return_url=return_url,
        metadata={"payment": str(row.pk), "kind": row.kind, "change": str(change_id(row))},
    )
    return change_outcome(row, now=now)


def _same_as_previewed(booking: Booking, preview: ChangePreview) -> None:
    seen = preview.booking
    if (booking.start, booking.end, booking.total_minor, booking.guests) != (
        seen.start,
        seen.end,
        seen.total_minor,
        seen.guests,
    ):
        raise AppError(ErrorCode.PRICE_CHANGED, "the booking changed meanwhile; please look again")


def _new_change(
    booking: Booking, preview: ChangePreview, by: User | None, reason: str, status: str
) -> BookingChange:
    return BookingChange.objects.create(
        booking=booking,
        kind=BookingChangeKind.DATES,
        status=status,
        by=by,
        by_staff=preview.by_staff,
        reason=reason[:200],
        old_start=booking.start,
        old_end=booking.end,
        new_start=preview.start,
        new_end=preview.end,
        old_guests=booking.guests,
        new_guests=preview.guests,
        currency=booking.currency,
        old_total_minor=booking.total_minor,
        new_total_minor=preview.new_total,
        new_quote_lines=[dataclasses.asdict(line) for line in preview.quote.lines],
        new_security_deposit_minor=preview.deposit_minor,
        charge_minor=preview.charge_minor,
        refund_minor=preview.refund_minor,
        waived_minor=preview.waived_minor,
    )


def _supersede(booking: Booking, now: dt.datetime) -> list[Payment]:
    """Earlier changes still awaiting payment give way to a new one; their charges still
    under way are abandoned (one that goes through after all is refunded)."""
    from midas.payments.models import Payment, PaymentKind, PaymentStatus

    waiting = list(
        BookingChange.objects.select_for_update().filter(
            booking=booking, status=ChangeStatus.AWAITING_PAYMENT
        )
    )
    abandoned: list[Payment] = []
    for change in waiting:
        change.status = ChangeStatus.FAILED
        change.failure = "it was replaced by a newer change"
        change.save(update_fields=["status", "failure", "updated_at"])
        rows = Payment.objects.filter(
            booking=booking,
            kind=PaymentKind.CHARGE,
            status__in=(PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION),
            idempotency_key__startswith=f"booking:{booking.reference}:change:{change.pk}:",
        )
        for row in rows:
            row.status = PaymentStatus.CANCELED
            row.failure_code = "abandoned"
            row.save(update_fields=["status", "failure_code", "updated_at"])
            abandoned.append(row)
    return abandoned


@conflict_on_lock_timeout
@transaction.atomic
def _change_now(
    *, preview: ChangePreview, by: User | None, reason: str, now: dt.datetime
) -> tuple[BookingChange, list[Payment]]:
    booking = lock_booking(preview.booking.pk)
    check_changeable(booking, by_staff=preview.by_staff, now=now)
    _same_as_previewed(booking, preview)
    abandoned = _supersede(booking, now)
    change = _new_change(booking, preview, by, reason, ChangeStatus.APPLIED)
    _swap(booking, change, now)
    return change, abandoned


@conflict_on_lock_timeout
@transaction.atomic
def _open_change_charge(
    *, preview: ChangePreview, by: User | None, reason: str, provider: str, now: dt.datetime
) -> tuple[Payment, list[Payment]]:
    from midas.payments.models import PaymentKind
    from midas.payments.services.ledger import payment_open

    booking = lock_booking(preview.booking.pk)
    check_changeable(booking, by_staff=preview.by_staff, now=now)
    _same_as_previewed(booking, preview)
    abandoned = _supersede(booking, now)
    change = _new_change(booking, preview, by, reason, ChangeStatus.AWAITING_PAYMENT)
    row = payment_open(
        booking=booking,
        kind=PaymentKind.CHARGE,
        amount_minor=preview.charge_minor,
        idempotency_key=f"booking:{booking.reference}:change:{change.pk}:charge:1",
        provider=provider,
    )
    audit(
        "bookings.booking.change_requested",
        actor=by,
        obj=booking,
        reference=booking.reference,
        change=change.pk,
        charge_minor=preview.charge_minor,
    )
    row.booking = booking
    return row, abandoned


def _swap(booking: Booking, change: BookingChange, now: dt.datetime) -> None:
    """Inside the caller's transaction, the booking locked: move the reservation, re-price
    the booking, open the refund and any deposit adjustment, tell everyone. Raises
    ``slot_unavailable`` with nothing written (the move is the first write)."""
    reservation = booking.reservation if booking.reservation_id else None
    if reservation is None:
        raise AppError(ErrorCode.INVALID_STATE, "this booking holds no dates to move")
    booking.reservation = move(
        reservation=reservation,
        start=change.new_start,
        end=change.new_end,
        note=f"booking {booking.reference}",
    )
    old_deposit = booking.security_deposit_minor
    booking.start, booking.end, booking.guests = change.new_start, change.new_end, change.new_guests
    booking.quote_lines = change.new_quote_lines
    booking.total_minor = change.new_total_minor
    booking.security_deposit_minor = change.new_security_deposit_minor
    booking.save(
        update_fields=[
            "start",
            "end",
            "guests",
            "quote_lines",
            "total_minor",
            "security_deposit_minor",
            "updated_at",
        ]
    )
    _refund_latest_first(booking, change.refund_minor)
    _adjust_deposit(booking, change, old_deposit, now)
    if change.status != ChangeStatus.APPLIED:
        change.status = ChangeStatus.APPLIED
    change.applied_at = now
    change.save(update_fields=["status", "applied_at", "updated_at"])
    details = _details(booking, change)
    tell_customer(booking, "booking_changed", dedupe=f"changed:{change.pk}", **details)
    tell_staff(booking, "staff_booking_changed", dedupe=f"changed:{change.pk}", **details)
    audit(
        "bookings.booking.changed",
        actor=change.by,
        obj=booking,
        reference=booking.reference,
        change=change.pk,
        old_start=change.old_start.isoformat(),
        new_start=change.new_start.isoformat(),
        old_end=change.old_end.isoformat(),
        new_end=change.new_end.isoformat(),
        charge_minor=change.charge_minor,
        refund_minor=change.refund_minor,
        waived_minor=change.waived_minor,
    )


def _adjust_deposit(
    booking: Booking, change: BookingChange, old_deposit: int, now: dt.datetime
) -> None:
    """A deposit hold placed for the old dates is released when the amount changed or the
    new start is beyond the hold's lead (an authorisation lasts about a week); the hold for
    the new booking is placed by ``payments_settle`` when due."""
    from midas.payments.selectors import active_hold
    from midas.payments.services.deposits import hold_lead
    from midas.payments.services.ledger import payment_open

    hold = active_hold(booking)
    if hold is None:
        return
    if hold.amount_minor == booking.security_deposit_minor and booking.start - now <= hold_lead():
        return
    payment_open(
        booking=booking,
        kind="deposit_release",
        amount_minor=hold.amount_minor,
        idempotency_key=f"{hold.idempotency_key}:release:change-{change.pk}",
        provider=hold.provider,
        parent=hold,
    )


def _details(booking: Booking, change: BookingChange) -> dict[str, Any]:
    money = booking.currency
    return {
        "change": change,
        "old_start_local": local_time(change.old_start, booking),
        "old_end_local": local_time(change.old_end, booking),
        "old_guests": change.old_guests,
        "new_guests": change.new_guests,
        "old_total": format_money(change.old_total_minor, money),
        "new_total": format_money(change.new_total_minor, money),
        "charge_minor": change.charge_minor,
        "charged": format_money(change.charge_minor, money),
        "refund_minor": change.refund_minor,
        "refund": format_money(change.refund_minor, money),
        "waived_minor": change.waived_minor,
        "waived": format_money(change.waived_minor, money),
        "changed_by": "our concierge" if change.by_staff else "you",
        "reason": change.reason,
    }


def _after(change: BookingChange, *, now: dt.datetime) -> ChangeOutcome:
    """Send what the change left pending (refunds, deposit moves), then say how it went."""
    from midas.payments.services import payments_settle

    booking = Booking.objects.select_related("asset", "location", "customer").get(
        pk=change.booking_id
    )
    payments_settle(booking=booking, now=now)
    change.refresh_from_db()
    booking = Booking.objects.select_related("asset", "location", "customer").get(pk=booking.pk)
    if change.status == ChangeStatus.APPLIED:
        return ChangeOutcome("changed", booking, change)
    return ChangeOutcome(
        "refunded",
        booking,
        change,
        message=f"The change could not be made ({change.failure}); the "
        f"{format_money(change.charge_minor, booking.currency)} paid is refunded.",
    )


# --- The difference paid ---------------------------------------------------------------------


def change_id(payment: Payment) -> int | None:
    """The ``BookingChange`` a charge pays for (from its idempotency key), or None."""
    found = CHANGE_KEY.match(payment.idempotency_key)
    return int(found.group(1)) if found else None


def change_outcome(row: Payment, *, now: dt.datetime) -> ChangeOutcome:
    """What a difference charge's recorded state means to the customer."""
    from midas.payments.models import PaymentStatus
    from midas.payments.services.checkout import challenge_path

    pk = change_id(row)
    if pk is None:
        raise AppError(ErrorCode.INVALID_INPUT, "this payment is not a change's")
    change = BookingChange.objects.select_related("booking").get(pk=pk)
    if row.status == PaymentStatus.SUCCEEDED:
        return _after(change, now=now)
    booking = Booking.objects.select_related("asset", "location", "customer").get(
        pk=change.booking_id
    )
    if row.status == PaymentStatus.REQUIRES_ACTION:
        url = challenge_path(row) if row.provider == "sandbox" else _bank_url(row)
        return ChangeOutcome("requires_action", booking, change, action_url=url)
    if row.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        message = row.failure_message or "The payment did not go through."
        return ChangeOutcome("declined", booking, change, message=message)
    return ChangeOutcome("processing", booking, change, message="The payment is being processed.")


def _bank_url(row: Payment) -> str:
    """Where the provider sends the customer to confirm with their bank, if it says."""
    from midas.payments.providers import get_provider

    if not row.provider_ref:
        return ""
    try:
        return get_provider(row.provider).retrieve(row.provider_ref).action_url
    except Exception:  # the webhook finishes the job; the page says to wait
        return ""


def booking_change_paid(*, booking: Booking, payment: Payment, now: dt.datetime) -> bool:
    """Called by the ledger, in the transaction that records a succeeded charge (the booking
    locked): if the charge pays for a change, make the change now, or, when it can no longer
    be made (the dates taken meanwhile, the booking cancelled or started, a newer change),
    refund the charge in full. False when the charge is not a change's."""
    from midas.payments.selectors import refundable_minor
    from midas.payments.services.ledger import payment_open

    pk = change_id(payment)
    if pk is None:
        return False
    change = BookingChange.objects.select_for_update().get(pk=pk, booking=booking)
    why = ""
    if change.status != ChangeStatus.AWAITING_PAYMENT:
        why = change.failure or "it was replaced by a newer change"
    elif (booking.start, booking.end) != (change.old_start, change.old_end):
        why = "the booking changed meanwhile"
    else:
        try:
            check_changeable(booking, by_staff=True, now=now)
            with transaction.atomic():  # a refusal leaves nothing of the swap behind
                _swap(booking, change, now)
            return True
        except AppError as exc:
            why = exc.message
    if change.status == ChangeStatus.AWAITING_PAYMENT:
        change.status = ChangeStatus.FAILED
        change.failure = why[:200]
        change.save(update_fields=["status", "failure", "updated_at"])
    payment_open(
        booking=booking,
        kind="refund",
        amount_minor=refundable_minor(payment),
        idempotency_key=f"{payment.idempotency_key}:refund:auto",
        provider=payment.provider,
        parent=payment,
    )
    tell_customer(
        booking,
        "booking_change_failed",
        dedupe=f"change-failed:{change.pk}:{payment.pk}",
        **{
            **_details(booking, change),
            "failure": why,
            "refund": format_money(payment.amount_minor, booking.currency),
        },
    )
    audit(
        "bookings.booking.change_failed",
        actor=None,
        obj=booking,
        reference=booking.reference,
        change=change.pk,
        why=why[:200],
    )
    return True


# --- Staff refunds ------------------------------------------------------------------------------


def booking_refund_custom(
    *,
    booking: Booking,
    amount_minor: int,
    by: User | None,
    reason: str,
    now: dt.datetime | None = None,
) -> BookingChange:
    """Staff refund ``amount_minor`` of what the customer paid (a goodwill gesture, a
    correction), never more than was paid and not yet refunded, with a required reason.
    Recorded as a ``BookingChange`` (kind refund), audited, the customer emailed; the
    refund is sent to the provider after the commit."""
    from midas.payments.services import payments_settle

    now = now or timezone.now()
    if by is None or not by.is_staff:
        raise AppError(ErrorCode.FORBIDDEN, "only our concierge team may refund an amount")
    reason = (reason or "").strip()
    if not reason:
        raise AppError(ErrorCode.INVALID_INPUT, "say why the money is refunded", field="reason")
    change = _open_custom_refund(booking=booking, amount_minor=amount_minor, by=by, reason=reason)
    payments_settle(booking=change.booking, now=now)
    change.refresh_from_db()
    return change


@conflict_on_lock_timeout
@transaction.atomic
def _open_custom_refund(
    *, booking: Booking, amount_minor: int, by: User, reason: str
) -> BookingChange:
    booking = lock_booking(booking.pk)
    if booking.status not in REFUNDABLE:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"booking {booking.reference} is {booking.get_status_display().lower()}: "
            "nothing was paid",
        )
    left = _net_paid(booking)
    if not 0 < amount_minor <= left:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"refund between {format_money(1, booking.currency)} and "
            f"{format_money(left, booking.currency)} (paid and not yet refunded)"
            if left
            else "nothing is left to refund",
            field="amount_minor",
        )
    change = BookingChange.objects.create(
        booking=booking,
        kind=BookingChangeKind.REFUND,
        status=ChangeStatus.APPLIED,
        by=by,
        by_staff=True,
        reason=reason[:200],
        old_start=booking.start,
        old_end=booking.end,
        new_start=booking.start,
        new_end=booking.end,
        old_guests=booking.guests,
        new_guests=booking.guests,
        currency=booking.currency,
        old_total_minor=booking.total_minor,
        new_total_minor=booking.total_minor,
        refund_minor=amount_minor,
        applied_at=timezone.now(),
    )
    _refund_latest_first(booking, amount_minor)
    money = format_money(amount_minor, booking.currency)
    tell_customer(
        booking,
        "booking_refund_issued",
        dedupe=f"refund:{change.pk}",
        refund=money,
        refund_minor=amount_minor,
        reason=reason,
    )
    audit(
        "bookings.booking.refund_custom",
        actor=by,
        obj=booking,
        reference=booking.reference,
        change=change.pk,
        amount_minor=amount_minor,
        reason=reason[:200],
    )
    change.booking = booking
    return change


def _refund_latest_first(booking: Booking, amount_minor: int) -> None:
    """Open refunds of ``amount_minor`` across the booking's succeeded charges, the latest
    first, each at most what is left refundable on it."""
    from midas.payments.selectors import refundable_minor, succeeded_charges
    from midas.payments.services.ledger import child_key, payment_open

    rest = amount_minor
    for charge in reversed(list(succeeded_charges(booking))):
        amount = min(rest, refundable_minor(charge))
        if amount > 0:
            payment_open(
                booking=booking,
                kind="refund",
                amount_minor=amount,
                idempotency_key=child_key(charge, "refund"),
                provider=charge.provider,
                parent=charge,
            )
            rest -= amount
