"""Context every page template gets: the site's name and URL, the navigation, the concierge."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from midas.catalog.selectors import nav_categories, nav_locations
from midas.core.meta import PageMeta
from midas.core.site import SITE_NAME, concierge

DEFAULT_DESCRIPTION = (
    "Exotic cars, superyachts, private jets and villas to rent in Dubai, Washington DC, "
    "Houston, Atlanta, Maryland and Northern Virginia."
)


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_URL": settings.SITE_URL,
        "SITE_NAME": SITE_NAME,
        # pages pass their own; this one serves the error pages
        "meta": PageMeta(title=SITE_NAME, description=DEFAULT_DESCRIPTION, path=request.path),
        "nav_categories": SimpleLazyObject(nav_categories),
        "nav_locations": SimpleLazyObject(nav_locations),
        "concierge": concierge(),
        "TERMS_VERSION": settings.TERMS_VERSION,  # the terms page, checkout
    }
