"""Bookings' part in deleting an account (``midas.accounts.deletion``): an upcoming booking
blocks it; past bookings are kept, tied to the anonymised account, as the law on financial
records requires, with the free text typed about them (notes, a cancellation reason)
erased."""

from __future__ import annotations

import datetime as dt

from midas.accounts.deletion import register
from midas.accounts.models import User
from midas.bookings.models import OCCUPYING_STATUSES, Booking


def upcoming(user: User, now: dt.datetime) -> list[str]:
    reasons = []
    for booking in (
        Booking.objects.filter(customer=user, status__in=OCCUPYING_STATUSES, end__gt=now)
        .select_related("asset", "location")
        .order_by("start")
    ):
        tz = booking.location.tz if booking.location_id else booking.asset.home_location.tz
        reasons.append(
            f"Your booking {booking.reference} ({booking.asset.name}, "
            f"{booking.start.astimezone(tz):%-d %B %Y}) is still to come: cancel it first, or "
            "ask your concierge."
        )
    return reasons


def erase(user: User, now: dt.datetime, actor: object) -> dict[str, int]:
    kept = Booking.objects.filter(customer=user)
    count = kept.count()
    kept.exclude(notes="", cancellation_reason="").update(
        notes="", cancellation_reason="", updated_at=now
    )
    return {"kept": count}


register("bookings", blockers=upcoming, erase=erase)
