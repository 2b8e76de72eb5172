"""``{% load flags %}{% flag "booking" as booking_on %}``: a feature flag for this request's
user and visitor, through the same helper as views and the API (no query with a warm memo;
see ``midas.flags.selectors``)."""

from __future__ import annotations

from django import template

from midas.flags.selectors import flag_enabled, flag_on

register = template.Library()


@register.simple_tag(takes_context=True)
def flag(context: template.Context, key: str) -> bool:
    request = context.get("request")
    return flag_on(request, key) if request is not None else flag_enabled(key)
