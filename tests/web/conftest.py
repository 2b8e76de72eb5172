from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.catalog.models import Location
from tests.factories import make_asset, make_category, make_location


@pytest.fixture(autouse=True)
def site_url(settings):
    """Canonical and Open Graph URLs are absolute on SITE_URL."""
    settings.SITE_URL = "https://midas.example"


@pytest.fixture
def dubai() -> Location:
    return make_location(
        slug="dubai",
        city="Dubai",
        region="Dubai",
        country="AE",
        timezone="Asia/Dubai",
        currency="AED",
        tax_rate_bp=500,
        service_fee_bp=500,
        position=1,
    )


@pytest.fixture
def washington() -> Location:
    return make_location(
        slug="washington-dc",
        city="Washington DC",
        region="District of Columbia",
        country="US",
        timezone="America/New_York",
        currency="USD",
        tax_rate_bp=600,
        service_fee_bp=500,
        position=2,
    )


@pytest.fixture
def maryland() -> Location:
    return make_location(
        slug="maryland",
        city="Maryland",
        region="Maryland",
        country="US",
        timezone="America/New_York",
        currency="USD",
        tax_rate_bp=600,
        service_fee_bp=500,
        position=3,
    )


@pytest.fixture
def categories():
    return [make_category(slug) for slug in ("cars", "yachts", "jets", "villas")]


@pytest.fixture
def soon() -> dt.date:
    """A local date far enough ahead for any notice period used in these tests."""
    return timezone.now().date() + dt.timedelta(days=10)


@pytest.fixture
def car(washington, maryland, categories):
    asset = make_asset(
        "cars",
        washington,
        slug="rolls-royce-cullinan",
        name="Rolls-Royce Cullinan",
        brand="Rolls-Royce",
        base_rate_minor=150_000,
        security_deposit_minor=500_000,
        delivery_fee_minor=25_000,
        summary="The quietest room in Washington, on four wheels.",
        description="Starlight headliner.\n\nChauffeur on request.",
        features=["Starlight headliner", "Rear theatre"],
        is_featured=True,
    )
    asset.delivery_locations.add(maryland)
    return asset
