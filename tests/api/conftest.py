"""A small catalogue for the API tests: two cities (one per currency), cars and a yacht."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from midas.catalog.models import Asset, Location, PricingUnit
from tests.factories import make_addon, make_asset, make_category, make_city, make_location


@dataclass
class Catalogue:
    dc: Location
    dubai: Location
    houston: Location
    car: Asset
    yacht: Asset
    dubai_car: Asset


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    dc = make_location(slug="washington-dc", city="Washington", region="DC", position=1)
    houston = make_city("houston", tax_rate_bp=700, position=2)
    dubai = make_city("dubai", service_fee_bp=0, position=0)
    for slug in ("cars", "yachts", "jets", "villas"):
        make_category(slug)
    car = make_asset("cars", dc, slug="aventador", name="Aventador", delivery_fee_minor=25_000)
    car.delivery_locations.add(houston)
    yacht = make_asset(
        "yachts",
        dc,
        slug="sea-breeze",
        name="Sea Breeze",
        pricing_unit=PricingUnit.HOUR,
        base_rate_minor=250_000,
        min_duration=4,
    )
    dubai_car = make_asset("cars", dubai, slug="chiron", name="Chiron", base_rate_minor=900_000)
    make_addon("insurance", amounts={"USD": 15_000, "AED": 55_000})
    make_addon("chauffeur", pricing="flat", amounts={"USD": 40_000})
    return Catalogue(dc, dubai, houston, car, yacht, dubai_car)


def days_ahead(days: int) -> dt.date:
    """A date far enough ahead to clear the default 24 h notice."""
    return (timezone.now() + dt.timedelta(days=days)).date()
