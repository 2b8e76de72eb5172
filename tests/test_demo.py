from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest
from django.contrib.staticfiles import finders

from midas.bookings.models import Reservation, ReservationKind, ReservationStatus
from midas.bookings.pricing import offered_addons, quote
from midas.bookings.services import reserve
from midas.catalog.demo import DEMO_FILE
from midas.catalog.inventory import export_data
from midas.catalog.models import AddOn, Asset, BookingMode, Location, PricingUnit
from midas.catalog.specs import validate_specs
from midas.demo import DEMO_BLOCKS, load_demo

CITIES = {"dubai", "washington-dc", "houston", "atlanta", "maryland", "northern-virginia"}


@pytest.fixture
def demo(db) -> int:
    return load_demo()


def test_demo_covers_every_category_and_city(demo):
    assets = Asset.objects.select_related("category", "home_location")
    assert demo == assets.count() >= 44
    assert {a.category.slug for a in assets} == {"cars", "yachts", "jets", "villas"}
    assert {a.home_location.slug for a in assets} == CITIES
    by_city = defaultdict(set)
    for asset in assets:
        by_city[asset.home_location.slug].add(asset.category.slug)
    for city, kinds in by_city.items():
        assert "cars" in kinds and len(kinds) >= 2, city
    assert "yachts" not in by_city["atlanta"]  # no sea in Atlanta


def test_every_demo_asset_is_valid(demo):
    for asset in Asset.objects.select_related("category", "home_location"):
        assert validate_specs(asset.category.slug, asset.specs) == [], asset.slug
        asset.full_clean()
        assert asset.currency == asset.home_location.currency, asset.slug
        assert {loc.currency for loc in asset.delivery_locations.all()} <= {asset.currency}
        assert 4 <= len(asset.features) <= 8, asset.slug
        assert asset.summary and asset.description
        images = list(asset.images.all())
        assert 2 <= len(images) <= 3, asset.slug
        for image in images:
            assert finders.find(image.src), image.src
            assert (image.width, image.height) == (1200, 800)
            assert asset.name in image.alt


def test_demo_rules_by_category(demo):
    for asset in Asset.objects.select_related("category"):
        category = asset.category.slug
        if category == "jets":
            assert asset.pricing_unit == PricingUnit.TRIP
            assert asset.booking_mode == BookingMode.REQUEST
        elif category == "villas":
            assert asset.pricing_unit == PricingUnit.NIGHT and asset.min_duration >= 2
        elif category == "cars":
            assert asset.min_renter_age >= 21
            # a fee where the car travels to another city; delivery in town is included
            assert (asset.delivery_fee_minor > 0) == asset.delivery_locations.exists()
            if asset.pricing_unit == PricingUnit.DAY:
                assert asset.min_renter_age >= 25
        elif asset.pricing_unit == PricingUnit.HOUR:  # day-charter boats
            assert asset.min_duration == 4
    chiron = Asset.objects.get(slug="bugatti-chiron-sport-dubai")
    assert chiron.currency == "AED" and chiron.min_renter_age == 30
    assert 5_400 <= chiron.base_rate_minor / 100 / 3.6725 <= 5_600  # about USD 5,500 a day
    cullinan = Asset.objects.get(slug="rolls-royce-cullinan-houston")
    assert cullinan.base_rate_minor == 220_000  # USD 2,200.00
    # the DMV cities deliver to each other; Dubai cars stay in Dubai
    ghost = Asset.objects.get(slug="rolls-royce-ghost-dc")
    assert {loc.slug for loc in ghost.delivery_locations.all()} == {"maryland", "northern-virginia"}
    assert not chiron.delivery_locations.exists()
    assert Asset.objects.filter(is_featured=True).count() >= 4


def test_demo_addons_are_offered_in_both_currencies(demo):
    for car in ("rolls-royce-cullinan-dubai", "bugatti-chiron-sport-dubai"):
        assert "chauffeur" in {a.code for a in offered_addons(Asset.objects.get(slug=car))}
    assert "chauffeur" in {
        a.code
        for a in offered_addons(
            Asset.objects.filter(currency="USD", category__slug="cars", pricing_unit="day").first()
        )
    }
    # a per-day chauffeur is never charged per hour on the chauffeured hourly cars
    for hourly in Asset.objects.filter(category__slug="cars", pricing_unit="hour"):
        assert "chauffeur" not in {a.code for a in offered_addons(hourly)}
    assert AddOn.objects.get(code="chauffeur").pricing_units == ["day"]
    codes = {a.code for a in offered_addons(Asset.objects.get(slug="azimut-s7-galveston"))}
    assert {"captain", "charter-insurance", "catering", "vip-concierge"} <= codes
    villa = Asset.objects.get(slug="palm-jumeirah-signature-villa")
    assert {"private-chef", "damage-waiver"} <= {a.code for a in offered_addons(villa)}


def rental_lines(slug: str, start: dt.datetime, units: int) -> list:
    asset = Asset.objects.get(slug=slug)
    start = start.replace(tzinfo=asset.home_location.tz)
    delta = dt.timedelta(hours=units) if asset.pricing_unit == "hour" else dt.timedelta(days=units)
    result = quote(
        asset=asset, start=start, end=start + delta, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
    return [line for line in result.lines if line.kind == "rental"]


def test_demo_seasons_price_summer_yachts_and_new_year_on_the_palm(demo):
    (line,) = rental_lines("hatteras-m75-galveston", dt.datetime(2027, 7, 10, 9), 1)
    assert "Summer yacht season" in line.label and line.unit_amount == 650_000 * 12 // 10
    lines = rental_lines("palm-jumeirah-signature-villa", dt.datetime(2026, 12, 30, 15), 3)
    assert [(line.quantity, line.unit_amount) for line in lines] == [(3, 2_755_000)]
    assert "New Year's week" in lines[0].label


def test_demo_seasons_price_a_dubai_winter_rental(demo):
    (line,) = rental_lines("rolls-royce-cullinan-dubai", dt.datetime(2026, 12, 20, 10), 2)
    assert "Dubai winter season" in line.label
    assert line.unit_amount == 810_000 * 13 // 10


def test_demo_blocks_fill_some_calendars(demo):
    blocks = Reservation.objects.exclude(kind=ReservationKind.BOOKING)
    assert blocks.count() == len(DEMO_BLOCKS)
    assert not Reservation.objects.filter(kind=ReservationKind.BOOKING).exists()
    block = blocks.select_related("asset__home_location").get(
        asset__slug="bugatti-chiron-sport-dubai"
    )
    local_start = block.start.astimezone(block.asset.home_location.tz)
    assert local_start.time() == dt.time(0, 0)
    assert block.end - block.start == dt.timedelta(days=3)
    assert block.status == ReservationStatus.ACTIVE


def test_loading_twice_changes_nothing(demo):
    before = export_data()
    stamps = sorted(Asset.objects.values_list("slug", "updated_at"))
    reservations = sorted(Reservation.objects.values_list("asset__slug", "start", "reference"))
    assert load_demo() == demo
    assert export_data() == before
    assert sorted(Asset.objects.values_list("slug", "updated_at")) == stamps
    assert sorted(Reservation.objects.values_list("asset__slug", "start", "reference")) == (
        reservations
    )


def test_demo_blocks_are_skipped_for_assets_with_reservations(db):
    load_demo()
    Reservation.objects.all().delete()
    chiron = Asset.objects.get(slug="bugatti-chiron-sport-dubai")
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    reserve(asset=chiron, start=start, end=start + dt.timedelta(days=1))
    load_demo()
    assert Reservation.objects.filter(asset=chiron).count() == 1
    assert Reservation.objects.count() == len(DEMO_BLOCKS)


def test_demo_file_is_what_export_writes(demo):
    """demo.json is in the inventory format exactly as exported (so it round-trips)."""
    assert json.loads(DEMO_FILE.read_text(encoding="utf-8")) == json.loads(
        json.dumps(export_data())
    )
    assert Location.objects.get(slug="houston").tax_rate_bp == 825
