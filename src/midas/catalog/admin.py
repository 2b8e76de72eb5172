"""Back office for the catalogue: cities, categories, assets with their images, seasons,
add-ons and exchange rates. Staff type what they mean (catalog.forms): money in major units
beside its currency, multipliers as ×1.5, percentages as 5 %, specifications one field per
spec of the asset's category, features one per line; the forms store minor units and basis
points. See docs/how-to/catalogue-admin.md."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from midas.catalog.forms import (
    AddOnForm,
    AssetForm,
    ExchangeRateForm,
    LocationForm,
    SeasonalRateForm,
    spec_field_name,
)
from midas.catalog.models import (
    BASIS_POINTS,
    AddOn,
    AddOnPricing,
    Asset,
    AssetImage,
    Category,
    ExchangeRate,
    Location,
    SeasonalRate,
)
from midas.catalog.photos.admin import PhotoInline
from midas.catalog.services import catalog_version_bump
from midas.catalog.specs import SPECS, SUBCATEGORIES
from midas.catalog.zones import zone_label
from midas.money import format_money

TIMESTAMPS = ("created_at", "updated_at")


def money(amount: int | None, currency: str) -> str:
    """``USD 5,500.00``: the admin always shows the minor digits."""
    return format_money(amount, currency, always_fraction=True) if amount is not None else "—"


def percent(basis_points: int | None) -> str:
    return "—" if basis_points is None else f"{basis_points / 100:g} %"


def multiplier(basis_points: int | None) -> str:
    return f"×{(basis_points or BASIS_POINTS) / BASIS_POINTS:g}"


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
    form = LocationForm
    list_display = ["city", "slug", "region", "country", "currency", "zone", "tax", "fee"]
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

    @admin.display(description="Time zone", ordering="timezone")
    def zone(self, obj: Location) -> str:
        return f"{zone_label(obj)} · {obj.timezone}"


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


def spec_fieldsets(categories: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """One fieldset per category's specifications (the asset form's script shows the chosen
    category's only)."""
    names = dict(Category.objects.filter(slug__in=categories).values_list("slug", "name"))
    return [
        (
            f"Specifications: {names.get(slug, slug)}",
            {
                "fields": [spec_field_name(slug, spec.key) for spec in SPECS[slug]],
                "classes": ["spec-group", f"spec-{slug}"],
            },
        )
        for slug in categories
    ]


@admin.register(Asset)
class AssetAdmin(CatalogAdmin):
    form = AssetForm
    list_display = ["name", "brand", "category", "kind", "home_location", "rate", "booking_mode"]
    list_display += ["is_active", "is_featured"]
    list_editable = ["is_active", "is_featured"]
    list_filter = ["category", "home_location", "is_active", "is_featured", "booking_mode"]
    list_filter += ["pricing_unit"]
    list_select_related = ["category", "home_location"]
    search_fields = ["name", "brand", "model_name", "slug", "summary", "legacy_id"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["delivery_locations"]
    readonly_fields = ["rate", "preview", *TIMESTAMPS]
    inlines = [PhotoInline, AssetImageInline]

    class Media:
        js = ["catalog/asset_form.js"]

    def get_fieldsets(self, request: HttpRequest, obj: Asset | None = None) -> Any:
        saved = obj is not None  # the preview link and the rate as read need a saved asset
        return [
            (
                None,
                {
                    "fields": [
                        "name",
                        "slug",
                        ("brand", "model_name"),
                        ("category", "subcategory"),
                        "home_location",
                    ]
                },
            ),
            (
                "Listing",
                {
                    "fields": [
                        *(["preview"] if saved else []),
                        "is_active",
                        "is_featured",
                        "summary",
                        "description",
                    ]
                },
            ),
            *spec_fieldsets(self.spec_categories(request, obj)),
            ("Features", {"fields": ["features"]}),
            (
                "Price (in the home city's currency)",
                {
                    "fields": [
                        "pricing_unit",
                        ("base_rate_minor", "rate") if saved else "base_rate_minor",
                        ("min_duration", "max_duration"),
                        "security_deposit_minor",
                    ]
                },
            ),
            ("Delivery", {"fields": ["delivery_locations", "delivery_fee_minor"]}),
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
            ("Record", {"fields": ["legacy_id", *TIMESTAMPS], "classes": ["collapse"]}),
        ]

    @staticmethod
    def spec_categories(request: HttpRequest, obj: Asset | None) -> list[str]:
        """The categories whose specification fields the form shows: the one chosen (as
        posted, else as saved); on a new asset all of them, and the script shows the one
        chosen as staff choose it."""
        slug = ""
        posted = request.POST.get("category") if request.method == "POST" else None
        if posted:
            slug = Category.objects.filter(pk=posted).values_list("slug", flat=True).first() or ""
        elif obj is not None:
            slug = obj.category.slug
        return [slug] if slug in SPECS else list(SPECS)

    @admin.display(description="Kind", ordering="subcategory")
    def kind(self, obj: Asset) -> str:
        return SUBCATEGORIES.get(obj.category.slug, {}).get(obj.subcategory, "—")

    @admin.display(description="Rate", ordering="base_rate_minor")
    def rate(self, obj: Asset) -> str:
        if obj.base_rate_minor is None:
            return "—"
        return f"{money(obj.base_rate_minor, obj.currency)} / {obj.pricing_unit}"

    @admin.display(description="Preview")
    def preview(self, obj: Asset) -> str:
        note = "" if obj.is_active else " — not live: only staff can open it, customers get 404"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview as a customer sees it</a>{}',
            obj.get_absolute_url(),
            note,
        )


@admin.register(SeasonalRate)
class SeasonalRateAdmin(CatalogAdmin):
    form = SeasonalRateForm
    list_display = ["name", "scope", "start_date", "end_date", "adjustment", "priority"]
    list_filter = ["location", "category", "start_date"]
    list_select_related = ["asset", "category", "location"]
    search_fields = ["name", "asset__name", "asset__slug"]
    autocomplete_fields = ["asset"]
    date_hierarchy = "start_date"
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request: HttpRequest) -> QuerySet[SeasonalRate]:
        return super().get_queryset(request).select_related("asset__home_location", "location")

    @admin.display(description="Applies to")
    def scope(self, obj: SeasonalRate) -> str:
        if obj.asset_id:
            return str(obj.asset)
        parts = [str(p) for p in (obj.category, obj.location) if p]
        return " in ".join(parts) or "everything"

    @admin.display(description="Rate")
    def adjustment(self, obj: SeasonalRate) -> str:
        if obj.override_rate_minor is not None:
            owner = obj.asset or obj.location
            currency = owner.currency if owner is not None else ""
            return (
                money(obj.override_rate_minor, currency)
                if currency
                else (f"{obj.override_rate_minor:,} (minor units)")
            )
        return multiplier(obj.multiplier_bp)


@admin.register(AddOn)
class AddOnAdmin(CatalogAdmin):
    form = AddOnForm
    list_display = ["name", "code", "pricing", "price", "offered_for", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["pricing", "categories", "is_active"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["categories"]
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request: HttpRequest) -> QuerySet[AddOn]:
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description="Price")
    def price(self, obj: AddOn) -> str:
        if obj.pricing == AddOnPricing.PERCENT:
            return percent(obj.rate_bp)
        each = " · ".join(money(v, k) for k, v in sorted(obj.amounts.items()))
        return f"{each} per unit" if obj.pricing == AddOnPricing.PER_UNIT else each

    @admin.display(description="Categories")
    def offered_for(self, obj: AddOn) -> str:
        return ", ".join(c.name for c in obj.categories.all()) or "—"


@admin.register(ExchangeRate)
class ExchangeRateAdmin(CatalogAdmin):
    """The display-only rate table: "USD 1 = AED 3.6725". A pegged rate is fixed by law and
    read-only here; the others are kept by staff."""

    form = ExchangeRateForm
    list_display = ["rate", "pegged", "note", "updated_at"]
    search_fields = ["currency", "note"]
    readonly_fields = ["pegged", "updated_at"]

    @admin.display(description="Rate", ordering="currency")
    def rate(self, obj: ExchangeRate) -> str:
        return str(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: ExchangeRate | None = None) -> Any:
        if obj is not None and obj.pegged:
            return ["currency", "per_usd", "note", "pegged", "updated_at"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ExchangeRate | None = None) -> bool:
        return not (obj is not None and obj.pegged) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset.filter(pegged=False))


from midas.catalog import pricing_admin  # noqa: E402, F401  (airports, jets, discounts, tiers)
