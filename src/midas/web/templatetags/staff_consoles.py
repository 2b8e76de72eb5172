"""The staff consoles the admin's home page links to.

Links are reversed by name, so a console whose app is not installed (the launch control
plane, removable) is simply left out: nothing here imports it.
"""

from __future__ import annotations

from django import template
from django.apps import apps
from django.urls import NoReverseMatch, reverse

register = template.Library()

# (label, URL name, what it is for, the app that must be installed)
CONSOLES: list[tuple[str, str, str, str]] = [
    ("Operations", "ops_console:console", "Health, jobs, maintenance switch", "midas.ops"),
    (
        "Support inbox",
        "concierge_staff:inbox",
        "Customers' tickets: answer, triage",
        "midas.concierge",
    ),
    ("Live chat", "chat_staff:console", "Chats waiting for a concierge", "midas.concierge.chat"),
    (
        "Insights",
        "insights_console:dashboard",
        "Traffic, conversion, success metrics",
        "midas.insights",
    ),
    ("Sent e-mail", "mailbox:list", "The mailbox of messages sent", "midas.notifications"),
    ("Launch console", "launch_console:overview", "The go-live plan, go/no-go", "midas.launch"),
]


@register.simple_tag
def staff_consoles() -> list[dict[str, str]]:
    links = []
    for label, name, about, app in CONSOLES:
        if not apps.is_installed(app):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        links.append({"label": label, "url": url, "about": about})
    return links
