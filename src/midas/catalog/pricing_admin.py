"""Back office for the pricing rules: airports, jets' pricing profiles, length discounts and
service-tier rules (``catalog.pricing_models``). Staff type what they mean: an hourly rate
in major units beside the jet's currency, percentages as 15 or -5; the forms store minor
units and basis points. Imported by ``catalog.admin``; docs/explanation/pricing.md."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from midas.catalog.pricing_models import Airport, JetProfile, LengthDiscount, TierRule
from midas.catalog.services import catalog_version_bump
from midas.money import format_money, minor_per_major


class RuleAdmin(admin.ModelAdmin):
    """Saves and deletes move the catalogue version on: cached pages show the new prices."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        catalog_version_bump()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        catalog_version_bump()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        catalog_version_bump()


def percent_text(bp: int, *, signed: bool = False) -> str:
    sign = "+" if signed and bp > 0 else ""
    return f"{sign}{bp / 100:g} %"


class PercentField(forms.DecimalField):
    """A percentage typed as 15 or -5.5, stored as basis points."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return Decimal(value) / 100
        return value


def to_bp(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class JetProfileForm(forms.ModelForm):
    hourly_rate = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="Per flight hour, in the jet's currency (major units: 60000 for AED 60,000)",
    )

    class Meta:
        model = JetProfile
        fields = ["asset", "base_airport", "hourly_rate", "min_billed_minutes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = self.fields["asset"].queryset.filter(category__slug="jets")
        if self.instance.pk:
            per = minor_per_major(self.instance.asset.currency)
            self.initial["hourly_rate"] = Decimal(self.instance.hourly_rate_minor) / per

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        asset, rate = data.get("asset"), data.get("hourly_rate")
        if asset is not None and rate is not None:
            per = minor_per_major(asset.currency)
            self.instance.hourly_rate_minor = int(
                (rate * per).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            )
        return data


class LengthDiscountForm(forms.ModelForm):
    discount = PercentField(
        min_value=Decimal("0.01"), max_value=Decimal(100), help_text="Off the rental, e.g. 15"
    )

    class Meta:
        model = LengthDiscount
        fields = ["label", "asset", "category", "min_days", "discount"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["discount"] = Decimal(self.instance.discount_bp) / 100

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if data.get("discount") is not None:
            self.instance.discount_bp = to_bp(data["discount"])
        return data


class TierRuleForm(forms.ModelForm):
    adjustment = PercentField(
        min_value=Decimal(-100),
        max_value=Decimal(1000),
        initial=Decimal(0),
        help_text="Of the rental, signed: 30 adds 30 % (×1.3), -5 takes 5 % off, 0 for a perk "
        "alone",
    )

    class Meta:
        model = TierRule
        fields = ["tier", "category", "label", "adjustment", "perk", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["adjustment"] = Decimal(self.instance.adjustment_bp) / 100

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if data.get("adjustment") is not None:
            self.instance.adjustment_bp = to_bp(data["adjustment"])
        return data


@admin.register(Airport)
class AirportAdmin(RuleAdmin):
    list_display = ["iata", "name", "city", "country", "timezone", "location", "is_active"]
    list_filter = ["is_active", "country", "location"]
    search_fields = ["iata", "name", "city"]
    ordering = ["city", "iata"]


@admin.register(JetProfile)
class JetProfileAdmin(RuleAdmin):
    form = JetProfileForm
    list_display = ["asset", "base_airport", "hourly", "min_billed_minutes"]
    list_select_related = ["asset", "base_airport"]
    autocomplete_fields = ["base_airport"]
    search_fields = ["asset__name", "base_airport__iata"]

    @admin.display(description="Per flight hour")
    def hourly(self, obj: JetProfile) -> str:
        return format_money(obj.hourly_rate_minor, obj.asset.currency)


@admin.register(LengthDiscount)
class LengthDiscountAdmin(RuleAdmin):
    form = LengthDiscountForm
    list_display = ["label", "scope", "min_days", "percent"]
    list_select_related = ["asset", "category"]
    list_filter = ["category"]
    search_fields = ["label", "asset__name"]

    @admin.display(description="Applies to")
    def scope(self, obj: LengthDiscount) -> str:
        return str(obj.asset or obj.category or "Every asset")

    @admin.display(description="Off the rental")
    def percent(self, obj: LengthDiscount) -> str:
        return percent_text(obj.discount_bp)


@admin.register(TierRule)
class TierRuleAdmin(RuleAdmin):
    form = TierRuleForm
    list_display = ["tier", "category", "label", "adjustment", "perk", "is_active"]
    list_filter = ["tier", "category", "is_active"]
    search_fields = ["label", "perk"]

    @admin.display(description="Adjustment")
    def adjustment(self, obj: TierRule) -> str:
        return percent_text(obj.adjustment_bp, signed=True) if obj.adjustment_bp else "—"
