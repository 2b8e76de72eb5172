from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.catalog.models import Location
from tests.factories import make_asset, make_category, make_city


@pytest.fixture(autouse=True)
def site_url(settings):
    """Canonical and Open Graph URLs are absolute on SITE_URL."""
    settings.SITE_URL = "https://midas.example"


@pytest.fixture
def dubai() -> Location:
    return make_city("dubai", position=1)


@pytest.fixture
def washington() -> Location:
    return make_city("washington-dc", position=2)


@pytest.fixture
def maryland() -> Location:
    return make_city("maryland", position=3)


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
