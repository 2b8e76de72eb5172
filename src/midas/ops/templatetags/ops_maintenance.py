"""``{% maintenance_banner %}``: signed-in staff see that customers get the maintenance
page, on the site's pages and in the staff consoles; everyone else sees nothing."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from midas.ops.selectors import maintenance_state

register = template.Library()

BANNER_TEMPLATE = "ops/_maintenance_banner.html"


@register.simple_tag(takes_context=True)
def maintenance_banner(context: template.Context) -> str:
    """The banner for signed-in staff while maintenance is on; for anyone else nothing, with
    no template rendered (every customer page asks)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_staff):
        return ""
    state = maintenance_state()
    if not state.enabled:
        return ""
    return render_to_string(BANNER_TEMPLATE, {"state": state})
