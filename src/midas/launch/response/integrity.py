"""Data-integrity checks behind the ``integrity`` rollback trigger.

Each check is a function in ``CHECKS`` answering a list of problems (empty: healthy), at
most ``LIMIT`` each. Every check is exactly true of data written by the services, so a
problem means corruption (or a write that went around them), never a busy day:

- ``reservation_overlap``: two *active* reservations of one asset overlap on
  ``[start, occupied_until)`` (turnaround buffer included). PostgreSQL's exclusion
  constraint forbids it; on SQLite only the reserve service's IMMEDIATE transaction does,
  so the database is asked with a self-join (an ``EXISTS`` over the same table). With
  ``since`` (the trigger passes the last 24 h) only reservations written since then are
  checked, against all others, through the partial index on ``updated_at``: 43 ms at 1M
  rows with 1,000 written in the day on SQLite, where a full pass takes ~32 s (measured),
  far too much every minute. An overlap is made by a write, and a write stays in the
  window for a day of evaluations. ``midas launch triggers --integrity-full`` checks every
  row.
- ``refund_exceeds_charge``: the succeeded refunds of a charge add up to more than it.
- ``refund_without_charge``: a refund whose parent is not a charge of the same booking.
- ``deposit_overspent``: captures and releases of a deposit hold add up to more than it.
- ``currency_mismatch``: a ledger row in another currency than its booking.
- ``refunded_unpaid``: a booking marked refunded whose succeeded refunds fall short of its
  ``refund_minor`` (the ledger marks it refunded only once they reach it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Exists, F, OuterRef, Q, Sum

from midas.bookings.models import (
    MAX_OCCUPANCY,
    Booking,
    BookingStatus,
    Reservation,
    ReservationStatus,
)
from midas.payments.models import Payment, PaymentKind, PaymentStatus

LIMIT = 20
SUCCEEDED = PaymentStatus.SUCCEEDED


def reservation_overlap(*, since: dt.datetime | None = None) -> list[str]:
    active = Reservation.objects.filter(status=ReservationStatus.ACTIVE)
    written = active.filter(updated_at__gte=since) if since is not None else active
    other = active.filter(
        asset=OuterRef("asset"),
        start__lt=OuterRef("occupied_until"),
        occupied_until__gt=OuterRef("start"),
        start__gte=OuterRef("start") - MAX_OCCUPANCY,  # keeps the index scan bounded
    ).exclude(pk=OuterRef("pk"))
    rows = written.filter(Exists(other)).order_by("updated_at", "id")[:LIMIT]
    return [
        f"reservation {r.reference} (asset {r.asset_id}) overlaps another active one" for r in rows
    ]


def refund_exceeds_charge() -> list[str]:
    refunded = Sum(
        "children__amount_minor",
        filter=Q(children__kind=PaymentKind.REFUND, children__status=SUCCEEDED),
    )
    rows = (
        Payment.objects.filter(kind=PaymentKind.CHARGE)
        .annotate(refunded=refunded)
        .filter(refunded__gt=F("amount_minor"))
        .order_by("id")[:LIMIT]
    )
    return [f"charge {p.pk}: refunded {p.refunded} of {p.amount_minor}" for p in rows]


def refund_without_charge() -> list[str]:
    rows = (
        Payment.objects.filter(kind=PaymentKind.REFUND)
        .filter(
            Q(parent__isnull=True)
            | ~Q(parent__kind=PaymentKind.CHARGE)
            | ~Q(parent__booking_id=F("booking_id"))
        )
        .order_by("id")[:LIMIT]
    )
    return [f"refund {p.pk} is not tied to a charge of booking {p.booking_id}" for p in rows]


def deposit_overspent() -> list[str]:
    settled = Sum(
        "children__amount_minor",
        filter=Q(
            children__kind__in=(PaymentKind.DEPOSIT_CAPTURE, PaymentKind.DEPOSIT_RELEASE),
            children__status=SUCCEEDED,
        ),
    )
    rows = (
        Payment.objects.filter(kind=PaymentKind.DEPOSIT_HOLD)
        .annotate(settled=settled)
        .filter(settled__gt=F("amount_minor"))
        .order_by("id")[:LIMIT]
    )
    return [f"deposit hold {p.pk}: settled {p.settled} of {p.amount_minor}" for p in rows]


def currency_mismatch() -> list[str]:
    rows = Payment.objects.exclude(currency=F("booking__currency")).order_by("id")[:LIMIT]
    return [f"payment {p.pk} in {p.currency}, its booking in another currency" for p in rows]


def refunded_unpaid() -> list[str]:
    refunded = Sum(
        "payments__amount_minor",
        filter=Q(payments__kind=PaymentKind.REFUND, payments__status=SUCCEEDED),
        default=0,
    )
    rows = (
        Booking.objects.filter(status=BookingStatus.REFUNDED)
        .annotate(refunded=refunded)
        .filter(refunded__lt=F("refund_minor"))
        .order_by("id")[:LIMIT]
    )
    return [f"booking {b.reference}: refunded {b.refunded} of {b.refund_minor}" for b in rows]


CHECKS: dict[str, Callable[[], list[str]]] = {
    "reservation_overlap": reservation_overlap,
    "refund_exceeds_charge": refund_exceeds_charge,
    "refund_without_charge": refund_without_charge,
    "deposit_overspent": deposit_overspent,
    "currency_mismatch": currency_mismatch,
    "refunded_unpaid": refunded_unpaid,
}


def integrity_problems(*, since: dt.datetime | None = None) -> dict[str, list[str]]:
    """``{check: [problem, ...]}`` for the checks that found something. ``since``: check
    only the reservations written since then (the ledger checks always read it all: a few
    rows per booking)."""
    found = {}
    for name, check in CHECKS.items():
        problems = check(since=since) if name == "reservation_overlap" else check()
        if problems:
            found[name] = problems
    return found
