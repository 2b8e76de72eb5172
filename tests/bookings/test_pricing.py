"""Quotes: units in the location's calendar, seasons, extras, fees, taxes, rounding, errors."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midas.bookings.pricing import percent_of, quote, unit_dates
from midas.catalog.models import AddOnPricing, PricingUnit
from midas.errors import AppError, ErrorCode
from tests.factories import make_addon, make_asset, make_location, make_season

NY = zoneinfo.ZoneInfo("America/New_York")
DUBAI = zoneinfo.ZoneInfo("Asia/Dubai")

pytestmark = pytest.mark.django_db


def local(y: int, m: int, d: int, h: int = 10, tz: dt.tzinfo = NY) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=tz).astimezone(dt.UTC)


# --- units ---------------------------------------------------------------------------------


def test_a_day_across_spring_forward_is_one_day_of_wall_clock_time():
    # 2027-03-14 02:00 New York jumps to 03:00: 10:00 to 10:00 is 23 real hours, one day
    start, end = local(2027, 3, 13), local(2027, 3, 14)
    assert end - start == dt.timedelta(hours=23)
    assert unit_dates(PricingUnit.DAY, start, end, NY) == [dt.date(2027, 3, 13)]


def test_a_day_across_fall_back_is_one_day_not_two():
    start, end = local(2027, 11, 6), local(2027, 11, 7)
    assert end - start == dt.timedelta(hours=25)
    assert len(unit_dates(PricingUnit.DAY, start, end, NY)) == 1


def test_hours_are_elapsed_hours_across_dst():
    start = dt.datetime(2027, 3, 14, 0, 0, tzinfo=NY)
    end = dt.datetime(2027, 3, 14, 4, 0, tzinfo=NY)  # 3 real hours (02:00 never happens)
    assert len(unit_dates(PricingUnit.HOUR, start, end, NY)) == 3


def test_a_started_day_counts_as_a_day():
    start, end = local(2027, 2, 1, 10), local(2027, 2, 3, 11)
    assert len(unit_dates(PricingUnit.DAY, start, end, NY)) == 3


def test_nights_are_calendar_dates_crossed_over_a_month_end():
    start = local(2027, 1, 30, 15)
    end = local(2027, 2, 2, 11)
    assert unit_dates(PricingUnit.NIGHT, start, end, NY) == [
        dt.date(2027, 1, 30),
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 1),
    ]


def test_leap_day_is_a_night():
    dates = unit_dates(PricingUnit.NIGHT, local(2028, 2, 28, 15), local(2028, 3, 1, 11), NY)
    assert dates == [dt.date(2028, 2, 28), dt.date(2028, 2, 29)]


def test_nights_are_counted_in_the_locations_timezone_not_utc():
    # 23:00 Dubai on the 10th is 19:00 UTC; checking out 10:00 on the 12th is 2 nights
    start = dt.datetime(2027, 2, 10, 23, tzinfo=DUBAI)
    end = dt.datetime(2027, 2, 12, 10, tzinfo=DUBAI)
    assert len(unit_dates(PricingUnit.NIGHT, start, end, DUBAI)) == 2


def test_a_trip_is_one_unit():
    assert len(unit_dates(PricingUnit.TRIP, local(2027, 2, 1), local(2027, 2, 9), NY)) == 1


# --- rates, seasons, lines -----------------------------------------------------------------


def test_plain_quote_lines_and_totals(now):
    asset = make_asset(base_rate_minor=550_000, security_deposit_minor=10_000_000)
    q = quote(asset=asset, start=local(2027, 2, 1), end=local(2027, 2, 4), now=now)
    assert q.units == 3
    assert [(line.kind, line.amount) for line in q.lines] == [
        ("rental", 1_650_000),
        ("service_fee", 82_500),  # 5% of 16,500.00
        ("tax", 121_275),  # 7% of 17,325.00
    ]
    assert q.total == 1_853_775
    assert q.security_deposit == 10_000_000  # apart, not in the total


def test_a_season_straddling_the_booking_prices_each_day_by_its_own_date(now):
    asset = make_asset(base_rate_minor=100_000)
    make_season(
        asset=asset,
        start_date=dt.date(2027, 2, 3),
        end_date=dt.date(2027, 2, 10),
        multiplier_bp=15_000,
    )
    q = quote(asset=asset, start=local(2027, 2, 1), end=local(2027, 2, 5), now=now)
    rental = [line for line in q.lines if line.kind == "rental"]
    assert [(line.quantity, line.unit_amount) for line in rental] == [(2, 100_000), (2, 150_000)]
    assert "Peak" in rental[1].label


def test_the_most_specific_season_wins(now):
    location = make_location()
    asset = make_asset(location=location, base_rate_minor=100_000)
    days = {"start_date": dt.date(2027, 2, 1), "end_date": dt.date(2027, 3, 1)}
    make_season(name="City", location=location, multiplier_bp=20_000, priority=9, **days)
    make_season(name="Asset", asset=asset, override_rate_minor=123_400, **days)
    q = quote(asset=asset, start=local(2027, 2, 2), end=local(2027, 2, 3), now=now)
    assert q.lines[0].unit_amount == 123_400


@pytest.mark.parametrize("scope", ["location", "category", "both", "everything"])
def test_a_season_scoped_to_the_city_or_category_applies(now, scope):
    location = make_location()
    asset = make_asset(location=location, base_rate_minor=100_000)
    fields = {
        "location": {"location": location},
        "category": {"category": asset.category},
        "both": {"location": location, "category": asset.category},
        "everything": {},
    }[scope]
    make_season(
        start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 3, 1), multiplier_bp=13_000, **fields
    )
    q = quote(asset=asset, start=local(2027, 2, 2), end=local(2027, 2, 3), now=now)
    assert q.lines[0].unit_amount == 130_000


def test_a_season_for_another_category_or_city_does_not_apply(now):
    asset = make_asset(base_rate_minor=100_000)
    other = make_location(slug="dubai", city="Dubai", timezone="Asia/Dubai", currency="AED")
    days = {"start_date": dt.date(2027, 2, 1), "end_date": dt.date(2027, 3, 1)}
    make_season(location=other, multiplier_bp=20_000, **days)
    make_season(category=make_asset("yachts").category, multiplier_bp=20_000, **days)
    q = quote(asset=asset, start=local(2027, 2, 2), end=local(2027, 2, 3), now=now)
    assert q.lines[0].unit_amount == 100_000


def test_extras_delivery_fee_and_rounding(now):
    home = make_location()
    away = make_location(
        slug="houston", city="Houston", timezone="America/Chicago", tax_rate_bp=825
    )
    asset = make_asset(location=home, base_rate_minor=99_999, delivery_fee_minor=25_000)
    asset.delivery_locations.add(away)
    make_addon("insurance", AddOnPricing.PER_UNIT, amounts={"USD": 15_000})
    make_addon("vip", AddOnPricing.FLAT, amounts={"USD": 50_000})
    make_addon("waiver", AddOnPricing.PERCENT, rate_bp=333)
    q = quote(
        asset=asset,
        start=local(2027, 2, 1),
        end=local(2027, 2, 3),
        now=now,
        location=away,
        extras=["insurance", "vip", "waiver"],
    )
    amounts = {line.code: line.amount for line in q.lines}
    assert amounts["rental"] == 199_998
    assert amounts["insurance"] == 30_000
    assert amounts["vip"] == 50_000
    assert amounts["waiver"] == 6_660  # 3.33% of 1,999.98 = 66.599 -> 66.60
    assert amounts["delivery"] == 25_000
    subtotal = 199_998 + 30_000 + 50_000 + 6_660 + 25_000
    assert amounts["service_fee"] == percent_of(subtotal, 500)
    assert amounts["tax"] == percent_of(subtotal + amounts["service_fee"], 825)
    assert q.total == sum(amounts.values())


def test_percent_of_rounds_half_up():
    assert percent_of(1, 5_000) == 1  # 0.5 -> 1
    assert percent_of(3, 5_000) == 2  # 1.5 -> 2
    assert percent_of(1, 4_999) == 0
    assert percent_of(10_000, 1) == 1


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (
            dt.datetime(2027, 2, 5, tzinfo=dt.UTC),
            dt.datetime(2027, 2, 4, tzinfo=dt.UTC),
            ErrorCode.INVALID_RANGE,
        ),
        (
            dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            dt.datetime(2027, 1, 6, tzinfo=dt.UTC),
            ErrorCode.START_IN_PAST,
        ),
        (
            dt.datetime(2027, 1, 4, 20, tzinfo=dt.UTC),
            dt.datetime(2027, 1, 9, tzinfo=dt.UTC),
            ErrorCode.INSIDE_MIN_NOTICE,
        ),
        (
            dt.datetime(2028, 6, 1, tzinfo=dt.UTC),
            dt.datetime(2028, 6, 5, tzinfo=dt.UTC),
            ErrorCode.BEYOND_MAX_ADVANCE,
        ),
        (
            dt.datetime(2027, 2, 1, 10, tzinfo=dt.UTC),
            dt.datetime(2027, 2, 2, 9, tzinfo=dt.UTC),
            ErrorCode.BELOW_MIN_DURATION,
        ),
    ],
)
def test_quote_errors(now, start, end, code):
    asset = make_asset(min_duration=2)
    with pytest.raises(AppError) as err:
        quote(asset=asset, start=start, end=end, now=now)
    assert err.value.code == code
    assert 400 <= err.value.status < 500


def test_a_location_the_asset_does_not_serve(now):
    asset = make_asset()
    elsewhere = make_location(slug="atlanta", city="Atlanta")
    with pytest.raises(AppError) as err:
        quote(
            asset=asset, start=local(2027, 2, 1), end=local(2027, 2, 3), now=now, location=elsewhere
        )
    assert err.value.code == ErrorCode.LOCATION_NOT_SERVED


def test_an_extra_not_offered_for_the_category(now):
    make_addon("private-chef", categories=("villas",), amounts={"USD": 1})
    with pytest.raises(AppError) as err:
        quote(
            asset=make_asset(),
            start=local(2027, 2, 1),
            end=local(2027, 2, 3),
            now=now,
            extras=["private-chef"],
        )
    assert err.value.code == ErrorCode.UNKNOWN_EXTRA


def test_an_extra_without_a_price_in_the_currency_is_not_offered(now):
    make_addon("insurance", amounts={"AED": 50_000})
    with pytest.raises(AppError) as err:
        quote(
            asset=make_asset(),
            start=local(2027, 2, 1),
            end=local(2027, 2, 3),
            now=now,
            extras=["insurance"],
        )
    assert err.value.code == ErrorCode.UNKNOWN_EXTRA


def test_a_per_day_extra_is_not_offered_for_an_hourly_asset(now):
    make_addon("chauffeur", amounts={"USD": 65_000}, pricing_units=["day"])
    hourly = make_asset(pricing_unit=PricingUnit.HOUR, min_notice_hours=0)
    start = local(2027, 2, 1)
    with pytest.raises(AppError) as err:
        quote(
            asset=hourly,
            start=start,
            end=start + dt.timedelta(hours=5),
            now=now,
            extras=["chauffeur"],
        )
    assert err.value.code == ErrorCode.UNKNOWN_EXTRA
    daily = make_asset()
    q = quote(
        asset=daily, start=start, end=start + dt.timedelta(days=2), now=now, extras=["chauffeur"]
    )
    assert q.amount_of("extra") == 130_000


# --- properties ----------------------------------------------------------------------------

RATES = st.integers(min_value=1, max_value=50_000_000)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=RATES,
    days=st.integers(min_value=1, max_value=40),
    offset_days=st.integers(min_value=2, max_value=300),
    hour=st.integers(min_value=0, max_value=23),
    multiplier=st.integers(min_value=1, max_value=40_000),
    season_start=st.integers(min_value=0, max_value=330),
    season_len=st.integers(min_value=1, max_value=60),
    fee=st.integers(min_value=0, max_value=2_000),
    tax=st.integers(min_value=0, max_value=2_500),
)
def test_properties_total_is_the_sum_of_lines_and_per_unit_bounded_by_rates(
    now, base, days, offset_days, hour, multiplier, season_start, season_len, fee, tax
):
    location = make_location(slug=f"p-{fee}-{tax}", service_fee_bp=fee, tax_rate_bp=tax)
    asset = make_asset(location=location, base_rate_minor=base, min_notice_hours=0)
    first = dt.date(2027, 1, 5) + dt.timedelta(days=season_start)
    season = make_season(
        asset=asset,
        start_date=first,
        end_date=first + dt.timedelta(days=season_len),
        multiplier_bp=multiplier,
    )
    start = (now + dt.timedelta(days=offset_days)).replace(hour=hour)
    q = quote(asset=asset, start=start, end=start + dt.timedelta(days=days), now=now)

    assert q.total == sum(line.amount for line in q.lines)
    assert all(
        line.amount >= 0 and line.amount == line.quantity * line.unit_amount for line in q.lines
    )
    rental = [line for line in q.lines if line.kind == "rental"]
    assert sum(line.quantity for line in rental) == q.units
    # per unit, the rental never costs less than the cheapest rate the rules allow, nor more
    # than the dearest
    rates = {base, season.rate_for(base)}
    rental_total = sum(line.amount for line in rental)
    assert min(rates) * q.units <= rental_total <= max(rates) * q.units
    # one more day never costs less
    longer = quote(asset=asset, start=start, end=start + dt.timedelta(days=days + 1), now=now)
    assert longer.total >= q.total
