"""``{% load local_dates %}``: ``{% local_today location %}`` is today's date (YYYY-MM-DD)
where ``location`` is, for the ``min`` of a date picker."""

from __future__ import annotations

from django import template

from midas.catalog.models import Location
from midas.web.local_dates import local_today as today_in

register = template.Library()


@register.simple_tag
def local_today(location: Location | None) -> str:
    return f"{today_in(location):%Y-%m-%d}" if location is not None else ""
