"""The earliest day a date picker offers: today where the rental happens, not on the server
(in UTC, Dubai's day starts four hours earlier; Washington's five hours later)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

from midas.catalog.models import Location


def local_today(location: Location, *, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(location.tz).date()


def earliest_local_day(
    locations: Mapping[str, Location], chosen: object, *, default: dt.date
) -> dt.date:
    """Today in the chosen city; with none chosen, the earliest today of every city (a day
    already over in Dubai may still be today in Houston)."""
    place = locations.get(str(chosen or ""))
    zones = [place] if place is not None else list(locations.values())
    return min((local_today(location) for location in zones), default=default)
