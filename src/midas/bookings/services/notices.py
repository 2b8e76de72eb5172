"""What the booking emails say: one context per booking, and the calls into the outbox.

Every call here must run inside the transaction of the state change it reports (the outbox
row commits or rolls back with it). Templates live in ``templates/emails/<name>.*``; the
names and the context keys are listed in docs/explanation/payments.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.dateparse import parse_datetime

from midas.accounts.synthetic import is_synthetic_email
from midas.bookings.models import Booking
from midas.bookings.policies import describe_policy
from midas.bookings.quoting import local_value
from midas.catalog.models import Airport
from midas.core.urls import absolute_reverse, absolute_url
from midas.money import format_money
from midas.notifications.services import (
    Attachment,
    email_enqueue,
    email_enqueue_later,
    staff_notify,
)

LOCAL_FORMAT = "%a %-d %b %Y, %H:%M"


def booking_url(booking: Booking, page: str = "detail") -> str:
    """The absolute URL of the customer's page of the booking (``bookings:<page>``)."""
    return absolute_reverse(f"bookings:{page}", reference=booking.reference)


def rebook_url(booking: Booking) -> str:
    """The asset's page with the quote form filled in for the booking's dates (in the
    location's local time, as the form takes them), place and extras: one click to book
    the same again."""
    query: list[tuple[str, str]] = [
        ("start", local_value(booking.start, booking.location)),
        ("end", local_value(booking.end, booking.location)),
    ]
    if booking.location_id != booking.asset.home_location_id:
        query.append(("location", booking.location.slug))
    query.extend(("extras", str(code)) for code in booking.extras)
    return f"{absolute_url(booking.asset.get_absolute_url())}?{urlencode(query)}#quote"


def local_time(value: dt.datetime | None, booking: Booking) -> str:
    if value is None:
        return ""
    tz = booking.location.tz
    return f"{value.astimezone(tz):{LOCAL_FORMAT}} ({tz.key})"


def trip_rows(booking: Booking) -> list[tuple[str, str]]:
    """A jet's route and the party, for the e-mails' table (the From/Until above them are
    what the jet is occupied, positioning flights included)."""
    rows = []
    trip = booking.trip or {}
    if trip.get("origin"):
        route = f"{trip['origin']} → {trip['destination']}"
        if trip.get("return_at"):
            route += " and back"
        rows.append(("Route", f"{route} (positioning flights included in the times)"))
        origin = Airport.objects.filter(iata=trip["origin"]).first()
        if origin is not None and trip.get("departure"):
            departs = dt.datetime.fromisoformat(trip["departure"]).astimezone(origin.tz)
            rows.append(("Departs", f"{departs:{LOCAL_FORMAT}} ({origin.iata} time)"))
    if booking.guests:
        rows.append(("Guests", str(booking.guests)))
    return rows


def booking_context(booking: Booking, **extra: Any) -> dict[str, Any]:
    """Everything a booking email may show; ``extra`` adds or overrides keys."""
    money = booking.currency
    lines = [(line["label"], format_money(line["amount"], money)) for line in booking.quote_lines]
    total = format_money(booking.total_minor, money)
    deposit = format_money(booking.security_deposit_minor, money)
    context: dict[str, Any] = {
        "booking": booking,
        "reference": booking.reference,
        "status": booking.status,
        "status_label": booking.get_status_display(),
        "customer_name": booking.customer.get_short_name(),
        "customer_email": booking.customer.email,
        "asset_name": booking.asset.name,
        "category": booking.asset.category.slug,
        "city": booking.location.city,
        "start_local": local_time(booking.start, booking),
        "end_local": local_time(booking.end, booking),
        "hold_expires_local": local_time(booking.hold_expires_at, booking),
        "total": total,
        "deposit": deposit,
        "has_deposit": booking.security_deposit_minor > 0,
        "lines": lines,
        "rows": [
            ("Reference", booking.reference),
            (booking.asset.name, booking.location.city),
            ("From", local_time(booking.start, booking)),
            ("Until", local_time(booking.end, booking)),
            *trip_rows(booking),
            *lines,
            ("Total", total, True),
        ],
        "policy": describe_policy(booking.asset.category.slug),
        "manage_url": booking_url(booking),
        "pay_url": booking_url(booking, "pay"),
        "rebook_url": rebook_url(booking),
        "admin_url": absolute_reverse("admin:bookings_booking_change", booking.pk),
    }
    context.update(extra)
    return context


def tell_customer(
    booking: Booking,
    template: str,
    *,
    dedupe: str = "",
    attachments: Sequence[Attachment] = (),
    fresh: bool = False,
    later: bool = False,
    **extra: Any,
) -> None:
    """One email to the booking's customer; ``dedupe`` (e.g. ``"confirmed"``) makes it once
    per booking. ``fresh``: the booking was written in this transaction, so no message can
    have its dedupe key yet (``email_enqueue``'s ``fresh``). ``later``: rendered by the
    worker from the booking as it is now (``booking_snapshot``), not in this transaction;
    ``extra`` must then be JSON, or datetimes named ``*_at``."""
    dedupe_key = f"booking:{booking.reference}:{dedupe}" if dedupe else ""
    if later:
        email_enqueue_later(
            to=booking.customer.email,
            template=template,
            context=FROZEN_CONTEXT,
            data=booking_snapshot(booking, **extra),
            attachments=attachments,
            dedupe_key=dedupe_key,
            fresh=fresh,
        )
        return
    email_enqueue(
        to=booking.customer.email,
        template=template,
        context=booking_context(booking, **extra),
        attachments=attachments,
        dedupe_key=dedupe_key,
        fresh=fresh,
    )


FROZEN_CONTEXT = "midas.bookings.services.notices.frozen_booking_context"


def booking_snapshot(booking: Booking, **extra: Any) -> dict[str, Any]:
    """The booking's own columns as they are now, and ``extra``: what ``tell_customer(...,
    later=True)`` freezes in the outbox row. The asset, its place and the customer are read
    when the email is rendered (their ids are in the columns); what the booking says (its
    status, times, price lines, total, deposit, hold) is this."""
    columns = {f.attname: f.value_from_object(booking) for f in Booking._meta.concrete_fields}
    return {"booking": columns, "extra": extra}


def frozen_booking_context(data: dict[str, Any]) -> dict[str, Any]:
    """``booking_context`` of the booking in ``data`` (``booking_snapshot``, through JSON): the
    booking rebuilt from its frozen columns, never re-read, so a booking paid or cancelled
    before its email went out still shows as it was."""
    columns = data["booking"]
    booking = Booking(
        **{
            f.attname: f.to_python(columns[f.attname])
            for f in Booking._meta.concrete_fields
            if f.attname in columns
        }
    )
    booking._state.adding = False
    booking._state.db = "default"
    extra = {
        key: _instant(value) if key.endswith("_at") else value
        for key, value in data.get("extra", {}).items()
    }
    return booking_context(booking, **extra)


def _instant(value: Any) -> Any:
    """An ``extra`` named ``*_at`` (``paid_at``) back from its JSON text to a datetime."""
    return parse_datetime(value) if isinstance(value, str) else value


# Routine notices the concierge desk does not need about the launch's smoke bookings (made
# and cancelled every 15 minutes by `midas smoke`); problems with them still go out.
ROUTINE_FOR_SMOKE = frozenset(
    {
        "staff_new_booking",
        "staff_new_request",
        "staff_booking_cancelled",
        "staff_approval_reminder",
    }
)


def tell_staff(
    booking: Booking,
    template: str,
    *,
    dedupe: str = "",
    fresh: bool = False,
    later: bool = False,
    **extra: Any,
) -> None:
    """One email to the concierge team about this booking (``fresh``, ``later``: as
    ``tell_customer``)."""
    if template in ROUTINE_FOR_SMOKE and is_synthetic_email(booking.customer.email):
        return
    dedupe_key = f"booking:{booking.reference}:staff:{dedupe}" if dedupe else ""
    if later:
        email_enqueue_later(
            to=settings.CONCIERGE_EMAIL,
            template=template,
            context=FROZEN_CONTEXT,
            data=booking_snapshot(booking, **extra),
            dedupe_key=dedupe_key,
            fresh=fresh,
        )
        return
    staff_notify(
        template=template,
        context=booking_context(booking, **extra),
        dedupe_key=dedupe_key,
        fresh=fresh,
    )
