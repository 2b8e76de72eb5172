"""Planning the old inventory: one Midas asset per old item and city it was offered in.

An asset is priced in its home location's currency and delivered only within it
(``catalog.models``), and the old site sold one item in several cities at once (its bookings
have the same car out in Dubai and in Washington on the same days), so each (item, city)
becomes an asset of its own, ``legacy_id`` ``<item id>@<location slug>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify

from midas.catalog.models import Asset, Category, Location, PricingUnit
from midas.catalog.specs import SUBCATEGORIES
from midas.legacy.places import Place, find_place
from midas.legacy.report import Report
from midas.legacy.specs import read_specs

# the old inventory's sections -> Midas category slugs
CATEGORIES = {"cars": "cars", "yachts": "yachts", "jets": "jets", "properties": "villas"}
# the old pricing keys -> Midas pricing units
UNITS = {
    "hourly": PricingUnit.HOUR,
    "daily": PricingUnit.DAY,
    "nightly": PricingUnit.NIGHT,
    "trip": PricingUnit.TRIP,
}
# fields the import owns on an asset; staff's own edits to others (photos, deposits,
# descriptions, activation) are never touched by a later run
OWNED = (
    *("name", "brand", "model_name", "subcategory", "pricing_unit", "base_rate_minor"),
    *("currency", "features", "summary"),
)


def legacy_asset_id(item_id: str, location: str) -> str:
    return f"{item_id}@{location}"


@dataclass
class AssetPlan:
    legacy_id: str
    item_id: str
    location: str
    category: str
    slug: str
    fields: dict[str, Any]
    specs: dict[str, Any]
    active: bool
    existing: Asset | None = None
    outcome: str = "new"
    notes: list[str] = field(default_factory=list)


def to_minor(amount: Any) -> int | None:
    """A major-unit amount (20000, 146900.0, 1332.5) as whole minor units, or None."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str | Decimal):
        return None
    try:
        minor = Decimal(str(amount)) * 100
    except InvalidOperation:
        return None
    if minor != minor.to_integral_value() or minor < 0:
        return None
    return int(minor)


def _model_name(name: str, brand: str) -> str:
    if brand and name.lower().startswith(brand.lower()):
        return name[len(brand) :].strip()
    return ""


def _places(item: dict[str, Any]) -> list[Any]:
    texts = list((item.get("availability") or {}).get("locations") or [])
    if not texts and item.get("location"):
        texts = [item["location"]]
    return texts


def plan_items(
    inventory: dict[str, Any], locations: dict[str, Location], report: Report
) -> dict[str, list[AssetPlan]]:
    """Old item id -> the assets it becomes. Bad items are reported and left out."""
    existing = {a.legacy_id: a for a in Asset.objects.exclude(legacy_id="")}
    known = set(Category.objects.values_list("slug", flat=True))
    slugs: set[str] = set()
    plans: dict[str, list[AssetPlan]] = {}
    for section, body in (inventory.get("categories") or {}).items():
        for index, item in enumerate((body or {}).get("items") or []):
            item_id = str((item or {}).get("id") or "").strip()
            where = f"inventory.json {item_id or f'{section}[{index}]'}"
            category = CATEGORIES.get(section)
            if category is None:
                report.skip("items", where, f"unknown category {section!r}")
                continue
            if category not in known:
                report.skip("items", where, f"Midas has no category {category!r} yet")
                continue
            if not item_id or not str(item.get("name") or "").strip():
                report.skip("items", where, "no id or no name")
                continue
            if item_id in plans:
                report.skip("items", where, "the same id twice: the first one is kept")
                continue
            plans[item_id] = _plan_item(item, item_id, category, where, locations, existing, report)
            for plan in plans[item_id]:  # two old ids may make one slug: the second is told apart
                if plan.existing is None and plan.slug in slugs:
                    plan.slug = f"{plan.slug[:70]}-{len(slugs)}"
                slugs.add(plan.slug)
    return plans


def _plan_item(
    item: dict[str, Any],
    item_id: str,
    category: str,
    where: str,
    locations: dict[str, Location],
    existing: dict[str, Asset],
    report: Report,
) -> list[AssetPlan]:
    name = " ".join(str(item["name"]).split())
    brand = " ".join(str(item.get("brand") or "").split())
    subcategory = str(item.get("category") or "").strip().lower()
    notes: list[str] = []
    if subcategory and subcategory not in SUBCATEGORIES[category]:
        notes.append(f"kind {subcategory!r} is not a Midas {category} kind: left empty")
        subcategory = ""
    specs, spec_notes, missing = read_specs(category, item.get("specifications") or {})
    notes += spec_notes
    pricing = item.get("pricing") or {}
    unit_key = next((k for k in pricing if k in UNITS), None)
    if unit_key is None:
        report.skip("items", where, f"no price per hour, day, night or trip ({sorted(pricing)})")
        return []
    status = str((item.get("availability") or {}).get("status") or "available").lower()
    active = not missing and status == "available"
    if missing:
        notes.append(
            f"missing required specification{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: imported inactive until staff complete it in the admin"
        )
    if status != "available":
        notes.append(f"status {status!r} on the old site: imported inactive")
    features = [str(f) for f in item.get("features") or [] if str(f).strip()]
    plans: list[AssetPlan] = []
    seen: set[str] = set()
    for text in _places(item):
        place = find_place(text)
        if place is None:
            report.unknown_places[str(text)] += 1
            report.skip("items", f"{where} in {text!r}", f"unknown place {text!r}")
            continue
        location = locations.get(place.location)
        if location is None:
            report.skip("items", f"{where} in {text!r}", f"no Midas location {place.location!r}")
            continue
        if place.location in seen:
            report.notes.append(
                f"{where}: {text!r} is a second place in {location.city}: one asset"
            )
            continue
        seen.add(place.location)
        price = to_minor((pricing[unit_key] or {}).get(location.currency.lower()))
        if price is None or price == 0:
            report.skip(
                "items",
                f"{where} in {location.city}",
                f"no {location.currency} price {unit_key} (Midas charges {location.city} in "
                f"{location.currency})",
            )
            continue
        plan = AssetPlan(
            legacy_id=legacy_asset_id(item_id, location.slug),
            item_id=item_id,
            location=location.slug,
            category=category,
            slug=slugify(f"{item_id.removesuffix('-001')}-{location.slug}")[:80],
            fields={
                "name": name,
                "brand": brand,
                "model_name": _model_name(name, brand),
                "subcategory": subcategory,
                "pricing_unit": UNITS[unit_key],
                "base_rate_minor": price,
                "currency": location.currency,
                "features": features,
                "summary": _summary(place),
            },
            specs=specs,
            active=active,
            notes=notes,
        )
        _compare(plan, existing.get(plan.legacy_id))
        report.count("items", plan.outcome)
        plans.append(plan)
    for note in notes:
        report.notes.append(f"{where}: {note}")
    return plans


def _summary(place: Place) -> str:
    return "" if place.is_city else f"Based at {place.name}."


def _compare(plan: AssetPlan, asset: Asset | None) -> None:
    plan.existing = asset
    if asset is None:
        if Asset.objects.filter(slug=plan.slug).exists():
            plan.slug = f"{plan.slug[:73]}-legacy"
        return
    changed = any(getattr(asset, name) != value for name, value in plan.fields.items())
    changed = changed or any(asset.specs.get(k) != v for k, v in plan.specs.items())
    plan.outcome = "updated" if changed else "unchanged"
