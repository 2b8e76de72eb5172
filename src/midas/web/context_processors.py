"""Context every page template gets: the site's name and URL, the navigation, the concierge."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from midas.catalog.selectors import nav_categories, nav_locations
from midas.web.meta import SITE_NAME, PageMeta

DEFAULT_DESCRIPTION = (
    "Exotic cars, superyachts, private jets and villas to rent in Dubai, Washington DC, "
    "Houston, Atlanta, Maryland and Northern Virginia."
)


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


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_URL": settings.SITE_URL,
        "SITE_NAME": SITE_NAME,
        # pages pass their own; this one serves the error pages
        "meta": PageMeta(title=SITE_NAME, description=DEFAULT_DESCRIPTION, path=request.path),
        "nav_categories": SimpleLazyObject(nav_categories),
        "nav_locations": SimpleLazyObject(nav_locations),
        "concierge": concierge(),
    }
