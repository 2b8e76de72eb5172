"""Validate an import row by row into plans, then write the plans.

Every row is checked before anything is written; a row's references may point at rows of
the same file (a new location used by a new asset) or at rows already in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from midas.catalog.inventory.schema import (
    ADDON_FIELDS,
    ASSET_FIELDS,
    CATEGORY_FIELDS,
    IMAGE_FIELDS,
    LOCATION_FIELDS,
    REQUIRED_ASSET_KEYS,
    SEASON_FIELDS,
    SECTIONS,
    Bad,
    ImportReport,
    coerce,
    image_dict,
    messages,
)
from midas.catalog.models import AddOn, Asset, AssetImage, Category, Location, SeasonalRate
from midas.catalog.specs import validate_specs


@dataclass
class Plan:
    """One validated row and what writing it needs."""

    section: str
    instance: Any
    changed: bool
    refs: dict[str, str | None] = field(default_factory=dict)
    m2m: tuple[str, list[str]] | None = None
    images: list[dict[str, Any]] | None = None


class Importer:
    """Holds the rows of one import, the plans made from them and the problems found."""

    def __init__(
        self, data: dict[str, list[Any]], where: Any, row_errors: dict[int, list[str]]
    ) -> None:
        self.data = data
        self.where = where  # (section, index) -> "line 3" | "assets[2]"
        self.row_errors = row_errors  # asset index -> problems found before (CSV text)
        self.problems: list[str] = []
        self.plans: list[Plan] = []
        self.locations = Location.objects.in_bulk(field_name="slug")
        self.categories = Category.objects.in_bulk(field_name="slug")
        slugs = [r.get("slug") for r in data.get("assets") or [] if isinstance(r, dict)]
        self.existing_assets = (
            Asset.objects.select_related("category", "home_location")
            .prefetch_related("delivery_locations", "images")
            .in_bulk([s for s in slugs if isinstance(s, str)], field_name="slug")
        )
        self.assets: dict[str, Asset] = {}
        self.known_asset_slugs: set[str] | None = None

    # --- validation --------------------------------------------------------------------
    def validate(self) -> None:
        for section in SECTIONS:
            rows = self.data.get(section) or []
            seen: dict[str, int] = {}
            for index, row in enumerate(rows):
                place = self.where(section, index)
                errors = list(self.row_errors.get(index, [])) if section == "assets" else []
                try:
                    if not isinstance(row, dict):
                        raise Bad("each row must be an object")
                    key = self._key(section, row)
                    if key in seen:
                        raise Bad(f"duplicate of {self.where(section, seen[key])}")
                    seen[key] = index
                    plan = getattr(self, f"_plan_{section}")(row, errors)
                except Bad as exc:
                    errors.append(str(exc))
                if errors:
                    self.problems.append(f"{place}: {'; '.join(errors)}")
                else:
                    self.plans.append(plan)

    def _key(self, section: str, row: dict[str, Any]) -> str:
        if section == "seasons":
            scope = [row.get(k) for k in ("asset", "category", "location")]
            return json.dumps([row.get("name"), row.get("start_date"), *scope], default=str)
        key = row.get("code" if section == "addons" else "slug")
        if not isinstance(key, str) or not key:
            raise Bad(f"{'code' if section == 'addons' else 'slug'} is required")
        return key

    def _fill(
        self,
        instance: Any,
        row: dict[str, Any],
        names: tuple[str, ...],
        extra: tuple[str, ...],
        errors: list[str],
    ) -> bool:
        """Copy the row's values onto ``instance``; True when anything differs."""
        for unknown in sorted(set(row) - set(names) - set(extra)):
            errors.append(f"unknown field {unknown!r}")
        changed = instance._state.adding
        for name in names:
            if name not in row:
                continue
            try:
                value = coerce(instance._meta.get_field(name), row[name])
            except Bad as exc:
                errors.append(f"{name}: {exc}")
                continue
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                changed = True
        return changed

    def _check(self, instance: Any, errors: list[str], exclude: tuple[str, ...] = ()) -> None:
        """The model's own validation, skipping fields already reported for this row."""
        reported = {e.split(":", 1)[0] for e in errors}
        try:
            # rows are matched by their unique key first, so uniqueness holds already
            instance.full_clean(exclude=[*exclude, *reported], validate_unique=False)
        except ValidationError as exc:  # clean() may judge a field again: say it once
            errors.extend(m for m in messages(exc) if m.split(":", 1)[0] not in reported)

    def _plan_locations(self, row: dict[str, Any], errors: list[str]) -> Plan:
        instance = self.locations.get(row["slug"]) or Location(slug=row["slug"])
        changed = self._fill(instance, row, LOCATION_FIELDS, (), errors)
        self._check(instance, errors)
        self.locations[instance.slug] = instance
        return Plan("locations", instance, changed)

    def _plan_categories(self, row: dict[str, Any], errors: list[str]) -> Plan:
        instance = self.categories.get(row["slug"]) or Category(slug=row["slug"])
        changed = self._fill(instance, row, CATEGORY_FIELDS, (), errors)
        self._check(instance, errors)
        self.categories[instance.slug] = instance
        return Plan("categories", instance, changed)

    def _plan_addons(self, row: dict[str, Any], errors: list[str]) -> Plan:
        instance = AddOn.objects.filter(code=row["code"]).first() or AddOn(code=row["code"])
        changed = self._fill(instance, row, ADDON_FIELDS, ("categories",), errors)
        slugs = self._slugs(row, "categories", self.categories, errors)
        amounts = instance.amounts
        if not isinstance(amounts, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in amounts.items()
        ):
            errors.append('amounts: give whole minor units per currency, e.g. {"USD": 15000}')
        self._check(instance, errors)
        if slugs is not None and instance.pk:
            current = sorted(instance.categories.values_list("slug", flat=True))
            changed = changed or current != sorted(slugs)
        m2m = ("categories", slugs) if slugs is not None else None
        return Plan("addons", instance, changed, m2m=m2m)

    def _plan_assets(self, row: dict[str, Any], errors: list[str]) -> Plan:
        slug = row["slug"]
        if slug not in self.assets:
            self.assets[slug] = self.existing_assets.get(slug) or Asset(slug=slug)
        instance = self.assets[slug]
        reported = {e.split(":", 1)[0] for e in errors}  # e.g. specs that were not JSON
        missing = [
            k
            for k in REQUIRED_ASSET_KEYS
            if instance._state.adding and k not in row and k not in reported
        ]
        if missing:
            raise Bad(f"missing {', '.join(missing)}")
        extra = ("category", "home_location", "delivery_locations", "images")
        changed = self._fill(instance, row, ASSET_FIELDS, extra, errors)
        category = self._ref(instance, row, "category", self.categories, errors)
        home = self._ref(instance, row, "home_location", self.locations, errors)
        changed = changed or any(
            target is not None and target.pk != getattr(instance, f"{name}_id")
            for name, target in (("category", category), ("home_location", home))
        )
        for name, target in (("category", category), ("home_location", home)):
            if target is not None:
                setattr(instance, name, target)
        # the model's clean() checks specs and currency once both relations are saved rows
        if category and not category.pk:
            errors.extend(f"specs: {p}" for p in validate_specs(category.slug, instance.specs))
        if home and not home.pk and instance.currency != home.currency:
            errors.append(f"currency: must be the home location's currency ({home.currency})")
        self._check(instance, errors, exclude=("category", "home_location"))
        if not isinstance(instance.features, list) or not all(
            isinstance(f, str) for f in instance.features
        ):
            errors.append("features: must be a list of text")
        delivery = self._slugs(row, "delivery_locations", self.locations, errors)
        for other in delivery or []:
            place = self.locations.get(other)
            if place and place.currency != instance.currency:
                errors.append(
                    f"delivery_locations: {other} uses {place.currency}, not {instance.currency}"
                )
        images = self._images(row, errors)
        if instance.pk and delivery is not None:
            current = sorted(loc.slug for loc in instance.delivery_locations.all())
            changed = changed or current != sorted(delivery)
        if instance.pk and images is not None:
            # the drawings: uploaded photos are not part of the inventory (catalog.photos)
            current_images = [image_dict(i) for i in instance.images.all() if not i.is_photo]
            changed = changed or current_images != images
        refs = {"category": category.slug if category else None}
        refs["home_location"] = home.slug if home else None
        m2m = ("delivery_locations", delivery) if delivery is not None else None
        return Plan("assets", instance, changed, refs=refs, m2m=m2m, images=images)

    def _plan_seasons(self, row: dict[str, Any], errors: list[str]) -> Plan:
        scope: dict[str, str | None] = {}
        for name in ("asset", "category", "location"):
            value = row.get(name)
            if value is not None and not isinstance(value, str):
                errors.append(f"{name}: must be a slug or null")
                value = None
            scope[name] = value or None
        known = {"asset": self._asset_slugs(), "category": self.categories}
        known["location"] = self.locations
        for name, value in scope.items():
            if value and value not in known[name]:
                errors.append(f"unknown {name} {value!r}")
        instance = self._existing_season(row, scope) or SeasonalRate()
        changed = self._fill(instance, row, SEASON_FIELDS, tuple(scope), errors)
        if not any(scope.values()):
            errors.append("give an asset, a category or a location (or several)")
        self._check(instance, errors, exclude=tuple(scope))
        if instance.pk:
            current = {
                "asset": instance.asset.slug if instance.asset_id else None,
                "category": instance.category.slug if instance.category_id else None,
                "location": instance.location.slug if instance.location_id else None,
            }
            changed = changed or current != scope
        return Plan("seasons", instance, changed, refs=scope)

    def _asset_slugs(self) -> set[str]:
        if self.known_asset_slugs is None:
            self.known_asset_slugs = set(Asset.objects.values_list("slug", flat=True))
        return self.known_asset_slugs | set(self.assets)

    def _existing_season(self, row: dict[str, Any], scope: dict[str, str | None]) -> Any:
        try:
            start = coerce(SeasonalRate._meta.get_field("start_date"), row.get("start_date"))
        except Bad:
            return None
        lookup = {f"{k}__slug" if v else f"{k}__isnull": v or True for k, v in scope.items()}
        seasons = SeasonalRate.objects.select_related("asset", "category", "location")
        return seasons.filter(name=row.get("name"), start_date=start, **lookup).first()

    def _ref(
        self,
        instance: Any,
        row: dict[str, Any],
        name: str,
        known: dict[str, Any],
        errors: list[str],
    ) -> Any:
        if name not in row:
            return getattr(instance, name)
        target = known.get(row[name]) if isinstance(row[name], str) else None
        if target is None:
            errors.append(f"unknown {name.replace('_', ' ')} {row[name]!r}")
            setattr(instance, f"{name}_id", None)  # so clean() does not judge the old one
            return None
        return target

    def _slugs(
        self, row: dict[str, Any], name: str, known: dict[str, Any], errors: list[str]
    ) -> list[str] | None:
        if name not in row:
            return None
        value = row[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{name}: must be a list of slugs")
            return None
        for unknown in [v for v in value if v not in known]:
            errors.append(f"{name}: unknown {unknown!r}")
        return list(dict.fromkeys(value))

    def _images(self, row: dict[str, Any], errors: list[str]) -> list[dict[str, Any]] | None:
        if "images" not in row:
            return None
        if not isinstance(row["images"], list):
            errors.append("images: must be a list of {src, alt, width, height}")
            return None
        images = []
        for n, item in enumerate(row["images"]):
            image_errors: list[str] = []
            if not isinstance(item, dict):
                errors.append(f"images[{n}]: must be an object")
                continue
            image = AssetImage(position=n)
            self._fill(image, item, IMAGE_FIELDS, (), image_errors)
            image_errors += [f"{name}: required" for name in ("src", "alt") if not item.get(name)]
            self._check(image, image_errors, exclude=("asset",))
            errors.extend(f"images[{n}]: {e}" for e in image_errors)
            images.append(image_dict(image))
        return images

    # --- writing -----------------------------------------------------------------------
    def count(self, report: ImportReport) -> None:
        for plan in self.plans:
            outcome = "created" if plan.instance._state.adding else "updated"
            report.count(plan.section, outcome if plan.changed else "unchanged")

    def write(self) -> None:
        for plan in self.plans:
            if not plan.changed:
                continue
            instance = plan.instance
            if plan.section == "assets":
                instance.category = self.categories[plan.refs["category"]]
                instance.home_location = self.locations[plan.refs["home_location"]]
            elif plan.section == "seasons":
                instance.asset = self.assets.get(plan.refs["asset"]) or (
                    Asset.objects.get(slug=plan.refs["asset"]) if plan.refs["asset"] else None
                )
                instance.category = self.categories.get(plan.refs["category"] or "")
                instance.location = self.locations.get(plan.refs["location"] or "")
            instance.save()
            if plan.m2m is not None:
                name, slugs = plan.m2m
                known = self.categories if name == "categories" else self.locations
                getattr(instance, name).set([known[s] for s in slugs])
            if plan.images is not None:
                instance.images.filter(original="").delete()  # photos stay
                AssetImage.objects.bulk_create(
                    AssetImage(asset=instance, position=n, **image)
                    for n, image in enumerate(plan.images)
                )
