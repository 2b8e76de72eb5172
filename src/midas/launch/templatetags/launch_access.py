"""``{% launch_feedback %}``: the beta feedback control, on every customer page for beta
testers and invitees (added to web/base.html through ``midas.web.extensions``). Costs no
query: it reads what the access gate already decided, the signed-in user (already loaded
for the navigation) and the visitor cookie. A page that shows it carries a CSRF token, so
the anonymous page cache never stores it, and those who see it have a session (beta testers
sign in; an invitation sets one), so they are never served a cached page
(midas.web.page_cache)."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.template.loader import render_to_string

register = template.Library()

NOTE_KEY = "launch_feedback_note"


def feedback_shown(request: HttpRequest | None) -> bool:
    if request is None:
        return False
    decision = getattr(request, "launch_decision", None)
    if decision is not None:
        return decision.exempt
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "is_beta", False):
        return True
    from midas.launch.middleware import read_token

    token = read_token(request)
    return bool(token and token.invite_id and token.state == "admitted")


def feedback_control(context: template.Context) -> str:
    """The control's HTML for ``midas.web.extensions.add_to_main_end`` (web/base.html):
    nothing, without rendering a template, for the visitors who are not shown it."""
    if not feedback_shown(context.get("request")):
        return ""
    return render_to_string("launch/access_feedback_control.html", launch_feedback(context))


@register.inclusion_tag("launch/access_feedback_control.html", takes_context=True)
def launch_feedback(context: template.Context) -> dict:
    request = context.get("request")
    show = feedback_shown(request)
    session = getattr(request, "session", None) if show else None
    note = session.pop(NOTE_KEY, None) if session is not None and NOTE_KEY in session else None
    return {
        "show": show,
        "note": note,
        "ratings": range(1, 6),
        "next": request.get_full_path() if show else "",
        "csrf_token": context.get("csrf_token"),
    }
