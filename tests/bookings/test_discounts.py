"""Length discounts: 15 % from 7 days, 25 % from 30 (the old site's), a negative line, the
fee and tax on the discounted subtotal, the checkout charging exactly the total; the
asset's maximum length; and the property: the total is the sum of the lines, never
negative."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midas.bookings.pricing import percent_of, quote
from midas.bookings.services.notices import booking_context
from midas.catalog.models import LengthDiscount, PricingUnit, TierRule
from midas.errors import AppError, ErrorCode
from midas.payments.models import Payment
from tests.bookings.pricing_rules import old_site_discounts
from tests.factories import NOW, make_asset, make_city, make_driver, make_paid_booking

DUBAI = zoneinfo.ZoneInfo("Asia/Dubai")

pytestmark = pytest.mark.django_db


def start() -> dt.datetime:
    return dt.datetime(2027, 2, 1, 10, tzinfo=DUBAI)


def priced(asset, days: int, **kwargs):
    return quote(
        asset=asset, start=start(), end=start() + dt.timedelta(days=days), now=NOW, **kwargs
    )


@pytest.fixture
def car():
    old_site_discounts()
    return make_asset("cars", make_city("dubai"), base_rate_minor=1_000_000)


def test_six_days_pay_the_full_rate(car):
    q = priced(car, 6)
    assert q.amount_of("discount") == 0
    assert [line.kind for line in q.lines] == ["rental", "service_fee", "tax"]


def test_seven_days_get_15_percent_off_as_a_negative_line(car):
    q = priced(car, 7)
    (line,) = [line for line in q.lines if line.kind == "discount"]
    assert line.amount == -1_050_000  # 15 % of AED 70,000
    assert line.label == "Weekly rate: 15% off from 7 days"
    subtotal = 7_000_000 - 1_050_000
    assert q.subtotal == subtotal
    fee = percent_of(subtotal, 500)  # the service fee on the discounted subtotal
    assert q.amount_of("service_fee") == fee
    assert q.amount_of("tax") == percent_of(subtotal + fee, 500)
    assert q.total == sum(line.amount for line in q.lines) == subtotal + fee + q.amount_of("tax")


def test_thirty_days_get_25_percent_off(car):
    q = priced(car, 30)
    assert q.amount_of("discount") == -7_500_000
    assert "Monthly rate: 25% off" in [line.label for line in q.lines][1]


def test_extras_are_not_discounted_and_the_asset_scope_wins(car):
    LengthDiscount.objects.create(label="Chiron week", asset=car, min_days=5, discount_bp=1000)
    q = priced(car, 30)  # the asset's own table replaces the house's 25 %
    assert q.amount_of("discount") == -3_000_000
    assert priced(car, 4).amount_of("discount") == 0


def test_a_category_rule_replaces_the_house_rule(car):
    LengthDiscount.objects.create(
        label="Car week", category=car.category, min_days=7, discount_bp=2000
    )
    assert priced(car, 7).amount_of("discount") == -1_400_000


def test_hourly_assets_count_whole_days():
    old_site_discounts()
    boat = make_asset(
        "yachts", make_city("dubai"), pricing_unit=PricingUnit.HOUR, base_rate_minor=100_000
    )
    assert priced(boat, 6).amount_of("discount") == 0  # 144 hours = 6 days
    q = priced(boat, 7)
    assert q.amount_of("discount") == -percent_of(168 * 100_000, 1500)


def test_the_checkout_charges_exactly_the_discounted_total(car, client):
    booking = make_paid_booking(
        customer=make_driver(), asset=car, days_ahead=30, length_days=8, now=NOW
    )
    assert any(line["kind"] == "discount" for line in booking.quote_lines)
    assert booking.total_minor == sum(line["amount"] for line in booking.quote_lines)
    payment = Payment.objects.get(booking=booking)
    assert payment.amount_minor == booking.total_minor
    # the receipt page and the e-mails' context show the negative line and the same total
    client.force_login(booking.customer)
    page = client.get(reverse("bookings:detail", args=[booking.reference])).content.decode()
    assert "Weekly rate: 15% off from 7 days" in page and "AED -12,000" in page
    context = booking_context(booking)
    assert ("Weekly rate: 15% off from 7 days", "AED -12,000") in context["lines"]


def test_the_asset_maximum_length_is_enforced_and_the_house_limit_stays(car):
    car.max_duration = 30
    car.save()
    with pytest.raises(AppError) as caught:
        priced(car, 365)
    assert caught.value.code == ErrorCode.ABOVE_MAX_DURATION
    assert caught.value.status == 422 and caught.value.field == "end"
    assert "at most 30 days" in caught.value.message
    assert priced(car, 30).units == 30
    car.max_duration = None
    car.save()
    with pytest.raises(AppError) as caught:
        priced(car, 400)
    assert caught.value.code == ErrorCode.RANGE_TOO_LONG


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days=st.integers(min_value=1, max_value=60),
    rate=st.integers(min_value=1, max_value=10**9),
    weekly=st.integers(min_value=1, max_value=10_000),
    monthly=st.integers(min_value=1, max_value=10_000),
    tier=st.lists(st.integers(min_value=-10_000, max_value=100_000), max_size=3),
    fee=st.integers(min_value=0, max_value=10_000),
    tax=st.integers(min_value=0, max_value=10_000),
)
def test_the_total_is_the_sum_of_the_lines_and_never_negative(
    days, rate, weekly, monthly, tier, fee, tax
):
    LengthDiscount.objects.all().delete()
    TierRule.objects.all().delete()
    city = make_city("dubai")
    city.service_fee_bp, city.tax_rate_bp = fee, tax
    city.save()
    asset = make_asset("villas", city, pricing_unit=PricingUnit.NIGHT, base_rate_minor=rate)
    LengthDiscount.objects.create(label="Week", min_days=7, discount_bp=weekly)
    LengthDiscount.objects.create(label="Month", min_days=30, discount_bp=monthly)
    for bp in tier:
        TierRule.objects.create(tier="vvip", label="VVIP", adjustment_bp=bp)
    customer = make_driver(service_tier="vvip")
    q = priced(asset, days, customer=customer)
    assert q.total == sum(line.amount for line in q.lines)
    assert q.total >= 0 and q.subtotal >= 0
    assert all(line.amount <= 0 for line in q.lines if line.kind == "discount")
    assert all(line.amount >= 0 for line in q.lines if line.kind not in {"discount", "tier"})
