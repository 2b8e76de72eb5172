"""The catalogue admin's forms: what staff type is what they mean.

Money is typed in major units of the asset's currency ("15,000" or "15000.50" for AED) and
stored in minor units (1500000 fils); a multiplier is typed as ×1.5 and stored in basis
points (15000); a percentage as 5 % (500 bp). Specifications are one typed field per spec
of the asset's category (``catalog.specs.SPECS``), features one per line. Every field says
what it holds: the currency beside an amount, the unit beside a spec, the zone beside a time.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from midas.catalog.models import (
    BASIS_POINTS,
    AddOn,
    AddOnPricing,
    Asset,
    Category,
    ExchangeRate,
    Location,
    PricingUnit,
    SeasonalRate,
)
from midas.catalog.specs import SPECS, SUBCATEGORIES
from midas.money import exponent, format_money, minor_per_major

# "15000", "15000.50", "15,000", "15,000.50" (commas only between groups of three)
AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")
NO_CURRENCY = "in the home city's currency"


def inner(widget: forms.Widget) -> forms.Widget:
    """The widget itself when the admin wrapped it (the "+" and pencil links)."""
    return getattr(widget, "widget", widget)


def parse_amount(text: str, currency: str = "") -> Decimal:
    """The major-unit amount staff typed: "15,000", "15000.50", "AED 15,000"."""
    cleaned = text.strip().replace("\u00a0", " ")
    code = (currency or "").upper()
    if code and cleaned.upper().startswith(code):
        cleaned = cleaned[len(code) :].strip()
    cleaned = cleaned.replace(" ", "")
    if cleaned.startswith("-"):
        raise ValidationError("An amount cannot be negative.", code="negative")
    if not AMOUNT.match(cleaned):
        raise ValidationError("Enter an amount such as 15,000 or 15000.50.", code="invalid_amount")
    return Decimal(cleaned.replace(",", ""))


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` major units of ``currency`` in minor units; more decimals than the currency
    has (15,000.555 AED) is an error, never rounded away."""
    minor = amount * minor_per_major(currency)
    if minor != minor.to_integral_value():
        digits = exponent(currency)
        raise ValidationError(
            f"{currency} amounts have at most {digits} decimal place{'s' * (digits != 1)}."
            if digits
            else f"{currency} amounts are whole numbers.",
            code="too_many_decimals",
        )
    return int(minor)


def major_text(minor: int, currency: str) -> str:
    """1500000 fils as "15,000.00": what the field shows, without the code (beside it)."""
    return format_money(minor, currency or "XXX", always_fraction=True).split(" ", 1)[1]


class LabelledInput(forms.TextInput):
    """A text input with a label before or after it: the currency ("AED"), "×" or "%"."""

    def __init__(self, *, before: str = "", after: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.before, self.after = before, after

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<span class="labelled-input">{}{}{}</span>',
            format_html('<span class="input-label" data-before>{}</span> ', self.before)
            if self.before
            else "",
            field,
            format_html(' <span class="input-label">{}</span>', self.after) if self.after else "",
        )


class MoneyField(forms.CharField):
    """Major units typed, a ``Decimal`` of major units cleaned; the form turns it into minor
    units once it knows the currency (an asset's home city may be chosen in the same form)."""

    def __init__(self, *, currency: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", LabelledInput(attrs={"inputmode": "decimal", "size": 14}))
        super().__init__(**kwargs)
        self.set_currency(currency)

    def set_currency(self, currency: str) -> None:
        self.currency = currency
        self.widget.before = currency or "—"
        self.widget.attrs["data-money"] = ""
        self.widget.attrs["title"] = currency or NO_CURRENCY

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        return parse_amount(text, self.currency)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return major_text(value, self.currency)
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            typed = self.to_python(data)
            now = None if typed is None else to_minor(typed, self.currency or "XXX")
        except ValidationError:
            return True
        return now != (initial if initial not in ("", None) else None)


class BasisPointsField(forms.CharField):
    """A number typed as people write it, stored in basis points: ``scale`` is how many
    basis points one typed unit is (100 for a percentage, 10,000 for a multiplier)."""

    scale = 1
    noun = "a number"

    def __init__(self, *, maximum: Decimal | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", LabelledInput(attrs={"inputmode": "decimal", "size": 8}))
        super().__init__(**kwargs)
        self.maximum = maximum

    def normalise(self, text: str) -> str:
        return text.strip().replace(" ", "")

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        text = self.normalise(text)
        if text.startswith("-"):
            raise ValidationError(f"Enter {self.noun}, not a negative number.", code="negative")
        if not NUMBER.match(text):
            raise ValidationError(f"Enter {self.noun}.", code="invalid_number")
        number = Decimal(text)
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(f"At most {self.maximum}.", code="too_large")
        points = number * self.scale
        if points != points.to_integral_value():
            raise ValidationError(
                f"At most {len(str(self.scale)) - 1} decimal places.", code="too_many_decimals"
            )
        return int(points)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            text = f"{Decimal(value) / self.scale:f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (initial if initial not in ("", None) else None)
        except ValidationError:
            return True


class PercentField(BasisPointsField):
    """5 % typed as "5" (or "5 %", "5.25"), stored as 500 basis points."""

    scale = 100
    noun = "a percentage such as 5 or 7.5"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("maximum", Decimal(100))
        super().__init__(**kwargs)
        self.widget.after = "%"

    def normalise(self, text: str) -> str:
        return super().normalise(text).removesuffix("%")


class MultiplierField(BasisPointsField):
    """×1.5 typed as "1.5" (or "×1.5", "x1.5"), stored as 15,000 basis points."""

    scale = BASIS_POINTS
    noun = "a multiplier such as 1.5 (×1.5) or 0.8 (20 % off)"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("maximum", Decimal(100))
        super().__init__(**kwargs)
        self.widget.before = "×"

    def normalise(self, text: str) -> str:
        return super().normalise(text).lstrip("×xX*")

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        points = super().to_python(value)
        if points == 0:
            raise ValidationError("A multiplier must be above 0.", code="zero")
        return points


class LinesField(forms.CharField):
    """A list of short lines, typed one per line."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5, "cols": 60}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(line) for line in value)
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(data) != list(initial or [])


# --- assets -------------------------------------------------------------------------------


def spec_field_name(category: str, key: str) -> str:
    return f"spec__{category}__{key}"


def spec_form_fields() -> dict[str, forms.Field]:
    """One field per spec per category: whole numbers (positive) or text, labelled with
    their unit. Only the chosen category's are required (``AssetForm.clean``)."""
    fields: dict[str, forms.Field] = {}
    for category, specs in SPECS.items():
        for spec in specs:
            label = f"{spec.label} ({spec.unit})" if spec.unit else spec.label
            field: forms.Field
            if spec.kind is int:
                field = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=1,
                    widget=LabelledInput(after=spec.unit, attrs={"inputmode": "numeric"}),
                )
            else:
                field = forms.CharField(label=label, required=False, max_length=120)
            fields[spec_field_name(category, spec.key)] = field
    return fields


SPEC_FIELDS = spec_form_fields()


def subcategory_choices() -> list[tuple[str, Any]]:
    groups: list[tuple[str, Any]] = [("", "—")]
    for category, kinds in SUBCATEGORIES.items():
        groups.append((category.capitalize(), list(kinds.items())))
    return groups


def location_currencies() -> dict[str, str]:
    return {str(pk): code for pk, code in Location.objects.values_list("pk", "currency")}


class MoneyForm(forms.ModelForm):
    """Turns each ``money_fields`` field's typed major units into minor units of
    ``currency_for(cleaned_data)`` (``None``: not known, an error if an amount was typed)."""

    money_fields: tuple[str, ...] = ()

    def currency_for(self, data: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def set_money_currency(self, currency: str) -> None:
        for name in self.money_fields:
            field = self.fields.get(name)
            if isinstance(field, MoneyField):
                field.set_currency(currency)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        currency = self.currency_for(data)
        for name in self.money_fields:
            value = data.get(name)
            if not isinstance(value, Decimal):
                continue
            if not currency:
                self.add_error(name, "Choose where it applies first: its currency follows.")
                continue
            try:
                data[name] = to_minor(value, currency)
            except ValidationError as exc:
                self.add_error(name, exc)
        return data


class AssetForm(MoneyForm):
    money_fields = ("base_rate_minor", "security_deposit_minor", "delivery_fee_minor")

    base_rate_minor = MoneyField(label="Base rate", help_text="Per pricing unit.")
    security_deposit_minor = MoneyField(
        label="Security deposit", required=False, help_text="Held on the card; empty for none."
    )
    delivery_fee_minor = MoneyField(
        label="Delivery fee",
        required=False,
        help_text="Charged when delivered away from the home city; empty for none.",
    )
    subcategory = forms.ChoiceField(
        label="Body style / class", choices=subcategory_choices, required=False
    )
    features = LinesField(help_text="One feature per line.")

    class Meta:
        model = Asset
        fields = [  # not specs (the spec fields make it) nor currency (the home city's)
            "name",
            "slug",
            "brand",
            "model_name",
            "category",
            "subcategory",
            "home_location",
            "delivery_locations",
            "summary",
            "description",
            "features",
            "pricing_unit",
            "base_rate_minor",
            "min_duration",
            "max_duration",
            "security_deposit_minor",
            "delivery_fee_minor",
            "turnaround_minutes",
            "min_notice_hours",
            "max_advance_days",
            "min_renter_age",
            "booking_mode",
            "is_active",
            "is_featured",
            "legacy_id",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = self.chosen("home_location", Location)
        self.set_money_currency(location.currency if location else "")
        if "category" in self.fields:
            slugs = {str(pk): slug for pk, slug in Category.objects.values_list("pk", "slug")}
            inner(self.fields["category"].widget).attrs["data-category-slugs"] = json.dumps(slugs)
        if "home_location" in self.fields:
            inner(self.fields["home_location"].widget).attrs["data-currencies"] = json.dumps(
                location_currencies()
            )
        if "subcategory" in self.fields:
            self.fields["subcategory"].widget.attrs["data-subcategories"] = json.dumps(
                {c: list(kinds.items()) for c, kinds in SUBCATEGORIES.items()}
            )
        # the stored specs as the initial values of their fields
        category = self.chosen("category", Category)
        if category is not None and self.instance.pk:
            for key, value in (self.instance.specs or {}).items():
                self.initial.setdefault(spec_field_name(category.slug, key), value)

    def chosen(self, name: str, model: Any) -> Any:
        """The category or home city the form is about: typed (bound), else the saved one."""
        if name not in self.fields:
            return getattr(self.instance, name, None) if self.instance.pk else None
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        if raw in (None, "") and self.instance.pk:
            return getattr(self.instance, name)
        try:
            return model._default_manager.filter(pk=raw).first() if raw not in (None, "") else None
        except (ValueError, TypeError):
            return None

    def currency_for(self, data: dict[str, Any]) -> str | None:
        location = data.get("home_location")
        if location is None and "home_location" not in self.fields:
            location = self.instance.home_location
        if location is None:
            return None
        self.instance.currency = location.currency
        self.set_money_currency(location.currency)
        return str(location.currency)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("security_deposit_minor", "delivery_fee_minor"):
            if name in self.fields and data.get(name) is None and name not in self.errors:
                data[name] = 0
        category = data.get("category")
        if category is not None and category.slug in SPECS:
            specs: dict[str, Any] = {}
            for spec in SPECS[category.slug]:
                name = spec_field_name(category.slug, spec.key)
                value = data.get(name)
                if value in (None, ""):
                    if name not in self.errors:
                        self.add_error(name, f"Required for {category.name.lower()}.")
                    continue
                specs[spec.key] = value
            self.instance.specs = specs
        return data

    def _update_errors(self, errors: ValidationError) -> None:
        """The model's own check of ``specs`` (not a field here) is said once: beside the
        spec fields when they are wrong, else above the form."""
        problems = getattr(errors, "error_dict", {}).pop("specs", [])
        if problems and not any(name.startswith("spec__") for name in self.errors):
            errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(problems)
        super()._update_errors(errors)  # type: ignore[misc]


AssetForm.base_fields.update(SPEC_FIELDS)
AssetForm.declared_fields.update(SPEC_FIELDS)


# --- seasons, add-ons, cities, exchange rates ---------------------------------------------


class SeasonalRateForm(MoneyForm):
    money_fields = ("override_rate_minor",)

    multiplier_bp = MultiplierField(
        label="Multiplier",
        required=False,
        help_text="×1.5 raises the rate by half, ×0.8 takes 20 % off. Or give a fixed rate.",
    )
    override_rate_minor = MoneyField(
        label="Fixed rate per unit",
        required=False,
        help_text="Instead of a multiplier; in the asset's (or the city's) currency.",
    )

    class Meta:
        model = SeasonalRate
        fields = ["name", "asset", "category", "location", "start_date", "end_date"]
        fields += ["multiplier_bp", "override_rate_minor", "priority"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        currency = ""
        if instance.pk:
            currency = self.scope_currency(instance.asset, instance.location) or ""
        self.set_money_currency(currency)

    @staticmethod
    def scope_currency(asset: Asset | None, location: Location | None) -> str | None:
        if asset is not None:
            return str(asset.currency)
        if location is not None:
            return str(location.currency)
        return None

    def currency_for(self, data: dict[str, Any]) -> str | None:
        currency = self.scope_currency(data.get("asset"), data.get("location"))
        if currency:
            self.set_money_currency(currency)
        return currency

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        multiplier, fixed = data.get("multiplier_bp"), data.get("override_rate_minor")
        if "multiplier_bp" in self.errors or "override_rate_minor" in self.errors:
            return data
        if (multiplier is None) == (fixed is None):
            raise ValidationError("Give either a multiplier or a fixed rate (one of the two).")
        return data


class AmountsWidget(forms.Widget):
    """One amount input per currency, each with its code before it."""

    def __init__(self, currencies: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.currencies = currencies or []

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {c: data.get(f"{name}_{c}", "") for c in self.currencies}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}_{c}" in data for c in self.currencies)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        value = value if isinstance(value, dict) else {}
        rows = []
        for code in self.currencies:
            typed = value.get(code, "")
            if isinstance(typed, int) and not isinstance(typed, bool):
                typed = major_text(typed, code)
            rows.append((code, name, code, name, code, typed))
        return format_html(
            '<div class="amounts">{}</div>',
            format_html_join(
                "",
                '<label class="amount-row"><span class="input-label">{}</span> '
                '<input type="text" name="{}_{}" id="id_{}_{}" value="{}" '
                'inputmode="decimal" size="14"></label>',
                rows,
            ),
        )


class AmountsField(forms.Field):
    """{"AED": 55000, "USD": 15000} typed as "550" beside AED and "150" beside USD; a blank
    currency is not offered (the add-on is then not offered for assets priced in it)."""

    widget = AmountsWidget

    def set_currencies(self, currencies: list[str]) -> None:
        self.widget.currencies = currencies

    def prepare_value(self, value: Any) -> Any:
        return value

    def clean(self, value: Any) -> dict[str, int]:
        amounts: dict[str, int] = {}
        problems: list[str] = []
        for code, text in (value or {}).items():
            if isinstance(text, int):
                amounts[code] = text
                continue
            if not str(text).strip():
                continue
            try:
                amounts[code] = to_minor(parse_amount(str(text), code), code)
            except ValidationError as exc:
                problems.extend(f"{code}: {m}" for m in exc.messages)
        if problems:
            raise ValidationError(problems)
        return amounts

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) != (initial or {})
        except ValidationError:
            return True


class AddOnForm(forms.ModelForm):
    rate_bp = PercentField(
        label="Percentage", required=False, help_text="Of the rental, for a percentage add-on."
    )
    amounts = AmountsField(
        required=False,
        label="Amount per currency",
        help_text="For each currency it is offered in; not used for a percentage add-on.",
    )
    pricing_units = forms.MultipleChoiceField(
        choices=PricingUnit.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only for assets priced",
        help_text="None ticked: for every asset. A per-unit add-on priced per day must not be "
        "charged per hour.",
    )

    class Meta:
        model = AddOn
        fields = ["code", "name", "description", "categories", "pricing", "rate_bp", "amounts"]
        fields += ["pricing_units", "is_active", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "amounts" in self.fields:
            known = set(Location.objects.values_list("currency", flat=True))
            known |= set((self.instance.amounts or {}) if self.instance.pk else {})
            field = self.fields["amounts"]
            assert isinstance(field, AmountsField)
            field.set_currencies(sorted(known))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("pricing") == AddOnPricing.PERCENT and "amounts" in self.fields:
            data["amounts"] = {}
        return data


class LocationForm(forms.ModelForm):
    tax_rate_bp = PercentField(label="Tax (VAT / sales tax)", required=False, initial=0)
    service_fee_bp = PercentField(
        label="Service fee", required=False, initial=0, help_text="Of the subtotal."
    )

    class Meta:
        model = Location
        fields = ["slug", "city", "region", "country", "timezone", "currency", "tax_rate_bp"]
        fields += ["service_fee_bp", "tagline", "position"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("tax_rate_bp", "service_fee_bp"):
            if data.get(name) is None and name not in self.errors:
                data[name] = 0
        return data


class ExchangeRateForm(forms.ModelForm):
    per_usd = forms.DecimalField(
        label="Units per US dollar",
        max_digits=14,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        help_text="USD 1 = this many units of the currency, e.g. 0.7312 for GBP.",
    )

    class Meta:
        model = ExchangeRate
        fields = ["currency", "per_usd", "note"]

    def clean_currency(self) -> str:
        code = str(self.cleaned_data["currency"]).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValidationError("A three-letter ISO 4217 code, e.g. GBP.")
        return code


class ZonedSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, with the zone they are read in named beside them
    (which also stands in for the admin's "you are N hours ahead of server time" note: the
    server's zone does not matter here, the asset's city does)."""

    template_name = "catalog/widgets/zoned_split_datetime.html"

    def __init__(self, zone: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.zone = zone

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["zone"] = self.zone
        return context


__all__ = [
    "AddOnForm",
    "AssetForm",
    "ExchangeRateForm",
    "LocationForm",
    "MoneyField",
    "MultiplierField",
    "PercentField",
    "SeasonalRateForm",
    "ZonedSplitDateTime",
    "parse_amount",
    "to_minor",
]
