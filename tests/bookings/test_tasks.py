"""The booking journey's jobs are registered with the scheduler and call their services."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings import tasks
from midas.bookings.models import BookingStatus
from midas.jobs.schedule import REGISTRY
from tests.factories import make_booking, make_paid_booking, make_staff

pytestmark = pytest.mark.django_db


def test_jobs_are_scheduled():
    expected = {
        "expire_holds": dt.timedelta(minutes=1),
        "send_reminders": dt.timedelta(minutes=15),
        "settle_payments": dt.timedelta(minutes=5),
        "release_deposits": dt.timedelta(hours=1),
    }
    for name, every in expected.items():
        assert REGISTRY[name].every == every
        assert REGISTRY[name].task.module_path.startswith("midas.bookings.tasks.")


def test_the_expiry_job_runs_the_service(settings):
    from django.utils import timezone

    booking = make_booking(now=timezone.now() - dt.timedelta(hours=1), days_ahead=10)
    assert tasks.expire_holds.call() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED


def test_the_other_jobs_run():
    assert tasks.send_reminders.call() == 0
    assert tasks.settle_payments.call() >= 0
    assert tasks.release_deposits.call() == 0


def test_release_deposits_job_after_the_return(settings):
    from django.utils import timezone

    from midas.bookings.services import booking_mark_picked_up, booking_mark_returned
    from midas.payments.selectors import ledger_totals

    now = timezone.now()
    booking = make_paid_booking(now=now, days_ahead=2)
    assert ledger_totals(booking).deposit_held == booking.security_deposit_minor
    staff = make_staff()
    booking_mark_picked_up(booking=booking, by=staff)
    booking_mark_returned(booking=booking, by=staff, now=now - dt.timedelta(days=3))
    assert tasks.release_deposits.call() == 1
    assert ledger_totals(booking).deposit_held == 0
