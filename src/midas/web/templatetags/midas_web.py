"""Small display helpers for the site's templates."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import mark_safe

from midas.catalog.models import Asset
from midas.catalog.selectors import VersionMemo
from midas.core.urls import absolute_url
from midas.web import extensions
from midas.web.forms import conditional_escape as escape

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


@register.simple_tag
def filter_field(field: BoundField) -> str:
    """``web/_field.html`` written in Python (one field of the collection's filters: label,
    widget, its first error), without an include per field nor ``format_html``'s lazy
    wrapper (what Django's escaping writes, the same characters)."""
    errors = field.errors
    error = (
        f'<p class="field-error" id="{escape(field.auto_id)}_error">{escape(str(errors[0]))}</p>'
        if errors
        else ""
    )
    return mark_safe(  # noqa: S308 - every value escaped
        f'<div class="field{" has-error" if errors else ""}">\n'
        f'  <label for="{escape(field.id_for_label)}">{escape(field.label)}</label>\n'
        f"  {escape(field)}\n  {error}\n</div>"
    )


class KeptNode(template.Node):
    """``{% kept "name" value... %}…{% endkept %}``: the block's HTML kept per catalogue
    version (``catalog_version`` in the context; without it, rendered every time) and per
    the values named, which must be everything the block shows that is not catalogue data
    (the signed-in state, the section highlighted, the year). Like Django's ``{% cache %}``
    fragments, but in this process and moved on by every catalogue write."""

    def __init__(
        self, nodelist: template.NodeList, name: str, vary_on: list, memo: VersionMemo
    ) -> None:
        self.nodelist, self.name, self.vary_on, self.memo = nodelist, name, vary_on, memo

    def render(self, context: template.Context) -> str:
        version = context.get("catalog_version")
        if version is None:
            return self.nodelist.render(context)
        key = (self.name, *(value.resolve(context) for value in self.vary_on))
        return self.memo.get(version, key, lambda: self.nodelist.render(context))


fragments = VersionMemo(limit=1024)  # header, footer, asset sections, calendar rows: 1-5 KB each
# blocks that vary on what a visitor asks (the listing's filter fields, keyed on the query):
# kept apart, so that one-off searches never crowd the site's fragments out
queries = VersionMemo(limit=512)
MEMOS = {"fragments": fragments, "queries": queries}


@register.tag
def kept(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% kept %} takes a name, then the values it varies on")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    memo = "fragments"
    if len(bits) > 3 and bits[-2] == "using":  # {% kept "name" values... using "queries" %}
        memo = bits[-1].strip("\"'")
        bits = bits[:-2]
        if memo not in MEMOS:
            raise template.TemplateSyntaxError(f"{{% kept %}}: no memo {memo!r}")
    vary_on = [parser.compile_filter(bit) for bit in bits[2:]]
    return KeptNode(nodelist, name, vary_on, MEMOS[memo])


CARD_TEMPLATE = "web/_card.html"
cards = VersionMemo(limit=4096)  # ~1-2 KB each


@register.simple_tag(takes_context=True)
def card(
    context: template.Context,
    asset: Asset,
    heading: str = "h3",
    badge: bool = False,
    display_currency: str = "",
) -> str:
    """``web/_card.html`` for ``asset``, kept per catalogue version (``catalog_version`` in
    the context; without it, rendered every time). A card shows only catalogue data (name,
    specs, rates, photos, the approximate price in the display currency) and the query it
    links with, all in the key, so a price change, a photo or a rate moves the version and
    shows on the next request."""
    card_query = context.get("card_query", "")

    def render() -> str:
        found = context.template.engine.get_template(CARD_TEMPLATE)  # type: ignore[union-attr]
        values = {
            "asset": asset,
            "heading": heading,
            "badge": badge,
            "display_currency": display_currency,
            "card_query": card_query,
        }
        with context.push(values):
            return mark_safe(found.render(context))  # noqa: S308 - a template's output

    version = context.get("catalog_version")
    if version is None:
        return render()
    key = (asset.pk, heading, bool(badge), display_currency, card_query)
    return cards.get(version, key, render)
