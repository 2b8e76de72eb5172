"""Display helpers for the booking pages: instants in the booking's city, status badges."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def local(instant: dt.datetime | None, location: object) -> str:
    """``{{ booking.start|local:booking.location }}`` → "Sat 6 Feb 2027, 10:00"."""
    tz = getattr(location, "tz", None)
    if instant is None or tz is None:
        return ""
    moment = instant.astimezone(tz)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


@register.filter
def local_iso(instant: dt.datetime | None) -> str:
    """An instant for ``<time datetime>``: ISO 8601 in UTC."""
    if instant is None:
        return ""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.inclusion_tag("bookings/_status.html")
def status_badge(booking: object) -> dict[str, object]:
    return {"status": booking.status, "label": booking.get_status_display()}
