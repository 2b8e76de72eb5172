"""The house's public identity, shared by the pages and the emails: its name and how to
reach the concierge (``CONCIERGE_*`` settings)."""

from __future__ import annotations

from django.conf import settings

SITE_NAME = "Midas The Lifestyle"


def _tel(number: str) -> str:
    return "tel:" + "".join(c for c in number if c in "+0123456789")


def concierge() -> dict[str, str]:
    return {
        "phone": settings.CONCIERGE_PHONE,
        "phone_href": _tel(settings.CONCIERGE_PHONE),
        "phone_dubai": settings.CONCIERGE_PHONE_DUBAI,
        "phone_dubai_href": _tel(settings.CONCIERGE_PHONE_DUBAI),
        "email": settings.CONCIERGE_EMAIL,
        "hours": settings.CONCIERGE_HOURS,
    }
