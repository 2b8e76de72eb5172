"""Export the catalogue in the inventory format (JSON) or as one CSV row per asset."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from midas.catalog.inventory.schema import (
    ADDON_FIELDS,
    ASSET_FIELDS,
    CATEGORY_FIELDS,
    CSV_COLUMNS,
    CSV_JSON,
    CSV_LISTS,
    FORMAT_NAME,
    FORMAT_VERSION,
    LOCATION_FIELDS,
    SEASON_FIELDS,
    image_dict,
)
from midas.catalog.models import AddOn, Asset, Category, Location, SeasonalRate


def export_data() -> dict[str, Any]:
    """The whole catalogue in the JSON format; importing it into an empty database gives
    the same catalogue back."""
    assets = Asset.objects.select_related("category", "home_location").prefetch_related(
        "delivery_locations", "images"
    )
    seasons = [
        {
            **{name: getattr(s, name) for name in SEASON_FIELDS},
            "start_date": s.start_date.isoformat(),
            "end_date": s.end_date.isoformat(),
            "asset": s.asset.slug if s.asset_id else None,
            "category": s.category.slug if s.category_id else None,
            "location": s.location.slug if s.location_id else None,
        }
        for s in SeasonalRate.objects.select_related("asset", "category", "location")
    ]
    seasons.sort(
        key=lambda s: json.dumps(
            [s["start_date"], s["name"], s["asset"] or "", s["category"] or "", s["location"] or ""]
        )
    )
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "locations": [
            _row(x, LOCATION_FIELDS) for x in Location.objects.order_by("position", "slug")
        ],
        "categories": [
            _row(x, CATEGORY_FIELDS) for x in Category.objects.order_by("position", "slug")
        ],
        "addons": [
            {**_row(a, ADDON_FIELDS), "categories": sorted(c.slug for c in a.categories.all())}
            for a in AddOn.objects.prefetch_related("categories").order_by("position", "code")
        ],
        "assets": [
            _asset_row(a)
            for a in assets.order_by("category__position", "home_location__position", "slug")
        ],
        "seasons": seasons,
    }


def _row(instance: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


def _asset_row(asset: Asset) -> dict[str, Any]:
    row = _row(asset, ASSET_FIELDS)
    row["category"] = asset.category.slug
    row["home_location"] = asset.home_location.slug
    row["delivery_locations"] = sorted(loc.slug for loc in asset.delivery_locations.all())
    row["images"] = [image_dict(i) for i in asset.images.all() if not i.is_photo]  # drawings
    return {name: row[name] for name in CSV_COLUMNS}


def export_json() -> str:
    return json.dumps(export_data(), indent=2, ensure_ascii=False) + "\n"


def export_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in export_data()["assets"]:
        cells = []
        for name in CSV_COLUMNS:
            value = row[name]
            if name in CSV_LISTS:
                value = ";".join(value)
            elif name in CSV_JSON:
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()
