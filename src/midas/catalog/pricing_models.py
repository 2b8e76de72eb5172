"""Pricing rules beyond rates and seasons: airports and jet profiles (trips priced by flight
time), length discounts (weekly, monthly) and service-tier rules.

Imported by ``catalog.models`` so Django finds them; edited in the admin
(``catalog.pricing_admin``); read by ``midas.bookings.pricing``.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from midas.catalog.models import (
    BASIS_POINTS,
    Asset,
    Category,
    Location,
    PricingUnit,
    validate_timezone,
)
from midas.core.models import TimestampedModel

# accounts.models.ServiceTier's values (the catalogue may not import accounts: accounts
# imports the catalogue); tests/bookings/test_tiers.py checks they stay the same.
TIER_CHOICES = [("standard", "Standard"), ("premium", "Premium"), ("vvip", "VVIP")]


class Airport(models.Model):
    """An airport a jet may fly from or to. ``location`` ties it to a Midas city."""

    iata = models.CharField(
        "IATA code",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "three capital letters, e.g. DXB")],
    )
    name = models.CharField(max_length=120)
    city = models.CharField(max_length=80)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="airports",
        help_text="The Midas city it serves, if any",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["city", "iata"]

    def __str__(self) -> str:
        return f"{self.city} {self.iata} – {self.name}"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class JetProfile(TimestampedModel):
    """How a jet is priced as trips: an hourly rate, billed per leg with a minimum, from
    its base airport (legs to and from the base are positioning, billed at the same rate).
    A jet without a profile keeps its flat price per trip."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="jet")
    base_airport = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="jets")
    hourly_rate_minor = models.PositiveBigIntegerField(
        help_text="Rate per flight hour in minor units of the asset's currency"
    )
    min_billed_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="Minimum flight time billed per leg",
    )

    class Meta:
        verbose_name = "jet pricing profile"

    def __str__(self) -> str:
        return f"{self.asset} from {self.base_airport.iata}"

    def clean(self) -> None:
        if self.asset_id and (
            self.asset.category.slug != "jets" or self.asset.pricing_unit != PricingUnit.TRIP
        ):
            raise ValidationError({"asset": "only jets priced per trip are priced by flight time"})


class LengthDiscount(TimestampedModel):
    """A percentage off the rental of a long booking (the weekly and monthly rates).

    The most specific scope that has any rule applies: the asset's own rules, else its
    category's, else the house-wide ones (both left empty); within it, the rule with the
    highest ``min_days`` reached.
    """

    label = models.CharField(max_length=80, help_text='Shown in the quote, e.g. "Weekly rate"')
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, null=True, blank=True, related_name="length_discounts"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True)
    min_days = models.PositiveIntegerField(
        validators=[MinValueValidator(2)], help_text="From this many days (or nights)"
    )
    discount_bp = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(BASIS_POINTS)],
        help_text="Off the rental, in basis points (1500 = 15%)",
    )

    class Meta:
        ordering = ["asset", "category", "min_days"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asset__isnull=True) | models.Q(category__isnull=True),
                name="length_discount_one_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_bp__gte=1, discount_bp__lte=BASIS_POINTS),
                name="length_discount_range",
            ),
        ]

    def __str__(self) -> str:
        scope = self.asset or self.category or "all"
        return f"{self.label}: {self.discount_bp / 100:g}% off from {self.min_days} days ({scope})"

    def clean(self) -> None:
        if self.asset_id and self.category_id:
            raise ValidationError("choose an asset or a category, not both")


class TierRule(TimestampedModel):
    """What a customer's service tier changes in a quote: a signed adjustment of the rental
    (``+3000`` bp = 30% added for premium service; negative for a discount) and/or a perk
    shown in the quote. A category's rules for a tier replace the house-wide ones."""

    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, help_text="Empty: all"
    )
    adjustment_bp = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-BASIS_POINTS), MaxValueValidator(10 * BASIS_POINTS)],
        help_text="Signed, of the rental after any length discount (3000 = +30%, -500 = -5%)",
    )
    label = models.CharField(max_length=80, help_text='The quote line, e.g. "VVIP service"')
    perk = models.CharField(
        max_length=200, blank=True, help_text="What the customer gets, shown with the quote"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["tier", "category", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    adjustment_bp__gte=-BASIS_POINTS, adjustment_bp__lte=10 * BASIS_POINTS
                ),
                name="tier_rule_adjustment_range",
            ),
        ]

    def __str__(self) -> str:
        sign = "+" if self.adjustment_bp >= 0 else ""
        return f"{self.get_tier_display()}: {self.label} ({sign}{self.adjustment_bp / 100:g}%)"
