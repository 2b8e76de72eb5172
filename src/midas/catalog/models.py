"""Locations, categories, assets, their images, seasonal rates and add-ons.

Money is an integer count of minor units plus an ISO 4217 code; an asset is priced in the
currency of its home location, and it is only delivered to locations of that currency.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.templatetags.static import static

from midas.catalog.photos.display import photo_url
from midas.catalog.photos.storage import photo_storage
from midas.catalog.specs import SUBCATEGORIES, capacity_of, display_specs, validate_specs
from midas.core.models import TimestampedModel
from midas.core.urls import cached_reverse

BASIS_POINTS = 10_000  # 100% = 10,000 bp


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone") from exc


class Location(TimestampedModel):
    slug = models.SlugField(unique=True)
    city = models.CharField(max_length=80)
    region = models.CharField(max_length=80, blank=True, help_text="State or emirate")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    currency = models.CharField(max_length=3, help_text="ISO 4217")
    tax_rate_bp = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(BASIS_POINTS)],
        help_text="Sales tax / VAT in basis points (500 = 5%)",
    )
    service_fee_bp = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(BASIS_POINTS)],
        help_text="Service fee in basis points of the subtotal",
    )
    tagline = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "city"]

    def __str__(self) -> str:
        return self.city

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class PricingUnit(models.TextChoices):
    HOUR = "hour", "per hour"
    DAY = "day", "per day"
    NIGHT = "night", "per night"
    TRIP = "trip", "per trip"


class Category(TimestampedModel):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    singular = models.CharField(max_length=60)
    tagline = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("web:category", slug=self.slug)


class BookingMode(models.TextChoices):
    INSTANT = "instant", "Instant book"
    REQUEST = "request", "Request to book"


class AssetQuerySet(models.QuerySet["Asset"]):
    def active(self) -> AssetQuerySet:
        return self.filter(is_active=True)


class Asset(TimestampedModel):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=120)
    brand = models.CharField(max_length=80)
    model_name = models.CharField(
        "model", max_length=80, blank=True, help_text="The maker's model, e.g. Chiron, Cullinan"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="assets")
    subcategory = models.CharField(
        "body style / class",
        max_length=20,
        blank=True,
        help_text="Hypercar, SUV, sedan, convertible; motor or mega yacht; light, midsize or "
        "heavy jet; villa or penthouse",
    )
    home_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="home_assets"
    )
    delivery_locations = models.ManyToManyField(
        Location,
        blank=True,
        related_name="delivered_assets",
        help_text="Other locations the asset can be delivered to (same currency)",
    )
    specs = models.JSONField(default=dict, help_text="Structured specifications per category")
    summary = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    features = models.JSONField(default=list, blank=True)
    pricing_unit = models.CharField(max_length=8, choices=PricingUnit.choices)
    base_rate_minor = models.PositiveBigIntegerField(help_text="Rate per unit in minor units")
    currency = models.CharField(max_length=3)
    min_duration = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Minimum number of units"
    )
    max_duration = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Maximum number of units in one booking; empty for the house limit",
    )
    security_deposit_minor = models.PositiveBigIntegerField(default=0)
    delivery_fee_minor = models.PositiveBigIntegerField(
        default=0, help_text="Charged when delivered away from the home location"
    )
    turnaround_minutes = models.PositiveIntegerField(
        default=0, help_text="Buffer after each rental before the next may start"
    )
    min_notice_hours = models.PositiveIntegerField(default=24)
    max_advance_days = models.PositiveIntegerField(default=365)
    min_renter_age = models.PositiveSmallIntegerField(default=21)
    booking_mode = models.CharField(
        max_length=8, choices=BookingMode.choices, default=BookingMode.INSTANT
    )
    is_active = models.BooleanField(default=True)
    is_featured = models.BooleanField(default=False)
    legacy_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="The item's id on the old site"
    )

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "-base_rate_minor", "name"]
        indexes = [models.Index(fields=["category", "home_location", "is_active"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("web:asset", slug=self.slug)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.category_id:
            problems = validate_specs(self.category.slug, self.specs)
            if problems:
                errors["specs"] = problems
            if self.subcategory and self.subcategory not in SUBCATEGORIES.get(
                self.category.slug, {}
            ):
                errors["subcategory"] = [
                    f"not a kind of {self.category.singular.lower()}: {self.subcategory!r}"
                ]
        if self.max_duration and self.max_duration < self.min_duration:
            errors["max_duration"] = ["must not be below the minimum"]
        if self.home_location_id and self.currency != self.home_location.currency:
            errors.setdefault("currency", []).append(
                f"must be the home location's currency ({self.home_location.currency})"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def spec_rows(self) -> list[tuple[str, str]]:
        return display_specs(self.category.slug, self.specs)

    @property
    def capacity(self) -> int | None:
        """Seats, guests or passengers (``catalog.specs.CAPACITY_SPEC``)."""
        return capacity_of(self.category.slug, self.specs)

    @property
    def jet_profile(self) -> JetProfile | None:
        """A jet's flight-time pricing (hourly rate, minimum per leg), when it has one. The
        page and card queries load it with ``select_related("jet")``."""
        try:
            return self.jet  # type: ignore[no-any-return]
        except ObjectDoesNotExist:
            return None

    @property
    def requires_request(self) -> bool:
        return self.booking_mode == BookingMode.REQUEST

    @property
    def gallery(self) -> list[AssetImage]:
        """The published images from ``images`` (prefetched by the selectors): the photos,
        cover first, or the drawings when there is no photo."""
        shown = [image for image in self.images.all() if image.alt]
        return [image for image in shown if image.is_photo] or shown


class AssetImageQuerySet(models.QuerySet["AssetImage"]):
    def published(self) -> AssetImageQuerySet:
        """What the pages show: an image without alt text is not published."""
        return self.exclude(alt="")


class AssetImage(models.Model):
    """A drawing (a static ``src``) or an uploaded photo (``original`` and its ``variants``,
    made by ``midas.catalog.photos``). ``width``/``height``: the largest variant's."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="images")
    src = models.CharField(
        max_length=300,
        blank=True,
        help_text="A static file path (midas/art/...) or an absolute URL; empty for a photo",
    )
    alt = models.CharField(
        max_length=200, blank=True, help_text="Required: an image without it is not shown"
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    original = models.FileField(storage=photo_storage, max_length=300, blank=True)
    variants = models.JSONField(default=list, blank=True, help_text="midas.catalog.photos")
    placeholder = models.TextField(blank=True, help_text="A tiny blurred data: URI")

    objects = AssetImageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt

    @property
    def is_photo(self) -> bool:
        return bool(self.original)

    @property
    def url(self) -> str:
        if self.is_photo:
            return photo_url(self)
        if self.src.startswith(("/", "http://", "https://")):
            return self.src
        return static(self.src)


class SeasonalRate(TimestampedModel):
    """A date range (in the location's calendar) whose units cost a multiple or a fixed rate.

    Scope narrows from everything to one asset; when several seasons cover one unit the
    most specific wins (asset, then category+location, then location or category), then the
    higher ``priority``.
    """

    name = models.CharField(max_length=80)
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, null=True, blank=True, related_name="seasons"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(help_text="Exclusive: the first day the season no longer applies")
    multiplier_bp = models.PositiveIntegerField(
        null=True, blank=True, help_text="Rate multiplier in basis points (12500 = ×1.25)"
    )
    override_rate_minor = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="A fixed rate per unit instead of the base rate"
    )
    priority = models.SmallIntegerField(default=0)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="season_end_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(multiplier_bp__isnull=False, override_rate_minor__isnull=True)
                    | models.Q(multiplier_bp__isnull=True, override_rate_minor__isnull=False)
                ),
                name="season_multiplier_xor_override",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date} – {self.end_date})"

    @property
    def specificity(self) -> int:
        if self.asset_id:
            return 3
        if self.category_id and self.location_id:
            return 2
        return 1

    def rate_for(self, base_rate_minor: int) -> int:
        if self.override_rate_minor is not None:
            return self.override_rate_minor
        # integer basis-point arithmetic, half up
        return (base_rate_minor * (self.multiplier_bp or BASIS_POINTS) + BASIS_POINTS // 2) // (
            BASIS_POINTS
        )


class AddOnPricing(models.TextChoices):
    PER_UNIT = "per_unit", "per pricing unit"
    FLAT = "flat", "flat"
    PERCENT = "percent", "percent of the rental"


class AddOn(TimestampedModel):
    """An extra a customer may add to a quote: insurance, chauffeur or captain, VIP services.

    Fixed amounts are kept per currency in ``amounts`` ({"USD": 15000, "AED": 55000}); an
    add-on without an amount for the asset's currency is not offered for it.
    """

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="addons")
    pricing = models.CharField(max_length=10, choices=AddOnPricing.choices)
    rate_bp = models.PositiveIntegerField(null=True, blank=True)
    amounts = models.JSONField(default=dict, blank=True)
    pricing_units = models.JSONField(
        default=list,
        blank=True,
        help_text='Only for assets priced in these units, e.g. ["day"]; empty for all. A '
        "per-unit add-on priced per day must not be charged per hour.",
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "add-on"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pricing == AddOnPricing.PERCENT and not self.rate_bp:
            raise ValidationError({"rate_bp": "required for a percentage add-on"})
        if self.pricing != AddOnPricing.PERCENT and not self.amounts:
            raise ValidationError({"amounts": "give an amount per currency"})
        units = self.pricing_units
        if not isinstance(units, list) or not set(units) <= set(PricingUnit.values):
            raise ValidationError(
                {"pricing_units": f"a list of pricing units ({', '.join(PricingUnit.values)})"}
            )

    def offered_for(self, asset: Asset) -> bool:
        """Whether this add-on can be added to a quote for ``asset``: priced in its currency
        and meant for its pricing unit (the category is filtered in the query)."""
        if self.pricing_units and asset.pricing_unit not in self.pricing_units:
            return False
        return self.pricing == AddOnPricing.PERCENT or asset.currency in self.amounts


class ExchangeRate(models.Model):
    """How many units of ``currency`` one US dollar buys, for showing prices side by side.

    Display only: a charge is always made in the asset's own currency. AED is pegged
    (3.6725); others are kept by staff and say when they were last set.
    """

    currency = models.CharField(max_length=3, unique=True, help_text="ISO 4217")
    per_usd = models.DecimalField(
        max_digits=14, decimal_places=6, help_text="Units of this currency per 1 USD"
    )
    pegged = models.BooleanField(default=False, help_text="A fixed, official peg")
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.CheckConstraint(condition=models.Q(per_usd__gt=0), name="rate_positive")
        ]

    def __str__(self) -> str:
        return f"USD 1 = {self.currency} {self.per_usd.normalize()}"


class CatalogVersion(models.Model):
    """Two rows whose ``value`` moves on with every write that changes what the public pages
    show: ``ROW`` with the catalogue's contents (an edit, an import, a photo, a review),
    ``CALENDAR_ROW`` with its calendars (a reservation made, moved or released). The page
    cache keys on both; the per-process catalogue reads only on the contents, so a booking
    leaves them warm (docs/explanation/page-cache.md). They carry no other meaning."""

    ROW = 1  # the primary key of the contents' row
    CALENDAR_ROW = 2  # the primary key of the calendars' row

    value = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "catalogue version"

    def __str__(self) -> str:
        return f"catalogue version {self.value}"


# Airports, jet profiles, length discounts and service-tier rules live in their own module.
from midas.catalog.pricing_models import (  # noqa: E402, F401
    Airport,
    JetProfile,
    LengthDiscount,
    TierRule,
)
