"""The collection's filter form: a plain GET form, every field optional.

A field that does not validate is reported and left out of the filter, so a bad link
still shows a page (never a 500).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass
from html import escape as html_escape
from typing import cast

from django import forms
from django.forms.renderers import DjangoTemplates

from midas.bookings.search import AssetSearch
from midas.catalog.display_prices import DEFAULT_CURRENCY
from midas.catalog.models import Category, Location
from midas.catalog.search import MAX_QUERY_LENGTH
from midas.catalog.selectors import MAX_PRICE, Sort, make_choices
from midas.catalog.specs import SUBCATEGORIES
from midas.core.ranges import require_range
from midas.errors import AppError
from midas.web.local_dates import earliest_local_day

MAX_GUESTS = 500
MAX_SPAN = dt.timedelta(days=365)
HORIZON = dt.timedelta(days=3 * 365)  # nothing is booked further ahead than this


INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html" for kind in ("input", "text", "number", "date", "search")
)
SELECT_TEMPLATE = "django/forms/widgets/select.html"


def conditional_escape(value: object) -> str:
    """Django's ``conditional_escape`` without its lazy-argument wrapper (a fifth of the
    form's cost): safe HTML as it is, anything else as text. The same characters escaped."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else html_escape(str(value))  # type: ignore[no-any-return]


def html_attrs(attrs: dict[str, object]) -> str:
    """Django's ``widgets/attrs.html``: ``False`` left out, ``True`` bare, the rest escaped."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


class PythonWidgets(DjangoTemplates):
    """The form renderer of the collection's filters: inputs and selects written in Python,
    byte for byte what Django's widget templates write (a template render per field and per
    option cost 1-2.6 ms a page); any other widget goes through its template as usual.
    Labels, ``aria-invalid`` and ``required`` still come from ``BoundField``."""

    def render(self, template_name: str, context: dict, request: object = None) -> str:
        widget = context.get("widget")
        if widget is not None and template_name in INPUT_TEMPLATES:
            value = widget["value"]
            shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
            return (
                f'<input type="{conditional_escape(widget["type"])}" '
                f'name="{conditional_escape(widget["name"])}"{shown}{html_attrs(widget["attrs"])}>'
            )
        if widget is not None and template_name == SELECT_TEMPLATE:
            parts = [
                f'<select name="{conditional_escape(widget["name"])}"{html_attrs(widget["attrs"])}>'
            ]
            for group_name, group_choices, _index in widget["optgroups"]:
                if group_name:
                    parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
                for option in group_choices:
                    parts.append(
                        f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                        f"{html_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                    )
                if group_name:
                    parts.append("\n  </optgroup>")
            parts.append("\n</select>")
            return "".join(parts)
        return super().render(template_name, context, request)  # type: ignore[arg-type]


PYTHON_WIDGETS = PythonWidgets()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


@dataclass(frozen=True)
class FieldSetup:
    """Everything the filter fields' choices, labels and attributes depend on: forms with
    the same setup have the same fields, and differ only in their data and errors."""

    categories: tuple[tuple[str, str], ...]  # (slug, name) of every category
    cities: tuple[tuple[str, str], ...]  # (slug, city) of every location
    shown: tuple[tuple[str, str], ...]  # the categories whose makes and body styles are offered
    one_category: bool  # a category's own listing (its body styles without a group)
    makes: tuple[tuple[str, str], ...]
    currency: str
    searched: bool  # words were searched for: relevance is the first order offered
    earliest: str  # the first day the dates may take, YYYY-MM-DD


class CollectionFilterForm(forms.Form):
    default_renderer = PYTHON_WIDGETS

    q = forms.CharField(
        required=False,
        max_length=MAX_QUERY_LENGTH,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Make, model, feature"}),
    )
    category = forms.ChoiceField(required=False, label="Collection")
    make = forms.ChoiceField(required=False, label="Make")
    subcategory = forms.ChoiceField(required=False, label="Body style / class")
    guests = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_GUESTS, label="Guests / passengers"
    )
    city = forms.ChoiceField(required=False, label="City")
    start = forms.DateField(required=False, label="From", widget=DateInput())
    end = forms.DateField(required=False, label="Until", widget=DateInput())
    price_min = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_PRICE, label="Min price"
    )
    price_max = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_PRICE, label="Max price"
    )
    sort = forms.ChoiceField(required=False, choices=Sort.CHOICES, label="Sort by")

    def __init__(
        self,
        *args: object,
        categories: list[Category],
        locations: list[Location],
        today: dt.date,
        category: Category | None = None,
        currency: str = DEFAULT_CURRENCY,
        makes: dict[str, list[str]] | None = None,
        **kwargs: object,
    ) -> None:
        # BaseForm deep-copies ``base_fields`` for every form (half of the form's cost): this
        # one's fields come configured and shared instead (``configured_fields``)
        self.base_fields = {}
        super().__init__(*args, **kwargs)
        del self.base_fields
        self.currency = currency
        self.shown_category = category.slug if category is not None else ""
        self.categories = {cat.slug: cat for cat in categories}
        self.locations = {loc.slug: loc for loc in locations}
        self.today = today
        # makes (selectors.Listing.makes) and body styles of the category shown (every
        # category's on /collection/)
        shown = [category] if category is not None else categories
        self.makes = make_choices(makes or {}, [cat.slug for cat in shown])
        earliest = earliest_local_day(self.locations, self.data.get("city"), default=today)
        setup = FieldSetup(
            categories=tuple((cat.slug, cat.name) for cat in categories),
            cities=tuple((loc.slug, loc.city) for loc in locations),
            shown=tuple((cat.slug, cat.name) for cat in shown),
            one_category=category is not None,
            makes=tuple(self.makes.items()),
            currency=currency,
            searched=bool(str(self.data.get("q") or "").strip()),
            earliest=f"{earliest:%Y-%m-%d}",
        )
        self.fields = dict(configured_fields(setup))

    @property
    def render_key(self) -> tuple[object, ...]:
        """Everything the fields' HTML shows besides the catalogue (its version keys the
        rest: categories, cities, makes): the category shown, the display currency, the
        dates' earliest day, each field's submitted values and the errors found. Two forms
        with the same key write the same HTML (``{% kept "filters" %}`` in the listing)."""
        getlist = getattr(self.data, "getlist", None)
        values = tuple(
            (name, tuple(getlist(name)) if getlist else self.data.get(name)) for name in self.fields
        )
        errors = tuple((name, tuple(map(str, found))) for name, found in self.errors.items())
        earliest = self.fields["start"].widget.attrs["min"]
        return (self.shown_category, self.currency, earliest, values, errors)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (
            (start is None) != (end is None)
            and not self.has_error("start")
            and not self.has_error("end")
        ):
            self.add_error("end" if start else "start", "Choose both dates, or neither.")
        elif start and end:
            self.check_dates(start, end)
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", "The maximum is below the minimum.")
        return data

    def check_dates(self, start: dt.date, end: dt.date) -> None:
        """Report the first thing wrong with the dates chosen, if any."""
        if start < self.today - dt.timedelta(days=1):
            self.add_error("start", "Choose a date from today on.")
            return
        if start > self.today + HORIZON:
            self.add_error("start", "Choose a date within the next three years.")
            return
        try:
            require_range(start, end, message="The end must be after the start.")
        except AppError as exc:
            self.add_error(exc.field, exc.message)
            return
        if end - start > MAX_SPAN:
            self.add_error("end", "Choose at most a year at a time.")

    def filters(self, category: Category | None = None) -> AssetSearch:
        """The filters from the fields that validated (call after ``is_valid()``); a
        category from the URL wins over the form's. Prices are in the form's currency."""
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("start"), data.get("end")
        return AssetSearch(
            category=category or self.categories.get(data.get("category") or ""),
            location=self.locations.get(data.get("city") or ""),
            start=start if start and end else None,
            end=end if start and end else None,
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            sort=data.get("sort") or "",
            text=data.get("q") or "",
            make=self.makes.get(data.get("make") or ""),
            subcategory=data.get("subcategory") or None,
            guests=data.get("guests"),
            currency=self.currency,
        )


FIELD_SETS_KEPT = 256  # setups: categories x currencies x earliest days x searched or not


@functools.lru_cache(maxsize=FIELD_SETS_KEPT)
def configured_fields(setup: FieldSetup) -> dict[str, forms.Field]:
    """The filter form's fields for ``setup``, built once from a deep copy of the declared
    fields and shared by every form with that setup (each form takes a shallow copy of the
    dict). Shared read-only: validating and rendering a form never change its fields
    (``BoundField`` and the widgets copy the attributes they add to)."""
    fields = copy.deepcopy(CollectionFilterForm.base_fields)
    fields["price_min"].label = f"Min {setup.currency} / day"
    fields["price_max"].label = f"Max {setup.currency} / day"
    cast(forms.ChoiceField, fields["make"]).choices = [("", "Any make"), *setup.makes]
    kinds: list[tuple[str, object]] = [("", "Any")]
    for slug, name in setup.shown:
        options = list(SUBCATEGORIES.get(slug, {}).items())
        kinds.extend(options if setup.one_category else [(name, options)])
    cast(forms.ChoiceField, fields["subcategory"]).choices = kinds
    # the order a search without a chosen order gets is the one the list shows first
    best, others = Sort.CHOICES[0], list(Sort.CHOICES[1:])
    cast(forms.ChoiceField, fields["sort"]).choices = (
        [best, *others] if setup.searched else [*others, best]
    )
    cast(forms.ChoiceField, fields["category"]).choices = [("", "Everything"), *setup.categories]
    cast(forms.ChoiceField, fields["city"]).choices = [("", "All cities"), *setup.cities]
    for name in ("guests", "price_min", "price_max"):
        fields[name].widget.attrs.update({"inputmode": "numeric", "step": "1"})
    fields["start"].widget.attrs["min"] = setup.earliest
    fields["end"].widget.attrs["min"] = setup.earliest
    return fields
