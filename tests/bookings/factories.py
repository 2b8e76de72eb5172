"""Customers and bookings for tests: plain functions, overridable by keyword."""

from __future__ import annotations

import datetime as dt
import itertools

from midas.accounts.models import User
from midas.bookings.models import Booking
from midas.bookings.services import booking_create
from midas.catalog.models import Asset
from midas.notifications.models import OutboxMessage
from midas.payments.services import payment_pay_booking
from tests.factories import make_asset

_seq = itertools.count(1)
NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # the root conftest's ``now``


def make_customer(**overrides: object) -> User:
    n = next(_seq)
    fields: dict[str, object] = {
        "email": f"customer{n}@example.com",
        "first_name": "Ada",
        "last_name": f"Customer{n}",
        "date_of_birth": dt.date(1985, 5, 17),
        "licence_number": f"D{n:07d}",
        "licence_country": "US",
        "licence_expiry": dt.date(2035, 1, 1),
        "email_verified_at": NOW - dt.timedelta(days=30),
    }
    fields.update(overrides)
    return User.objects.create_user(password="velvet-harbour-1912", **fields)


def make_staff(**overrides: object) -> User:
    return make_customer(is_staff=True, **overrides)


def make_booking(
    *,
    customer: User | None = None,
    asset: Asset | None = None,
    days_ahead: float = 10,
    length_days: float = 2,
    now: dt.datetime = NOW,
    **kwargs: object,
) -> Booking:
    """A held (or, for request-to-book assets, requested) booking starting ``days_ahead``."""
    start = (now + dt.timedelta(days=days_ahead)).replace(minute=0, second=0, microsecond=0)
    return booking_create(
        customer=customer or make_customer(),
        asset=asset or make_asset(),
        start=start,
        end=start + dt.timedelta(days=length_days),
        now=now,
        **kwargs,
    )


def make_paid_booking(
    *, card: str = "4242424242424242", now: dt.datetime = NOW, **kwargs: object
) -> Booking:
    booking = make_booking(now=now, **kwargs)
    outcome = payment_pay_booking(booking=booking, payment_method=card, now=now)
    assert outcome.status == "succeeded", outcome
    return outcome.booking


def outbox(**filters: object) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(**filters).order_by("id"))


def templates_sent(to: str | None = None) -> list[str]:
    rows = OutboxMessage.objects.order_by("id")
    if to:
        rows = rows.filter(to=to)
    return list(rows.values_list("template", flat=True))
