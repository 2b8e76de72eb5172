"""The old site's free-text places, mapped to Midas's locations and a named place.

REVIEWED TABLE: every row below was checked by hand against the old site's data
(inventory ``availability.locations`` and ``location``, bookings ``location.pickup.city``)
and Midas's six locations (slugs of ``catalog.Location``). The import never guesses: a
place missing here is reported (the row that names it is skipped) until someone adds it,
reviewed, to this table.

Each entry: old text (compared without case, spaces collapsed) -> (location slug, the
named place, its kind). Kind ``city`` is the location itself; a marina, airport or
neighbourhood is kept as the place name on the asset and the booking.
"""

from __future__ import annotations

from dataclasses import dataclass


class Kind:
    CITY = "city"
    MARINA = "marina"
    AIRPORT = "airport"
    NEIGHBOURHOOD = "neighbourhood"


@dataclass(frozen=True)
class Place:
    location: str  # a catalog.Location slug
    name: str
    kind: str

    @property
    def is_city(self) -> bool:
        return self.kind == Kind.CITY


PLACES: dict[str, Place] = {
    # Dubai
    "dubai": Place("dubai", "Dubai", Kind.CITY),
    "dubai marina": Place("dubai", "Dubai Marina", Kind.MARINA),
    "dubai international": Place("dubai", "Dubai International Airport (DXB)", Kind.AIRPORT),
    "palm jumeirah": Place("dubai", "Palm Jumeirah", Kind.NEIGHBOURHOOD),
    "palm jumeirah, dubai": Place("dubai", "Palm Jumeirah", Kind.NEIGHBOURHOOD),
    # Washington DC (Reagan National stands in Arlington, Virginia, but the old site ran it
    # as its Washington jet base and Midas's Washington DC location serves it)
    "washington dc": Place("washington-dc", "Washington DC", Kind.CITY),
    "washington dc waterfront": Place("washington-dc", "Washington DC Waterfront", Kind.MARINA),
    "georgetown waterfront": Place("washington-dc", "Georgetown Waterfront", Kind.NEIGHBOURHOOD),
    "ronald reagan washington national": Place(
        "washington-dc", "Ronald Reagan Washington National Airport (DCA)", Kind.AIRPORT
    ),
    # Houston
    "houston": Place("houston", "Houston", Kind.CITY),
    # Atlanta
    "atlanta": Place("atlanta", "Atlanta", Kind.CITY),
    "atlanta harbor": Place("atlanta", "Atlanta Harbor", Kind.MARINA),
    "buckhead atlanta": Place("atlanta", "Buckhead", Kind.NEIGHBOURHOOD),
    "hartsfield-jackson atlanta international": Place(
        "atlanta", "Hartsfield-Jackson Atlanta International Airport (ATL)", Kind.AIRPORT
    ),
    # Maryland
    "maryland": Place("maryland", "Maryland", Kind.CITY),
    "potomac maryland": Place("maryland", "Potomac", Kind.NEIGHBOURHOOD),
    # Northern Virginia
    "northern virginia": Place("northern-virginia", "Northern Virginia", Kind.CITY),
}


def key(text: str) -> str:
    return " ".join(str(text).split()).lower()


def find_place(text: object) -> Place | None:
    """The reviewed place for an old free-text location, or None when it is not in the table."""
    if not isinstance(text, str):
        return None
    return PLACES.get(key(text))
