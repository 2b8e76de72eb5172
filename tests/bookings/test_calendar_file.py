"""The .ics attached to the confirmation: RFC 5545 text, escaping and folding."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.calendar_file import booking_ics, escape_text, fold, ics_event
from tests.factories import NOW, make_booking

T = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)


def test_one_event_in_utc_with_crlf_lines():
    text = ics_event(
        uid="MID-7K3P9Q@midas.example",
        start=T,
        end=T + dt.timedelta(days=2),
        summary="Aventador",
        stamp=NOW,
        location="Washington, US",
    )
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert "VERSION:2.0" in lines
    assert "DTSTART:20270301T100000Z" in lines
    assert "DTEND:20270303T100000Z" in lines
    assert "DTSTAMP:20270104T120000Z" in lines
    assert "LOCATION:Washington\\, US" in lines
    assert "\n" not in text.replace("\r\n", "")


def test_times_in_other_zones_are_written_in_utc():
    dubai = dt.timezone(dt.timedelta(hours=4))
    text = ics_event(
        uid="x", start=T.astimezone(dubai), end=T + dt.timedelta(hours=1), summary="s", stamp=NOW
    )
    assert "DTSTART:20270301T100000Z" in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a;b,c", "a\\;b\\,c"), ("back\\slash", "back\\\\slash"), ("two\nlines", "two\\nlines")],
)
def test_text_is_escaped(raw, escaped):
    assert escape_text(raw) == escaped


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "DESCRIPTION:" + "Villa Émeraude · " * 12
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


@pytest.mark.django_db
def test_a_booking_as_an_event():
    booking = make_booking()
    text = booking_ics(booking, now=NOW)
    assert f"UID:{booking.reference}@midas.example" in text
    assert f"SUMMARY:{booking.asset.name} · Midas {booking.reference}" in text
    assert f"URL:https://midas.example/bookings/{booking.reference}/" in text
