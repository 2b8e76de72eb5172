"""Service tiers: a rule's signed adjustment of the rental as a quote line and its perks,
applied when the customer is known (checkout, a signed-in quote), edited in the admin."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from midas.accounts.authentication import api_token_issue
from midas.accounts.models import ServiceTier
from midas.bookings.models import Booking
from midas.bookings.pricing import percent_of, quote
from midas.catalog.models import LengthDiscount, TierRule
from midas.catalog.pricing_models import TIER_CHOICES
from tests.bookings.pricing_rules import old_site_discounts, old_site_tiers
from tests.factories import NOW, make_asset, make_category, make_driver, make_location, make_staff
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(monkeypatch):
    pin_now(monkeypatch, NOW)
    old_site_tiers()
    return make_asset("cars", make_location(), slug="vantage", base_rate_minor=100_000)


def span(days: int = 2) -> dict:
    start = NOW + dt.timedelta(days=10)
    return {"start": start, "end": start + dt.timedelta(days=days), "now": NOW}


def test_the_tier_choices_are_the_accounts_tiers():
    assert [(t.value, t.label) for t in ServiceTier] == TIER_CHOICES


def test_a_vvip_quote_carries_the_tier_line_and_perks(car):
    vvip = make_driver(service_tier="vvip")
    q = quote(asset=car, customer=vvip, **span())
    (line,) = [line for line in q.lines if line.kind == "tier"]
    assert line.label == "VVIP service (+60%)" and line.amount == 120_000  # 60 % of 2,000
    assert q.tier == "vvip" and q.perks == ("Airport meet-and-greet",)
    assert q.subtotal == 320_000
    assert q.amount_of("service_fee") == percent_of(320_000, 500)
    assert q.total == sum(x.amount for x in q.lines)


def test_standard_and_anonymous_customers_pay_the_list_price(car):
    plain = quote(asset=car, **span())
    assert quote(asset=car, customer=make_driver(), **span()).lines == plain.lines
    assert not [x for x in plain.lines if x.kind == "tier"] and plain.perks == ()


def test_the_tier_applies_after_the_length_discount(car):
    old_site_discounts()
    premium = make_driver(service_tier="premium")
    q = quote(asset=car, customer=premium, **span(7))
    kinds = [x.kind for x in q.lines]
    assert kinds[:3] == ["rental", "discount", "tier"]
    assert q.amount_of("tier") == percent_of(700_000 - 105_000, 3000)


def test_a_category_rule_replaces_the_house_rule_and_a_reduction_is_negative(car):
    TierRule.objects.create(
        tier="vvip", category=make_category("cars"), label="VVIP car rate", adjustment_bp=-1000
    )
    q = quote(asset=car, customer=make_driver(service_tier="vvip"), **span())
    (line,) = [x for x in q.lines if x.kind == "tier"]
    assert line.label == "VVIP car rate (−10%)" and line.amount == -20_000
    assert q.perks == ()


def test_a_perk_alone_adds_no_line(car):
    TierRule.objects.filter(tier="premium").update(adjustment_bp=0)
    q = quote(asset=car, customer=make_driver(service_tier="premium"), **span())
    assert not [x for x in q.lines if x.kind == "tier"]
    assert q.perks == ("A dedicated concierge",)


def test_the_signed_in_api_quote_and_the_checkout_apply_the_tier(client, car):
    vvip = make_driver(service_tier="vvip")
    _, secret = api_token_issue(user=vvip)
    when = span()
    payload = {
        "asset": "vantage",
        "start": when["start"].isoformat(),
        "end": when["end"].isoformat(),
    }
    anonymous = client.post("/api/v1/quotes", json.dumps(payload), "application/json").json()
    assert anonymous["tier"] == "" and not [x for x in anonymous["lines"] if x["kind"] == "tier"]
    signed = client.post(
        "/api/v1/quotes",
        json.dumps(payload),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    ).json()
    assert signed["tier"] == "vvip" and signed["perks"] == ["Airport meet-and-greet"]
    assert [x["label"] for x in signed["lines"] if x["kind"] == "tier"] == ["VVIP service (+60%)"]
    assert signed["total"] == sum(x["amount"] for x in signed["lines"])
    # the checkout page shows the line and the perk, and the booking keeps them
    client.force_login(vvip)
    tz = car.home_location.tz
    fields = {
        "start": when["start"].astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "end": when["end"].astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
    }
    url = reverse("bookings:checkout", args=[car.slug])
    page = client.get(url, fields)
    html = page.content.decode()
    assert "VVIP service (+60%)" in html and "Airport meet-and-greet" in html
    key = page.context["form"].initial["idempotency_key"]
    done = client.post(url, {**fields, "idempotency_key": key, "accept_terms": "yes"})
    assert done.status_code == 302
    booking = Booking.objects.get()
    assert booking.total_minor == signed["total"]
    assert [x["kind"] for x in booking.quote_lines].count("tier") == 1


def test_staff_edit_rules_in_percent_in_the_admin(client):
    client.force_login(make_staff(is_superuser=True))
    answer = client.post(
        reverse("admin:catalog_tierrule_add"),
        {
            "tier": "premium",
            "label": "Premium service",
            "adjustment": "30",
            "perk": "Concierge",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert TierRule.objects.get().adjustment_bp == 3000
    answer = client.post(
        reverse("admin:catalog_lengthdiscount_add"),
        {"label": "Weekly rate", "min_days": "7", "discount": "15"},
    )
    assert answer.status_code == 302
    assert LengthDiscount.objects.get().discount_bp == 1500
    listing = client.get(reverse("admin:catalog_tierrule_changelist")).content.decode()
    assert "+30 %" in listing
