"""``{% maintenance_banner %}``: signed-in staff see that customers get the maintenance
page, on the site's pages and in the staff consoles; everyone else sees nothing."""

from __future__ import annotations

from django import template

from midas.ops.selectors import maintenance_state

register = template.Library()


@register.inclusion_tag("ops/_maintenance_banner.html", takes_context=True)
def maintenance_banner(context: template.Context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_staff):
        return {"state": None}
    state = maintenance_state()
    return {"state": state if state.enabled else None}
