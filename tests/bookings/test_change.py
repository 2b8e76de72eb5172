"""booking_change and booking_refund_custom: new dates or guests within the policy, the
difference charged or refunded through the ledger, the swap atomic, the emails, staff refunds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.models import (
    Booking,
    BookingChange,
    BookingChangeKind,
    BookingChangeStatus,
    BookingStatus,
    Reservation,
    ReservationStatus,
)
from midas.bookings.services import (
    booking_change,
    booking_change_preview,
    booking_create,
    booking_refund_custom,
)
from midas.errors import AppError, ErrorCode
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers.sandbox import SandboxProvider
from midas.payments.selectors import active_hold, ledger_totals
from midas.payments.services import payment_complete_challenge
from tests.factories import NOW, make_asset, make_driver, make_paid_booking, make_staff, outbox
from tests.payments.reconcile import assert_reconciles

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
H = dt.timedelta(hours=1)
VISA = "4242424242424242"
DECLINED = "4000000000000002"
AUTHENTICATE = "4000002500003155"


def snapshot(booking: Booking) -> tuple:
    """Everything a failed change must leave as it was."""
    booking = Booking.objects.get(pk=booking.pk)
    reservation = Reservation.objects.get(pk=booking.reservation_id)
    return (
        booking.start,
        booking.end,
        booking.total_minor,
        booking.status,
        reservation.start,
        reservation.end,
        reservation.status,
        Payment.objects.filter(booking=booking).count(),
        BookingChange.objects.filter(booking=booking).count(),
        OutboxMessage.objects.count(),
    )


def test_a_cheaper_period_is_swapped_in_place_and_the_difference_refunded():
    booking = make_paid_booking(days_ahead=10, length_days=3)
    reservation_id = booking.reservation_id
    start = booking.start + DAY
    outcome = booking_change(
        booking=booking, start=start, end=start + DAY, by=booking.customer, now=NOW
    )
    assert outcome.status == "changed"
    changed = outcome.booking
    assert (changed.start, changed.end, changed.status) == (
        start,
        start + DAY,
        BookingStatus.CONFIRMED,
    )
    assert changed.total_minor < booking.total_minor
    assert changed.total_minor == sum(line["amount"] for line in changed.quote_lines)
    reservation = Reservation.objects.get(pk=reservation_id)  # the same row, moved
    assert (reservation.start, reservation.end, reservation.status) == (
        start,
        start + DAY,
        ReservationStatus.ACTIVE,
    )
    assert reservation.occupied_until == start + DAY + dt.timedelta(minutes=120)
    totals = ledger_totals(changed)
    assert totals.paid == booking.total_minor
    assert totals.refunded == booking.total_minor - changed.total_minor
    assert totals.net_paid == changed.total_minor
    assert_reconciles(changed)
    change = BookingChange.objects.get(booking=booking)
    assert (change.kind, change.status, change.refund_minor, change.charge_minor) == (
        BookingChangeKind.DATES,
        BookingChangeStatus.APPLIED,
        booking.total_minor - changed.total_minor,
        0,
    )
    assert (change.old_start, change.new_start, change.by) == (
        booking.start,
        start,
        booking.customer,
    )


def test_the_old_dates_are_free_for_others_and_the_new_ones_are_not():
    booking = make_paid_booking(days_ahead=10, length_days=2)
    old_start = booking.start
    start = old_start + 5 * DAY
    booking_change(booking=booking, start=start, end=start + 2 * DAY, by=booking.customer, now=NOW)
    other = booking_create(
        customer=make_driver(),
        asset=booking.asset,
        start=old_start,
        end=old_start + 2 * DAY,
        now=NOW,
    )
    assert other.status == BookingStatus.HELD
    with pytest.raises(AppError) as taken:
        booking_create(
            customer=make_driver(), asset=booking.asset, start=start, end=start + DAY, now=NOW
        )
    assert taken.value.code == ErrorCode.SLOT_UNAVAILABLE


def test_a_dearer_period_is_paid_first_and_the_ledger_reconciles():
    booking = make_paid_booking(days_ahead=10, length_days=2)
    preview = booking_change_preview(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        now=NOW,
    )
    assert preview.charge_minor == preview.difference > 0
    assert preview.refund_minor == 0
    assert "more" in preview.explanation
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        payment_method=VISA,
        expected_difference=preview.difference,
        now=NOW,
    )
    assert outcome.status == "changed", outcome.message
    changed = outcome.booking
    assert changed.end == booking.end + DAY
    assert changed.total_minor == preview.new_total
    totals = ledger_totals(changed)
    assert totals.paid == booking.total_minor + preview.difference
    assert totals.refunded == 0
    assert totals.net_paid == changed.total_minor
    assert_reconciles(changed)
    charge = Payment.objects.filter(kind=PaymentKind.CHARGE).order_by("id").last()
    assert charge.amount_minor == preview.difference
    assert charge.idempotency_key == (
        f"booking:{booking.reference}:change:{outcome.change.pk}:charge:1"
    )
    assert SandboxProvider().object(charge.provider_ref)["amount_received"] == preview.difference
    assert outcome.change.status == BookingChangeStatus.APPLIED


def test_the_customer_is_emailed_the_new_dates_in_the_citys_time_and_staff_are_told():
    booking = make_paid_booking(days_ahead=10, length_days=2)
    start = dt.datetime(2027, 1, 20, 15, 0, tzinfo=dt.UTC)  # 10:00 in Miami
    booking_change(
        booking=booking,
        start=start,
        end=start + 2 * DAY,
        by=booking.customer,
        payment_method=VISA,
        now=NOW,
    )
    [mail] = outbox(template="booking_changed")
    assert mail.to == booking.customer.email
    assert "Wed 20 Jan 2027, 10:00 (America/New_York)" in mail.body_text
    assert "Fri 22 Jan 2027, 10:00" in mail.body_text
    assert booking.reference in mail.subject
    [staff] = outbox(template="staff_booking_changed")
    assert booking.reference in staff.subject
    assert "Wed 20 Jan 2027, 10:00" in staff.body_text
    assert "payment_failed" not in {m.template for m in outbox()}


def test_a_cheaper_change_email_names_the_refund():
    booking = make_paid_booking(days_ahead=10, length_days=3)
    booking_change(
        booking=booking, start=booking.start, end=booking.end - DAY, by=booking.customer, now=NOW
    )
    [mail] = outbox(template="booking_changed")
    refund = booking.total_minor - Booking.objects.get(pk=booking.pk).total_minor
    assert f"REFUND: USD {refund / 100:,.2f}" in mail.body_text


def test_a_dearer_change_without_a_card_writes_nothing():
    booking = make_paid_booking(days_ahead=10)
    before = snapshot(booking)
    with pytest.raises(AppError) as error:
        booking_change(
            booking=booking,
            start=booking.start,
            end=booking.end + DAY,
            by=booking.customer,
            now=NOW,
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_INPUT, "payment_method")
    assert snapshot(booking) == before


def test_a_declined_card_keeps_the_old_dates_and_charges_nothing():
    booking = make_paid_booking(days_ahead=10)
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        payment_method=DECLINED,
        now=NOW,
    )
    assert outcome.status == "declined"
    assert "declined" in outcome.message
    fresh = Booking.objects.get(pk=booking.pk)
    assert (fresh.start, fresh.end, fresh.total_minor) == (
        booking.start,
        booking.end,
        booking.total_minor,
    )
    assert ledger_totals(fresh).paid == booking.total_minor
    # a second try with a good card supersedes the first and goes through
    again = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        payment_method=VISA,
        now=NOW,
    )
    assert again.status == "changed"
    statuses = list(BookingChange.objects.order_by("id").values_list("status", flat=True))
    assert statuses == [BookingChangeStatus.FAILED, BookingChangeStatus.APPLIED]
    assert_reconciles(again.booking)


def test_taken_dates_are_refused_with_nothing_written():
    booking = make_paid_booking(days_ahead=10)
    start = booking.start + 5 * DAY
    make_paid_booking(asset=booking.asset, days_ahead=15)  # someone else's, on those dates
    before = snapshot(booking)
    with pytest.raises(AppError) as error:
        booking_change(
            booking=booking, start=start, end=start + 2 * DAY, by=booking.customer, now=NOW
        )
    assert error.value.code == ErrorCode.SLOT_UNAVAILABLE
    assert error.value.status == 409
    assert snapshot(booking) == before


def test_moving_onto_an_overlap_of_its_own_dates_is_allowed():
    booking = make_paid_booking(days_ahead=10, length_days=2)
    start = booking.start + DAY  # overlaps the booking's own old span only
    outcome = booking_change(
        booking=booking, start=start, end=start + 2 * DAY, by=booking.customer, now=NOW
    )
    assert outcome.status == "changed"
    assert Reservation.objects.filter(status=ReservationStatus.ACTIVE).count() == 1


def test_a_failure_between_the_steps_leaves_the_old_period_held_and_nothing_refunded(
    monkeypatch,
):
    booking = make_paid_booking(days_ahead=10, length_days=3)
    before = snapshot(booking)

    def broken(*args, **kwargs):
        raise RuntimeError("the process died after the move, before the emails")

    monkeypatch.setattr("midas.bookings.services.change.tell_staff", broken)
    with pytest.raises(RuntimeError):
        booking_change(
            booking=booking,
            start=booking.start,
            end=booking.end - DAY,
            by=booking.customer,
            now=NOW,
        )
    assert snapshot(booking) == before
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()
    assert ledger_totals(booking).net_paid == booking.total_minor


def test_a_paid_change_that_loses_its_dates_meanwhile_is_refunded_and_keeps_the_old_ones():
    booking = make_paid_booking(days_ahead=10, length_days=2)
    start = booking.start + 5 * DAY
    outcome = booking_change(
        booking=booking,
        start=start,
        end=start + 3 * DAY,
        by=booking.customer,
        payment_method=AUTHENTICATE,
        now=NOW,
    )
    assert outcome.status == "requires_action"
    assert outcome.action_url.endswith("/answer/") or "/challenge/" in outcome.action_url
    # while the customer authenticates, someone else books the new dates
    make_paid_booking(asset=booking.asset, days_ahead=16, length_days=1)
    charge = Payment.objects.get(
        idempotency_key=f"booking:{booking.reference}:change:{outcome.change.pk}:charge:1"
    )
    payment_complete_challenge(payment=charge, approve=True, now=NOW)
    fresh = Booking.objects.get(pk=booking.pk)
    assert (fresh.start, fresh.end, fresh.total_minor) == (
        booking.start,
        booking.end,
        booking.total_minor,
    )
    assert Reservation.objects.get(pk=booking.reservation_id).start == booking.start
    change = BookingChange.objects.get(pk=outcome.change.pk)
    assert change.status == BookingChangeStatus.FAILED
    assert "not available" in change.failure
    totals = ledger_totals(fresh)
    assert totals.paid == booking.total_minor + charge.amount_minor
    assert totals.refunded == charge.amount_minor
    assert totals.net_paid == booking.total_minor
    assert_reconciles(fresh)
    [mail] = outbox(template="booking_change_failed")
    assert "keeps its dates" in mail.body_text
    assert not outbox(template="booking_changed")


def test_a_change_paid_after_the_booking_was_cancelled_is_refunded():
    from midas.bookings.services import booking_cancel

    booking = make_paid_booking(days_ahead=10)
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        payment_method=AUTHENTICATE,
        now=NOW,
    )
    booking_cancel(booking=booking, by=booking.customer, now=NOW)
    charge = Payment.objects.filter(kind=PaymentKind.CHARGE).order_by("id").last()
    assert charge.status == PaymentStatus.CANCELED  # abandoned by the cancellation
    change = BookingChange.objects.get(pk=outcome.change.pk)
    assert (change.status, change.failure) == (
        BookingChangeStatus.FAILED,
        "the booking was cancelled",
    )
    fresh = Booking.objects.get(pk=booking.pk)
    assert fresh.status == BookingStatus.REFUNDED
    assert ledger_totals(fresh).net_paid == 0


@pytest.mark.parametrize(
    ("hours_before", "staff", "code"),
    [
        (71, False, ErrorCode.CHANGE_NOT_ALLOWED),  # cars: online until 72 hours before
        (71, True, None),  # staff may
        (-1, True, ErrorCode.CHANGE_NOT_ALLOWED),  # started: nobody
    ],
)
def test_the_policy_window(hours_before, staff, code):
    booking = make_paid_booking(days_ahead=10)
    now = booking.start - hours_before * H
    by = make_staff() if staff else booking.customer
    start = booking.start + DAY
    call = dict(booking=booking, start=start, end=start + 2 * DAY, by=by, now=now)
    if code is None:
        assert booking_change(**call).status == "changed"
        return
    before = snapshot(booking)
    with pytest.raises(AppError) as error:
        booking_change(**call)
    assert error.value.code == code
    assert error.value.status == 409
    assert snapshot(booking) == before


def test_only_a_confirmed_booking_changes():
    from tests.factories import make_booking

    held = make_booking()
    with pytest.raises(AppError) as error:
        booking_change(
            booking=held, start=held.start + DAY, end=held.end + DAY, by=held.customer, now=NOW
        )
    assert error.value.code == ErrorCode.INVALID_STATE


def test_someone_elses_booking_is_not_found():
    booking = make_paid_booking(days_ahead=10)
    with pytest.raises(AppError) as error:
        booking_change_preview(
            booking=booking, start=booking.start, end=booking.end + DAY, by=make_driver(), now=NOW
        )
    assert error.value.code == ErrorCode.NOT_FOUND


def test_past_dates_and_the_same_dates_are_refused():
    booking = make_paid_booking(days_ahead=10)
    with pytest.raises(AppError) as past:
        booking_change(
            booking=booking, start=NOW - DAY, end=NOW + DAY, by=booking.customer, now=NOW
        )
    assert past.value.code == ErrorCode.START_IN_PAST
    with pytest.raises(AppError) as same:
        booking_change(
            booking=booking, start=booking.start, end=booking.end, by=booking.customer, now=NOW
        )
    assert same.value.code == ErrorCode.INVALID_INPUT


def test_guests_beyond_the_capacity_are_refused():
    yacht = make_asset("yachts", specs={"guests": 10, "length_m": 30})
    booking = make_paid_booking(asset=yacht, days_ahead=30)
    with pytest.raises(AppError) as error:
        booking_change(
            booking=booking,
            start=booking.start,
            end=booking.end,
            guests=11,
            by=booking.customer,
            now=NOW,
        )
    assert (error.value.code, error.value.field) == (ErrorCode.OVER_CAPACITY, "guests")
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end,
        guests=8,
        by=booking.customer,
        now=NOW,
    )
    assert outcome.booking.guests == 8


def test_a_price_moved_since_the_preview_is_refused():
    booking = make_paid_booking(days_ahead=10, length_days=3)
    with pytest.raises(AppError) as error:
        booking_change(
            booking=booking,
            start=booking.start,
            end=booking.end - DAY,
            by=booking.customer,
            expected_difference=-1,
            now=NOW,
        )
    assert error.value.code == ErrorCode.PRICE_CHANGED


def test_staff_may_waive_a_dearer_difference_and_customers_may_not():
    booking = make_paid_booking(days_ahead=10)
    with pytest.raises(AppError) as error:
        booking_change(
            booking=booking,
            start=booking.start,
            end=booking.end + DAY,
            by=booking.customer,
            waive_difference=True,
            now=NOW,
        )
    assert error.value.code == ErrorCode.FORBIDDEN
    staff = make_staff()
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=staff,
        waive_difference=True,
        reason="our mistake on the phone",
        now=NOW,
    )
    assert outcome.status == "changed"
    assert outcome.change.waived_minor == outcome.booking.total_minor - booking.total_minor > 0
    assert (outcome.change.by, outcome.change.by_staff) == (staff, True)
    assert ledger_totals(outcome.booking).paid == booking.total_minor
    [mail] = outbox(template="booking_changed")
    assert "by our concierge" in mail.body_text and "waived" in mail.body_text


def test_the_deposit_hold_follows_a_changed_deposit():
    booking = make_paid_booking(days_ahead=4, length_days=2)  # the deposit held at once
    hold = active_hold(booking)
    assert hold is not None and hold.amount_minor == 500_000
    asset = booking.asset
    asset.security_deposit_minor = 700_000
    asset.save(update_fields=["security_deposit_minor"])
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end - dt.timedelta(hours=12),
        by=make_staff(),
        now=NOW,
    )
    assert outcome.status == "changed"
    assert outcome.booking.security_deposit_minor == 700_000
    new_hold = active_hold(outcome.booking)
    assert new_hold is not None and new_hold.pk != hold.pk
    assert new_hold.amount_minor == 700_000
    totals = ledger_totals(outcome.booking)
    assert (totals.deposit_released, totals.deposit_held) == (500_000, 700_000)
    assert_reconciles(outcome.booking)


# --- Staff refunds of a custom amount -----------------------------------------------------


def test_staff_refund_a_custom_amount_with_a_reason():
    booking = make_paid_booking(days_ahead=10)
    staff = make_staff()
    change = booking_refund_custom(
        booking=booking, amount_minor=12_345, by=staff, reason="the car arrived late", now=NOW
    )
    assert (change.kind, change.status, change.refund_minor, change.by, change.reason) == (
        BookingChangeKind.REFUND,
        BookingChangeStatus.APPLIED,
        12_345,
        staff,
        "the car arrived late",
    )
    totals = ledger_totals(booking)
    assert (totals.refunded, totals.net_paid) == (12_345, booking.total_minor - 12_345)
    assert_reconciles(booking)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    [mail] = outbox(template="booking_refund_issued")
    assert mail.to == booking.customer.email
    assert "USD 123.45" in mail.subject and "the car arrived late" in mail.body_text


def test_a_custom_refund_never_exceeds_what_is_left():
    booking = make_paid_booking(days_ahead=10)
    staff = make_staff()
    booking_refund_custom(booking=booking, amount_minor=100, by=staff, reason="goodwill", now=NOW)
    before = snapshot(booking)
    with pytest.raises(AppError) as error:
        booking_refund_custom(
            booking=booking,
            amount_minor=booking.total_minor - 99,
            by=staff,
            reason="too much",
            now=NOW,
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_INPUT, "amount_minor")
    assert snapshot(booking) == before
    rest = booking_refund_custom(
        booking=booking, amount_minor=booking.total_minor - 100, by=staff, reason="all", now=NOW
    )
    assert rest.refund_minor == booking.total_minor - 100
    assert ledger_totals(booking).net_paid == 0


def test_a_custom_refund_needs_staff_a_reason_and_a_positive_amount():
    booking = make_paid_booking(days_ahead=10)
    cases = [
        (dict(by=booking.customer, reason="please", amount_minor=1), ErrorCode.FORBIDDEN),
        (dict(by=make_staff(), reason="  ", amount_minor=1), ErrorCode.INVALID_INPUT),
        (dict(by=make_staff(), reason="x", amount_minor=0), ErrorCode.INVALID_INPUT),
    ]
    for kwargs, code in cases:
        with pytest.raises(AppError) as error:
            booking_refund_custom(booking=booking, now=NOW, **kwargs)
        assert error.value.code == code
    assert not BookingChange.objects.exists()
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()


def test_a_custom_refund_spans_the_charges_after_a_dearer_change():
    booking = make_paid_booking(days_ahead=10)
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        payment_method=VISA,
        now=NOW,
    )
    paid = outcome.booking.total_minor
    booking_refund_custom(booking=booking, amount_minor=paid, by=make_staff(), reason="all back")
    totals = ledger_totals(booking)
    assert (totals.paid, totals.refunded) == (paid, paid)
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 2
    assert_reconciles(booking)


def test_a_difference_confirmed_later_by_a_webhook_makes_the_change():
    from midas.payments.services import payment_sync

    booking = make_paid_booking(days_ahead=10)
    outcome = booking_change(
        booking=booking,
        start=booking.start,
        end=booking.end + DAY,
        by=booking.customer,
        payment_method=AUTHENTICATE,
        now=NOW,
    )
    charge = Payment.objects.filter(kind=PaymentKind.CHARGE).order_by("id").last()
    SandboxProvider().complete_challenge(charge.provider_ref, approve=True)  # at the bank
    assert Booking.objects.get(pk=booking.pk).end == booking.end  # not told yet
    payment_sync(provider="sandbox", provider_ref=charge.provider_ref)  # the webhook
    payment_sync(provider="sandbox", provider_ref=charge.provider_ref)  # and its retry
    fresh = Booking.objects.get(pk=booking.pk)
    assert fresh.end == booking.end + DAY
    assert BookingChange.objects.get(pk=outcome.change.pk).status == BookingChangeStatus.APPLIED
    assert len(outbox(template="booking_changed")) == 1
    assert ledger_totals(fresh).net_paid == fresh.total_minor
    assert_reconciles(fresh)


def test_a_flight_priced_by_its_route_is_changed_by_the_concierge():
    booking = make_paid_booking(days_ahead=10)
    Booking.objects.filter(pk=booking.pk).update(trip={"origin": "DXB", "destination": "IAD"})
    booking.refresh_from_db()
    with pytest.raises(AppError) as error:
        booking_change(
            booking=booking,
            start=booking.start + DAY,
            end=booking.end + DAY,
            by=make_staff(),
            now=NOW,
        )
    assert error.value.code == ErrorCode.CHANGE_NOT_ALLOWED
