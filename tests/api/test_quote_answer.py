"""``POST /api/v1/quotes`` writes a quote without a trip straight to JSON
(``quotes.quote_json``): byte for byte what the schema path (``quote_body`` validated by
``QuoteOut`` and rendered by ninja) answers, on every asset of the demo."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from midas.api import quotes
from midas.bookings.pricing import offered_addons
from midas.catalog.models import Airport, Asset, ExchangeRate, PricingUnit
from midas.catalog.services import catalog_version_bump
from midas.demo import load_demo
from tests.api.conftest import days_ahead

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotes"


def payloads() -> list[dict]:
    day = days_ahead(30)
    found = []
    for asset in Asset.objects.active().select_related("home_location").order_by("slug"):
        start, end = f"{day}T10:00", f"{day + dt.timedelta(days=3)}T10:00"
        if asset.pricing_unit == PricingUnit.HOUR:
            end = f"{day}T16:00"
        if asset.pricing_unit == PricingUnit.TRIP:
            airports = list(Airport.objects.order_by("iata").values_list("iata", flat=True))
            found.append(
                {
                    "asset": asset.slug,
                    "start": start,
                    "origin": airports[0],
                    "destination": airports[-1],
                }
            )
            continue
        extras = [addon.code for addon in offered_addons(asset)][:3]
        found.append({"asset": asset.slug, "start": start, "end": end})
        found.append({"asset": asset.slug, "start": str(day), "end": end, "extras": extras})
        found.append({"asset": asset.slug, "start": start, "end": end, "guests": 1})
    return found


def test_the_answer_is_byte_identical_to_the_schema_path_on_the_demo(client, monkeypatch):
    load_demo()
    ExchangeRate.objects.get_or_create(currency="AED", defaults={"per_usd": "3.6725"})
    catalog_version_bump()
    fast: list[tuple[int, bytes]] = []
    cases = payloads()
    for body in cases:
        response = client.post(URL, json.dumps(body), content_type="application/json")
        fast.append((response.status_code, response.content))
        if response.status_code == 200:
            assert response["Content-Type"] == "application/json; charset=utf-8"
    monkeypatch.setattr(quotes, "quote_answer", quotes.quote_body)  # the dict, validated
    for body, (status, content) in zip(cases, fast, strict=True):
        response = client.post(URL, json.dumps(body), content_type="application/json")
        assert (response.status_code, response.content) == (status, content), body
    answered = [json.loads(content) for status, content in fast if status == 200]
    assert len(answered) > 60
    assert any(len(a["lines"]) > 3 for a in answered)  # extras, delivery, fees, tax
    assert all(a["start"].endswith("+00:00") and a["end"].endswith("+00:00") for a in answered)


def test_a_price_change_shows_on_the_next_quote(client):
    load_demo()
    asset = Asset.objects.active().exclude(pricing_unit=PricingUnit.TRIP).order_by("slug").first()
    day = days_ahead(30)
    body = json.dumps(
        {"asset": asset.slug, "start": f"{day}T10:00", "end": f"{day + dt.timedelta(days=3)}T10:00"}
    )

    def rental() -> int:
        answer = client.post(URL, body, content_type="application/json").json()
        return next(line["unit_amount"] for line in answer["lines"] if line["kind"] == "rental")

    before = rental()
    asset.base_rate_minor += 10_000
    asset.save(update_fields=["base_rate_minor"])
    catalog_version_bump()  # what the admin does with the save
    assert rental() == before + 10_000
