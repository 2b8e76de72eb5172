"""The staff consoles the admin's home page links to.

Links are reversed by name, so a console whose URLs are not wired (the launch control
plane's, when it is uninstalled) is simply left out: nothing here imports or names it.
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

# (label, URL name, what it is for)
CONSOLES: list[tuple[str, str, str]] = [
    ("Operations", "ops_console:console", "Health, jobs, maintenance switch"),
    (
        "Support inbox",
        "concierge_staff:inbox",
        "Customers' tickets: answer, triage",
    ),
    ("Live chat", "chat_staff:console", "Chats waiting for a concierge"),
    (
        "Insights",
        "insights_console:dashboard",
        "Traffic, conversion, success metrics",
    ),
    ("Sent e-mail", "mailbox:list", "The mailbox of messages sent"),
    ("Launch console", "launch_console:overview", "The go-live plan, go/no-go"),
]


@register.simple_tag
def staff_consoles() -> list[dict[str, str]]:
    links = []
    for label, name, about in CONSOLES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        links.append({"label": label, "url": url, "about": about})
    return links
