"""The demo site: the demo collection (``midas.catalog.demo``: 49 assets over six cities and
four categories, with add-ons and seasons) plus a few maintenance and owner-use blocks so
the calendars are not empty.

It sits above both apps because it needs both: the catalogue does not know about
reservations. ``load_demo`` is idempotent: the catalogue is upserted by slug, and the demo
blocks go only on assets that have no reservations yet.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from midas.bookings.models import Reservation, ReservationKind
from midas.bookings.services import reserve
from midas.catalog.demo import load_demo_collection
from midas.catalog.models import Asset

# (asset slug, kind, first day counted from today, days, note): whole local days
DEMO_BLOCKS: tuple[tuple[str, ReservationKind, int, int, str], ...] = (
    ("bugatti-chiron-sport-dubai", ReservationKind.MAINTENANCE, 4, 3, "Annual service"),
    ("rolls-royce-cullinan-dubai", ReservationKind.OWNER_USE, 10, 5, "Owner in residence"),
    ("lurssen-85m-solara-dubai", ReservationKind.MAINTENANCE, 20, 9, "Shipyard period"),
    ("gulfstream-g700-dubai", ReservationKind.MAINTENANCE, 7, 2, "Scheduled inspection"),
    ("palm-jumeirah-signature-villa", ReservationKind.OWNER_USE, 14, 6, "Owner's family"),
    ("rolls-royce-ghost-dc", ReservationKind.MAINTENANCE, 3, 2, "Tyres and detailing"),
    ("gulfstream-g650er-dc", ReservationKind.OWNER_USE, 12, 3, "Owner's trip"),
    ("lamborghini-huracan-sto-houston", ReservationKind.MAINTENANCE, 6, 4, "Track-day prep"),
    ("hatteras-m75-galveston", ReservationKind.MAINTENANCE, 2, 5, "Haul-out and antifouling"),
    ("buckhead-estate-atlanta", ReservationKind.OWNER_USE, 18, 4, "Owner's stay"),
    ("sunseeker-manhattan-68-annapolis", ReservationKind.MAINTENANCE, 9, 2, "Engine service"),
    ("rolls-royce-spectre-northern-virginia", ReservationKind.OWNER_USE, 5, 2, "Owner's event"),
)


@transaction.atomic
def load_demo(*, today: dt.date | None = None) -> int:
    """Create or update the demo collection and its blocks; returns how many assets exist
    afterwards."""
    count = load_demo_collection()
    add_demo_blocks(today=today)
    return count


def add_demo_blocks(*, today: dt.date | None = None) -> int:
    """Block a few days on some demo assets, relative to ``today`` in each asset's city.
    Assets that already have a reservation (of any kind or state) are left alone."""
    slugs = [slug for slug, *_ in DEMO_BLOCKS]
    assets = Asset.objects.select_related("home_location").in_bulk(slugs, field_name="slug")
    taken = set(
        Reservation.objects.filter(asset__slug__in=slugs).values_list("asset__slug", flat=True)
    )
    created = 0
    for slug, kind, offset, days, note in DEMO_BLOCKS:
        asset = assets.get(slug)
        if asset is None or slug in taken:
            continue
        tz = asset.home_location.tz
        first = (today or timezone.now().astimezone(tz).date()) + dt.timedelta(days=offset)
        start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), tzinfo=tz)
        reserve(asset=asset, start=start, end=end, kind=kind, note=note)
        created += 1
    return created
