"""Back office for the catalogue: cities, categories, assets with their images, seasons and
add-ons. Money is edited in minor units (as stored) and shown formatted beside it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from midas.catalog.models import (
    BASIS_POINTS,
    AddOn,
    AddOnPricing,
    Asset,
    AssetImage,
    Category,
    Location,
    SeasonalRate,
)
from midas.catalog.photos.admin import PhotoInline
from midas.catalog.services import catalog_version_bump
from midas.catalog.specs import SPECS
from midas.money import format_money

TIMESTAMPS = ("created_at", "updated_at")


def money(amount: int | None, currency: str) -> str:
    """``USD 5,500.00``: the admin always shows the minor digits."""
    return format_money(amount, currency, always_fraction=True) if amount is not None else "—"


def percent(basis_points: int | None) -> str:
    return "—" if basis_points is None else f"{basis_points / 100:g}%"


def specs_help() -> str:
    lines = []
    for category, fields in SPECS.items():
        keys = ", ".join(
            f"{f.key} ({'text' if f.kind is str else 'whole number'}"
            f"{', ' + f.unit if f.unit else ''})"
            for f in fields
        )
        lines.append(f"{category}: {keys}")
    return "A JSON object with exactly these keys. " + "; ".join(lines) + "."


class CatalogAdmin(admin.ModelAdmin):
    """Every save and delete moves the catalogue version on, in the admin's transaction, so
    cached public pages show the edit on the next request (docs/explanation/page-cache.md).
    Inlines and many-to-many fields are saved in the same transaction as the object."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        catalog_version_bump()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        catalog_version_bump()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        catalog_version_bump()


@admin.register(Location)
class LocationAdmin(CatalogAdmin):
    list_display = ["city", "slug", "region", "country", "currency", "timezone", "tax", "fee"]
    list_display += ["position"]
    list_editable = ["position"]
    search_fields = ["city", "slug", "region"]
    prepopulated_fields = {"slug": ["city"]}
    readonly_fields = TIMESTAMPS

    @admin.display(description="Tax", ordering="tax_rate_bp")
    def tax(self, obj: Location) -> str:
        return percent(obj.tax_rate_bp)

    @admin.display(description="Service fee", ordering="service_fee_bp")
    def fee(self, obj: Location) -> str:
        return percent(obj.service_fee_bp)


@admin.register(Category)
class CategoryAdmin(CatalogAdmin):
    list_display = ["name", "slug", "singular", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = TIMESTAMPS


class AssetImageInline(admin.TabularInline):
    model = AssetImage
    extra = 0
    fields = ["position", "preview", "src", "alt", "width", "height"]
    readonly_fields = ["preview"]

    verbose_name_plural = "drawings (shown while the asset has no photo)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AssetImage]:
        return super().get_queryset(request).filter(original="")  # photos: PhotoInline

    @admin.display(description="Image")
    def preview(self, obj: AssetImage) -> str:
        if not obj.pk:
            return "—"
        return format_html('<img src="{}" alt="" width="120" height="80">', obj.url)


@admin.register(Asset)
class AssetAdmin(CatalogAdmin):
    list_display = ["name", "brand", "category", "home_location", "rate", "booking_mode"]
    list_display += ["is_active", "is_featured"]
    list_editable = ["is_active", "is_featured"]
    list_filter = ["category", "home_location", "is_active", "is_featured", "booking_mode"]
    list_filter += ["pricing_unit"]
    list_select_related = ["category", "home_location"]
    search_fields = ["name", "brand", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["delivery_locations"]
    readonly_fields = ["rate", "deposit", "delivery_fee", *TIMESTAMPS]
    inlines = [PhotoInline, AssetImageInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "brand", "category", "home_location"]}),
        ("Listing", {"fields": ["is_active", "is_featured", "summary", "description"]}),
        ("Specifications", {"fields": ["specs", "features"]}),
        (
            "Price (in minor units: cents, fils)",
            {
                "fields": [
                    ("pricing_unit", "currency"),
                    ("base_rate_minor", "rate"),
                    "min_duration",
                    ("security_deposit_minor", "deposit"),
                ]
            },
        ),
        ("Delivery", {"fields": ["delivery_locations", ("delivery_fee_minor", "delivery_fee")]}),
        (
            "Booking rules",
            {
                "fields": [
                    "booking_mode",
                    "turnaround_minutes",
                    ("min_notice_hours", "max_advance_days"),
                    "min_renter_age",
                ]
            },
        ),
        ("Record", {"fields": list(TIMESTAMPS), "classes": ["collapse"]}),
    ]

    def get_form(self, request: HttpRequest, obj: Asset | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if "specs" in form.base_fields:
            form.base_fields["specs"].help_text = specs_help()
        if "features" in form.base_fields:
            form.base_fields["features"].help_text = 'A JSON list of short lines: ["…", "…"]'
        return form

    @admin.display(description="Rate", ordering="base_rate_minor")
    def rate(self, obj: Asset) -> str:
        if obj.base_rate_minor is None:
            return "—"
        return f"{money(obj.base_rate_minor, obj.currency)} / {obj.pricing_unit}"

    @admin.display(description="Security deposit")
    def deposit(self, obj: Asset) -> str:
        return money(obj.security_deposit_minor, obj.currency)

    @admin.display(description="Delivery fee")
    def delivery_fee(self, obj: Asset) -> str:
        return money(obj.delivery_fee_minor, obj.currency)


@admin.register(SeasonalRate)
class SeasonalRateAdmin(CatalogAdmin):
    list_display = ["name", "scope", "start_date", "end_date", "adjustment", "priority"]
    list_filter = ["location", "category", "start_date"]
    list_select_related = ["asset", "category", "location"]
    search_fields = ["name", "asset__name", "asset__slug"]
    autocomplete_fields = ["asset"]
    date_hierarchy = "start_date"
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request: HttpRequest) -> QuerySet[SeasonalRate]:
        return super().get_queryset(request).select_related("asset__home_location")

    @admin.display(description="Applies to")
    def scope(self, obj: SeasonalRate) -> str:
        if obj.asset_id:
            return str(obj.asset)
        parts = [str(p) for p in (obj.category, obj.location) if p]
        return " in ".join(parts) or "everything"

    @admin.display(description="Rate")
    def adjustment(self, obj: SeasonalRate) -> str:
        if obj.override_rate_minor is not None:
            currency = obj.asset.currency if obj.asset_id else ""
            return (
                money(obj.override_rate_minor, currency)
                if currency
                else (f"{obj.override_rate_minor:,} (minor units)")
            )
        return f"×{(obj.multiplier_bp or BASIS_POINTS) / BASIS_POINTS:.2f}"


@admin.register(AddOn)
class AddOnAdmin(CatalogAdmin):
    list_display = ["name", "code", "pricing", "price", "offered_for", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["pricing", "categories", "is_active"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["categories"]
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request: HttpRequest) -> QuerySet[AddOn]:
        return super().get_queryset(request).prefetch_related("categories")

    def get_form(self, request: HttpRequest, obj: AddOn | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if "amounts" in form.base_fields:
            form.base_fields["amounts"].help_text = (
                'Minor units per currency, e.g. {"USD": 15000, "AED": 55000}; '
                "not used for a percentage add-on"
            )
        return form

    @admin.display(description="Price")
    def price(self, obj: AddOn) -> str:
        if obj.pricing == AddOnPricing.PERCENT:
            return percent(obj.rate_bp)
        each = " · ".join(money(v, k) for k, v in sorted(obj.amounts.items()))
        return f"{each} per unit" if obj.pricing == AddOnPricing.PER_UNIT else each

    @admin.display(description="Categories")
    def offered_for(self, obj: AddOn) -> str:
        return ", ".join(c.name for c in obj.categories.all()) or "—"
