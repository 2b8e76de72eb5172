"""The structured specifications each category of asset carries.

One table, read by the model's validation, the importer, the admin and the pages, so a
spec has one name, one type and one label everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecField:
    key: str
    label: str
    unit: str = ""
    kind: type = int


SPECS: dict[str, tuple[SpecField, ...]] = {
    "cars": (
        SpecField("engine", "Engine", kind=str),
        SpecField("horsepower", "Power", "hp"),
        SpecField("top_speed_kmh", "Top speed", "km/h"),
        SpecField("seats", "Seats"),
    ),
    "yachts": (
        SpecField("length_m", "Length", "m"),
        SpecField("guests", "Guests"),
        SpecField("crew", "Crew"),
        SpecField("cruising_speed_kn", "Cruising speed", "kn"),
    ),
    "villas": (
        SpecField("bedrooms", "Bedrooms"),
        SpecField("bathrooms", "Bathrooms"),
        SpecField("area_sqm", "Area", "m²"),
        SpecField("guests", "Guests"),
    ),
    "jets": (
        SpecField("range_km", "Range", "km"),
        SpecField("passengers", "Passengers"),
        SpecField("speed_kmh", "Cruise speed", "km/h"),
    ),
}


# The spec that says how many people an asset of each category takes: seats in a car,
# guests aboard a yacht or in a villa, passengers on a jet. Quotes, bookings and the guests
# filter all read capacity through this table.
CAPACITY_SPEC: dict[str, str] = {
    "cars": "seats",
    "yachts": "guests",
    "villas": "guests",
    "jets": "passengers",
}


def capacity_of(category_slug: str, specs: dict) -> int | None:
    """How many people the asset takes, or None when its category does not count them."""
    key = CAPACITY_SPEC.get(category_slug)
    value = specs.get(key) if key else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# The kinds within each category (the old site's filters), by slug: label.
SUBCATEGORIES: dict[str, dict[str, str]] = {
    "cars": {
        "hypercar": "Hypercar",
        "supercar": "Supercar",
        "suv": "SUV",
        "sedan": "Sedan",
        "convertible": "Convertible",
    },
    "yachts": {"motor": "Motor yacht", "mega": "Megayacht", "sailing": "Sailing yacht"},
    "jets": {"light": "Light jet", "midsize": "Midsize jet", "heavy": "Heavy jet"},
    "villas": {"villa": "Villa", "penthouse": "Penthouse", "estate": "Estate"},
}


def validate_specs(category_slug: str, specs: object) -> list[str]:
    """Return the problems with ``specs`` for a category (empty when valid)."""
    fields = SPECS.get(category_slug)
    if fields is None:
        return [f"unknown category {category_slug!r}"]
    if not isinstance(specs, dict):
        return ["specs must be an object"]
    problems = []
    known = {f.key for f in fields}
    for extra in sorted(set(specs) - known):
        problems.append(f"unknown spec {extra!r} for {category_slug}")
    for field in fields:
        value = specs.get(field.key)
        if value is None or value == "":
            problems.append(f"spec {field.key!r} is required for {category_slug}")
        elif field.kind is int and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            problems.append(f"spec {field.key!r} must be a positive whole number")
        elif field.kind is str and not isinstance(value, str):
            problems.append(f"spec {field.key!r} must be text")
    return problems


def display_specs(category_slug: str, specs: dict) -> list[tuple[str, str]]:
    """(label, formatted value) pairs in the category's order, for pages and the API."""
    rows = []
    for field in SPECS.get(category_slug, ()):
        if field.key in specs:
            value = specs[field.key]
            text = f"{value:,}" if isinstance(value, int) else str(value)
            rows.append((field.label, f"{text} {field.unit}".strip()))
    return rows
