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

# The concierge's public details. Placeholders until the business confirms them; a setting
# of the same name (CONCIERGE_PHONE, ...) overrides each one.
CONCIERGE_DEFAULTS = {
    "CONCIERGE_PHONE": "+1 (202) 555-0188",
    "CONCIERGE_PHONE_DUBAI": "+971 4 555 0188",
    "CONCIERGE_EMAIL": "concierge@midasthelifestyle.com",
    "CONCIERGE_HOURS": "Every day, around the clock",
}


def concierge() -> dict[str, str]:
    details = {key: getattr(settings, key, value) for key, value in CONCIERGE_DEFAULTS.items()}
    return {
        "phone": details["CONCIERGE_PHONE"],
        "phone_href": "tel:" + "".join(c for c in details["CONCIERGE_PHONE"] if c in "+0123456789"),
        "phone_dubai": details["CONCIERGE_PHONE_DUBAI"],
        "phone_dubai_href": "tel:"
        + "".join(c for c in details["CONCIERGE_PHONE_DUBAI"] if c in "+0123456789"),
        "email": details["CONCIERGE_EMAIL"],
        "hours": details["CONCIERGE_HOURS"],
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
