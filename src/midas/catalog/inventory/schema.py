"""The inventory format: its sections and fields, how a cell becomes a value, the errors.

See ``midas.catalog.inventory`` for the format itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from midas.catalog.models import AssetImage
from midas.errors import AppError, ErrorCode

FORMAT_NAME = "midas-inventory"
FORMAT_VERSION = 1
SECTIONS = ("locations", "categories", "addons", "assets", "seasons")

LOCATION_FIELDS = (
    *("slug", "city", "region", "country", "timezone", "currency"),
    *("tax_rate_bp", "service_fee_bp", "tagline", "position"),
)
CATEGORY_FIELDS = ("slug", "name", "singular", "tagline", "description", "position")
ADDON_FIELDS = (
    "code",
    "name",
    "description",
    "pricing",
    "rate_bp",
    "amounts",
    "pricing_units",
    "is_active",
    "position",
)
ASSET_FIELDS = (
    *("slug", "name", "brand", "pricing_unit", "base_rate_minor", "currency", "min_duration"),
    *("model_name", "subcategory"),
    *("security_deposit_minor", "delivery_fee_minor", "turnaround_minutes", "min_notice_hours"),
    *("max_advance_days", "min_renter_age", "booking_mode", "is_active", "is_featured"),
    *("summary", "description", "features", "specs"),
)
SEASON_FIELDS = (
    "name",
    "start_date",
    "end_date",
    "multiplier_bp",
    "override_rate_minor",
    "priority",
)
IMAGE_FIELDS = ("src", "alt", "width", "height")

# one row per asset; its relations by slug, lists joined with ";", specs and images as JSON
CSV_COLUMNS = (
    *("slug", "name", "brand", "category", "home_location", "delivery_locations"),
    *ASSET_FIELDS[3:],
    "images",
)
CSV_LISTS = ("delivery_locations", "features")
CSV_JSON = ("specs", "images")
REQUIRED_ASSET_KEYS = (
    *("slug", "name", "brand", "category", "home_location", "pricing_unit"),
    *("base_rate_minor", "currency", "specs"),
)

TRUE, FALSE = {"true", "1", "yes", "y"}, {"false", "0", "no", "n"}
WHOLE_NUMBER = re.compile(r"[+-]?\d+")


class InventoryError(AppError):
    """An import with bad rows; ``problems`` holds one ``where: reason`` line per bad row."""

    def __init__(self, problems: list[str]) -> None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(ErrorCode.IMPORT_INVALID, f"{count}; nothing was imported")
        self.problems = problems


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do), per section."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    dry_run: bool = False

    def count(self, section: str, outcome: str) -> None:
        self.counts.setdefault(section, Counter())[outcome] += 1

    def summary(self) -> str:
        parts = []
        for section in SECTIONS:
            if section in self.counts:
                c = self.counts[section]
                parts.append(
                    f"{section}: {c['created']} created, {c['updated']} updated, "
                    f"{c['unchanged']} unchanged"
                )
        return "; ".join(parts) or "nothing to import"


class Bad(Exception):
    """One problem with one value of a row."""


def coerce(model_field: models.Field, value: Any) -> Any:
    """A JSON value or CSV text as the value ``model_field`` holds, or ``Bad``."""
    if value is None or (value == "" and not isinstance(model_field, models.CharField)):
        if model_field.null:
            return None
        if value == "" and model_field.has_default():
            return model_field.get_default()
        raise Bad("is required")
    if isinstance(model_field, models.BooleanField):
        text = str(value).strip().lower() if not isinstance(value, bool) else None
        if isinstance(value, bool) or text in TRUE | FALSE:
            return value if isinstance(value, bool) else text in TRUE
        raise Bad(f"{value!r} is not true or false")
    if isinstance(model_field, models.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
            return int(value)
        raise Bad(f"{value!r} is not a whole number")
    if isinstance(model_field, models.DateField):
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise Bad(f"{value!r} is not a date (YYYY-MM-DD)")
    if isinstance(model_field, models.JSONField):
        return value
    if not isinstance(value, str):
        raise Bad("must be text")
    return value


def messages(exc: ValidationError) -> list[str]:
    """A model's validation errors as ``field: message`` lines, without the final stops."""
    if not hasattr(exc, "error_dict"):
        return [text.rstrip(".") for text in exc.messages]
    return [
        text.rstrip(".") if name == NON_FIELD_ERRORS else f"{name}: {text.rstrip('.')}"
        for name, texts in exc.message_dict.items()
        for text in texts
    ]


def image_dict(image: AssetImage) -> dict[str, Any]:
    return {name: getattr(image, name) for name in IMAGE_FIELDS}
