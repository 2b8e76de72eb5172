"""The old site's specifications (free text) read into Midas's structured specs.

Each reader takes the old value and returns the Midas spec keys it fills, or raises
``Unreadable``. Conversions are exact units, never estimates of a missing value:

- "420 km/h" -> top_speed_kmh 420; "480+ km/h" -> 480 (a lower bound, noted); mph x 1.609344;
- "85 meters" -> length_m 85; "12 guests, 14 crew" -> guests 12, crew 14;
  "16 knots cruise" -> cruising_speed_kn 16;
- "7,500 nautical miles" -> range_km 13,890 (x 1.852); "Up to 19 passengers" -> 19;
  "Mach 0.925" -> speed_kmh 983 (x 1,062.25 km/h, the speed of sound at cruise altitude,
  11 km and above in the standard atmosphere);
- "7 bedrooms" -> bedrooms 7; "12,000 sq ft" -> area_sqm 1,115 (x 0.09290304).

A required spec the old site did not give (a car's seats, a villa's bathrooms or guests)
is reported as missing, never invented: the asset is imported inactive until staff
complete it in the admin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from midas.catalog.specs import SPECS

SOUND_AT_CRUISE_KMH = Decimal("1062.25")
NUMBER = r"(\d[\d,]*(?:\.\d+)?)"


class Unreadable(Exception):
    """An old spec value no reader understands."""


def _num(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _first(pattern: str, value: Any) -> tuple[Decimal, re.Match[str]]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise Unreadable(f"{value!r} is not text")
    match = re.search(pattern, value, re.IGNORECASE)
    if not match:
        raise Unreadable(f"{value!r}")
    return _num(match.group(1)), match


def _int_only(key: str) -> Callable[[Any], dict[str, Any]]:
    def read(value: Any) -> dict[str, Any]:
        number, _ = _first(NUMBER, value)
        return {key: _whole(number)}

    return read


def _speed_kmh(value: Any) -> dict[str, Any]:
    number, match = _first(NUMBER + r"\s*\+?\s*(km/h|kph|mph)", value)
    if match.group(2).lower() == "mph":
        number *= Decimal("1.609344")
    return {"top_speed_kmh": _whole(number)}


def _engine(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value.strip():
        raise Unreadable(f"{value!r}")
    return {"engine": " ".join(value.split())}


def _length_m(value: Any) -> dict[str, Any]:
    number, match = _first(NUMBER + r"\s*(m|meters|metres|ft|feet)\b", value)
    if match.group(2).lower() in {"ft", "feet"}:
        number *= Decimal("0.3048")
    return {"length_m": _whole(number)}


def _guests_crew(value: Any) -> dict[str, Any]:
    guests, _ = _first(NUMBER + r"\s*guests?", value)
    found = {"guests": _whole(guests)}
    try:
        crew, _ = _first(NUMBER + r"\s*crew", value)
        found["crew"] = _whole(crew)
    except Unreadable:
        pass
    return found


def _knots(value: Any) -> dict[str, Any]:
    number, _ = _first(NUMBER + r"\s*(knots|kn|kts)", value)
    return {"cruising_speed_kn": _whole(number)}


def _range_km(value: Any) -> dict[str, Any]:
    number, match = _first(NUMBER + r"\s*(nautical miles|nm|km|miles|mi)\b", value)
    unit = match.group(2).lower()
    factor = {"nautical miles": "1.852", "nm": "1.852", "miles": "1.609344", "mi": "1.609344"}
    return {"range_km": _whole(number * Decimal(factor.get(unit, "1")))}


def _jet_speed(value: Any) -> dict[str, Any]:
    if isinstance(value, str) and re.search(r"mach", value, re.IGNORECASE):
        mach, _ = _first(r"mach\s*" + r"(\d*\.?\d+)", value)
        return {"speed_kmh": _whole(mach * SOUND_AT_CRUISE_KMH)}
    number, match = _first(NUMBER + r"\s*(km/h|kph|knots|kn|kts|mph)", value)
    factor = {"knots": "1.852", "kn": "1.852", "kts": "1.852", "mph": "1.609344"}
    return {"speed_kmh": _whole(number * Decimal(factor.get(match.group(2).lower(), "1")))}


def _area_sqm(value: Any) -> dict[str, Any]:
    number, match = _first(NUMBER + r"\s*(sq\.? ?ft|square feet|sqft|m²|m2|sq\.? ?m)", value)
    if "f" in match.group(2).lower():
        number *= Decimal("0.09290304")
    return {"area_sqm": _whole(number)}


# old category (the inventory's section) -> old spec name -> reader
READERS: dict[str, dict[str, Callable[[Any], dict[str, Any]]]] = {
    "cars": {
        "engine": _engine,
        "horsepower": _int_only("horsepower"),
        "topSpeed": _speed_kmh,
        "seats": _int_only("seats"),
    },
    "yachts": {
        "length": _length_m,
        "guests": _guests_crew,
        "crew": _int_only("crew"),
        "speed": _knots,
    },
    "jets": {
        "range": _range_km,
        "passengers": _int_only("passengers"),
        "speed": _jet_speed,
    },
    "villas": {
        "bedrooms": _int_only("bedrooms"),
        "bathrooms": _int_only("bathrooms"),
        "area": _area_sqm,
        "guests": _int_only("guests"),
    },
}


def read_specs(category: str, old: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """``(specs, notes, missing)``: Midas specs read from the old ones, a note for each old
    value not carried over or read as a bound, and the required keys still missing."""
    readers = READERS.get(category, {})
    specs: dict[str, Any] = {}
    notes: list[str] = []
    for name, value in (old or {}).items():
        reader = readers.get(name)
        if reader is None:
            notes.append(f"specification {name!r} ({value}) has no Midas field: not carried over")
            continue
        try:
            specs.update(reader(value))
        except Unreadable:
            notes.append(f"specification {name!r} ({value!r}) could not be read: not carried over")
            continue
        if isinstance(value, str) and name != "engine" and re.search(r"\d\s*\+", value):
            notes.append(f"specification {name!r} {value!r} read as its lower bound")
    missing = [f.key for f in SPECS.get(category, ()) if f.key not in specs]
    return specs, notes, missing
