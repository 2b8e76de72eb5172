"""A booking as an iCalendar file (RFC 5545), attached to the confirmation email.

Only what a calendar needs: one ``VEVENT`` with times in UTC (``...Z``, so no ``VTIMEZONE``
is needed), text escaped (backslash, semicolon, comma, newline), lines ended by CRLF and
folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt

from midas.bookings.models import Booking
from midas.core.urls import absolute_reverse, site_host

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Midas The Lifestyle//Bookings//EN"


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets; continuation lines start with
    one space (RFC 5545 §3.1)."""
    chunks: list[str] = []
    current, size = "", 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
            limit = MAX_OCTETS - 1  # the leading space counts
        current += char
        size += width
    chunks.append(current)
    return (CRLF + " ").join(chunks)


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_event(
    *,
    uid: str,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    stamp: dt.datetime,
    description: str = "",
    location: str = "",
    url: str = "",
    status: str = "CONFIRMED",
) -> str:
    """One event in a calendar of its own, as the text of an ``.ics`` file."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(start)}",
        f"DTEND:{utc_stamp(end)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += [f"STATUS:{status}", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + CRLF for line in lines)


def booking_ics(booking: Booking, *, now: dt.datetime) -> str:
    """The confirmed booking as an event: the asset, where, and its reference."""
    host = site_host() or "midas"
    place = booking.location
    page = absolute_reverse("bookings:detail", reference=booking.reference)
    return ics_event(
        uid=f"{booking.reference}@{host}",
        start=booking.start,
        end=booking.end,
        summary=f"{booking.asset.name} · Midas {booking.reference}",
        stamp=now,
        description=(
            f"Your booking {booking.reference}: {booking.asset.name} in {place.city}.\n"
            f"Manage it at {page}"
        ),
        location=f"{place.city}, {place.country}",
        url=page,
    )
