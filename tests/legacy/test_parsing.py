"""Reading the old site's text: Extended JSON, the reviewed place table, specifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from midas.legacy.items import to_minor
from midas.legacy.places import PLACES, find_place
from midas.legacy.source import parse_date, plain
from midas.legacy.specs import read_specs

CITIES = {"dubai", "washington-dc", "houston", "atlanta", "maryland", "northern-virginia"}


def test_extended_json_becomes_python_values():
    row = plain(
        {
            "_id": {"$oid": "ee65f53e9421ce50211670ea"},
            "at": {"$date": "2026-11-30T14:00:00.000Z"},
            "ms": {"$date": {"$numberLong": "1796047200000"}},
            "n": {"$numberLong": "42"},
            "d": {"$numberDecimal": "1332.5"},
            "nested": [{"$oid": "aa"}],
        }
    )
    assert row["_id"] == "ee65f53e9421ce50211670ea"
    assert row["at"] == dt.datetime(2026, 11, 30, 14, tzinfo=dt.UTC)
    assert row["ms"] == row["at"]  # milliseconds since 1970
    assert (row["n"], row["d"], row["nested"]) == (42, Decimal("1332.5"), ["aa"])
    assert parse_date("not a date") is None and parse_date(None) is None


@pytest.mark.parametrize(
    ("text", "location", "kind"),
    [
        ("Dubai Marina", "dubai", "marina"),
        ("  ronald reagan WASHINGTON national ", "washington-dc", "airport"),
        ("Potomac Maryland", "maryland", "neighbourhood"),
        ("Atlanta Harbor", "atlanta", "marina"),
        ("Palm Jumeirah, Dubai", "dubai", "neighbourhood"),
        ("Northern Virginia", "northern-virginia", "city"),
    ],
)
def test_the_reviewed_table_maps_old_places(text, location, kind):
    place = find_place(text)
    assert place is not None and (place.location, place.kind) == (location, kind)


def test_an_unknown_place_is_not_guessed():
    assert find_place("Dubai Creek Harbour") is None
    assert find_place("Washington") is None
    assert find_place(None) is None


def test_every_place_is_one_of_the_six_cities():
    assert {p.location for p in PLACES.values()} == CITIES


def test_car_specs():
    specs, notes, missing = read_specs(
        "cars", {"engine": "8.0L  Quad-Turbo W16", "horsepower": 1479, "topSpeed": "480+ km/h"}
    )
    assert specs == {"engine": "8.0L Quad-Turbo W16", "horsepower": 1479, "top_speed_kmh": 480}
    assert notes == ["specification 'topSpeed' '480+ km/h' read as its lower bound"]
    assert missing == ["seats"]  # reported, never invented
    assert read_specs("cars", {"topSpeed": "200 mph"})[0] == {"top_speed_kmh": 322}
    hybrid = read_specs("cars", {"engine": "4.0L Twin-Turbo V8 + Electric Motors"})
    assert hybrid[0] == {"engine": "4.0L Twin-Turbo V8 + Electric Motors"} and hybrid[1] == []


def test_yacht_jet_and_villa_specs():
    yacht = {"length": "85 meters", "guests": "12 guests, 14 crew", "speed": "16 knots cruise"}
    assert read_specs("yachts", yacht) == (
        {"length_m": 85, "guests": 12, "crew": 14, "cruising_speed_kn": 16},
        [],
        [],
    )
    jet = {
        "range": "7,500 nautical miles",
        "passengers": "Up to 19 passengers",
        "speed": "Mach 0.925",
    }
    assert read_specs("jets", jet)[0] == {"range_km": 13890, "passengers": 19, "speed_kmh": 983}
    villa = {"bedrooms": "7 bedrooms", "area": "12,000 sq ft", "floors": "3 levels"}
    specs, notes, missing = read_specs("villas", villa)
    assert specs == {"bedrooms": 7, "area_sqm": 1115}
    assert notes == ["specification 'floors' (3 levels) has no Midas field: not carried over"]
    assert missing == ["bathrooms", "guests"]


def test_an_unreadable_spec_is_reported():
    specs, notes, missing = read_specs("cars", {"topSpeed": "very fast"})
    assert specs == {} and "could not be read" in notes[0]
    assert missing == ["engine", "horsepower", "top_speed_kmh", "seats"]


@pytest.mark.parametrize(
    ("amount", "minor"),
    [(20000, 2_000_000), (146900.0, 14_690_000), (1332.5, 133_250), ("0.01", 1), (0, 0)],
)
def test_amounts_become_minor_units(amount, minor):
    assert to_minor(amount) == minor


@pytest.mark.parametrize("amount", [0.001, -5, "abc", None, True])
def test_amounts_that_are_not_whole_cents_are_refused(amount):
    assert to_minor(amount) is None
