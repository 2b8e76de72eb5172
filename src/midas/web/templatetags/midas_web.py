"""Small display helpers for the site's templates."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from midas.core.urls import absolute_url
from midas.web import extensions

register = template.Library()

SHORT_SPEC = 12  # characters of a spec value that fit a card's column
UNIT_PLURALS = {"hour": "hours", "day": "days", "night": "nights", "trip": "trips"}


@register.filter
def absolute(url: str) -> str:
    return absolute_url(str(url))


@register.filter
def units(count: int, unit: str) -> str:
    """``3|units:"day"`` → "3 days"."""
    try:
        number = int(count)
    except (TypeError, ValueError):
        return ""
    return f"{number:,} {unit if number == 1 else UNIT_PLURALS.get(unit, unit + 's')}"


@register.filter
def key_specs(asset: object, count: int = 3) -> list[tuple[str, str]]:
    """The asset's first ``count`` specs that fit on a card (short values first)."""
    rows = list(getattr(asset, "spec_rows", []))
    short = [row for row in rows if len(row[1]) <= SHORT_SPEC]
    return (short + [row for row in rows if row not in short])[: int(count)]


@register.filter
def hours(count: int) -> str:
    """48 → "48 hours", 1 → "1 hour"."""
    return units(count, "hour")


@register.simple_tag(takes_context=True)
def main_end(context: template.Context) -> str:
    """What other apps add at the end of ``<main>`` (``midas.web.extensions``)."""
    return mark_safe("".join(render(context) for render in extensions.MAIN_END))  # noqa: S308


@register.filter
def approx_money(major: object, currency: str) -> str:
    """An approximate amount in whole major units: ``2395.8|approx_money:"USD"`` is
    "USD 2,396" (the display prices of ``catalog.display_prices``)."""
    try:
        whole = round(float(major))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return f"{currency} {whole:,}"
