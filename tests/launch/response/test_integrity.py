"""The data-integrity checks: silent on data the real booking and payment flows write,
loud on an overlap or a ledger that does not add up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from midas.bookings.models import BookingStatus, Reservation
from midas.bookings.services import booking_cancel, booking_mark_picked_up
from midas.launch.response.integrity import CHECKS, integrity_problems
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.services import deposit_capture, payment_refund
from tests.bookings.fixtures import booking_test_settings  # noqa: F401 (autouse)
from tests.factories import NOW, make_asset, make_booking, make_paid_booking, make_staff

pytestmark = pytest.mark.django_db


def healthy_flows():
    """Bookings through every money path the services offer."""
    staff = make_staff()
    asset = make_asset()
    make_booking(asset=asset, days_ahead=40)  # held, unpaid
    paid = make_paid_booking(asset=asset, days_ahead=10)
    charge = Payment.objects.get(booking=paid, kind=PaymentKind.CHARGE)
    payment_refund(payment=charge, amount_minor=10_000, by=staff, reason="goodwill", now=NOW)
    cancelled = make_paid_booking(asset=asset, days_ahead=20)
    booking_cancel(booking=cancelled, by=staff, now=NOW, full_refund=True)
    in_use = make_paid_booking(days_ahead=2)  # a deposit hold two days ahead
    in_use = booking_mark_picked_up(booking=in_use, by=staff, now=NOW)
    deposit_capture(booking=in_use, amount_minor=120_000, by=staff, reason="wheel", now=NOW)
    # back-to-back on one asset: the next starts when the first's buffer ends
    make_paid_booking(asset=asset, days_ahead=30, length_days=2)
    return cancelled


def test_the_real_flows_pass_every_check():
    cancelled = healthy_flows()
    cancelled.refresh_from_db()
    assert cancelled.status == BookingStatus.REFUNDED  # the refunded check was exercised
    assert Payment.objects.filter(kind=PaymentKind.DEPOSIT_CAPTURE).exists()
    assert integrity_problems() == {}
    assert set(CHECKS) == {
        "reservation_overlap",
        "refund_exceeds_charge",
        "refund_without_charge",
        "deposit_overspent",
        "currency_mismatch",
        "refunded_unpaid",
    }


def _overlapping(asset, start, hours, ref):
    return Reservation.objects.create(
        asset=asset,
        start=start,
        end=start + dt.timedelta(hours=hours),
        occupied_until=start + dt.timedelta(hours=hours + 2),
        reference=ref,
    )


def test_an_overlap_written_around_the_service_is_found():
    booking = make_paid_booking(days_ahead=10)
    reservation = booking.reservation
    inside_buffer = reservation.end + dt.timedelta(minutes=30)
    if connection.vendor == "postgresql":  # the database refuses it outright
        with pytest.raises(IntegrityError), transaction.atomic():
            _overlapping(booking.asset, inside_buffer, 3, "X-1")
        return
    _overlapping(booking.asset, inside_buffer, 3, "X-1")
    problems = integrity_problems()
    assert list(problems) == ["reservation_overlap"]
    assert len(problems["reservation_overlap"]) == 2  # both rows named


def test_a_released_or_adjacent_reservation_is_no_overlap():
    booking = make_paid_booking(days_ahead=10)
    reservation = booking.reservation
    _overlapping(booking.asset, reservation.occupied_until, 3, "X-2")  # starts as buffer ends
    Reservation.objects.create(
        asset=booking.asset,
        start=reservation.start,
        end=reservation.end,
        occupied_until=reservation.occupied_until,
        reference="X-3",
        status="released",
    )
    assert integrity_problems() == {}


def _row(booking, kind, amount, *, parent=None, currency=None, key="x"):
    return Payment.objects.create(
        booking=booking,
        kind=kind,
        status=PaymentStatus.SUCCEEDED,
        amount_minor=amount,
        currency=currency or booking.currency,
        provider="sandbox",
        idempotency_key=key,
        parent=parent,
    )


def test_a_refund_beyond_its_charge_is_found():
    booking = make_paid_booking(days_ahead=10)
    charge = Payment.objects.get(booking=booking, kind=PaymentKind.CHARGE)
    _row(booking, PaymentKind.REFUND, charge.amount_minor + 1, parent=charge)
    assert list(integrity_problems()) == ["refund_exceeds_charge"]


def test_a_refund_without_a_charge_and_a_foreign_currency_are_found():
    booking = make_paid_booking(days_ahead=10)
    _row(booking, PaymentKind.REFUND, 100, key="orphan")
    other_currency = "EUR" if booking.currency != "EUR" else "USD"
    _row(booking, PaymentKind.CHARGE, 100, currency=other_currency, key="eur")
    assert set(integrity_problems()) == {"refund_without_charge", "currency_mismatch"}


def test_an_overspent_deposit_and_an_unpaid_refund_are_found():
    booking = make_paid_booking(days_ahead=2)
    hold = Payment.objects.get(booking=booking, kind=PaymentKind.DEPOSIT_HOLD)
    _row(booking, PaymentKind.DEPOSIT_CAPTURE, hold.amount_minor, parent=hold, key="c")
    _row(booking, PaymentKind.DEPOSIT_RELEASE, 1, parent=hold, key="r")
    other = make_paid_booking(days_ahead=12)
    other.status, other.refund_minor = BookingStatus.REFUNDED, 500
    other.save(update_fields=["status", "refund_minor"])
    assert set(integrity_problems()) == {"deposit_overspent", "refunded_unpaid"}


def test_the_trigger_checks_reservations_written_in_the_last_day_and_the_cli_all(capsys):
    booking = make_paid_booking(days_ahead=10)
    reservation = booking.reservation
    if connection.vendor == "postgresql":  # the exclusion constraint refuses the overlap
        call_command("launch", "triggers", "--integrity-full")
        assert "Full integrity check: all checks pass" in capsys.readouterr().out
        return
    _overlapping(booking.asset, reservation.end + dt.timedelta(minutes=30), 3, "X-4")
    Reservation.objects.all().update(updated_at=timezone.now() - dt.timedelta(days=2))
    assert integrity_problems(since=timezone.now() - dt.timedelta(hours=24)) == {}
    assert list(integrity_problems()) == ["reservation_overlap"]
    with pytest.raises(SystemExit) as exit_:
        call_command("launch", "triggers", "--integrity-full")
    assert exit_.value.code == 1
    assert "reservation_overlap: reservation X-4" in capsys.readouterr().out
