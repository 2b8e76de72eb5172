"""POST /api/v1/quotes: totals that reconcile, and every business rule as a 4xx with a code."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.utils import timezone

from midas.bookings.services import release, reserve
from midas.catalog.models import SeasonalRate
from midas.catalog.services import catalog_version_bump
from tests.api.conftest import Catalogue, days_ahead

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotes"


def post(client, body: object, content_type: str = "application/json"):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data, content_type=content_type)


def test_quote_happy_path(client, catalogue: Catalogue, django_assert_max_num_queries):
    day = days_ahead(10)
    body = {
        "asset": "aventador",
        "start": str(day),
        "end": str(day + dt.timedelta(days=3)),
        "extras": ["insurance", "chauffeur"],
    }
    # the first quote of a catalogue version reads the asset with all its pricing: the
    # version, the asset, seasons, discounts, tier rules, cities, add-ons, occupancy
    with django_assert_max_num_queries(8):
        assert post(client, body).status_code == 200
    # then the asset is cached for the version: the version and the occupancy probe
    with django_assert_max_num_queries(2):
        response = post(client, body)
    assert response.status_code == 200, response.content
    quote = response.json()
    assert quote["asset"] == "aventador"
    assert quote["location"] == "washington-dc"
    assert quote["unit"] == "day"
    assert quote["units"] == 3
    assert quote["unit_label"] == "days"
    assert quote["currency"] == "USD"
    # a bare date is midnight in Washington, given back in UTC with an offset
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert quote["start"] == midnight.astimezone(dt.UTC).isoformat()
    kinds = [(line["kind"], line["code"]) for line in quote["lines"]]
    assert kinds == [
        ("rental", "rental"),
        ("extra", "insurance"),
        ("extra", "chauffeur"),
        ("service_fee", "service_fee"),
        ("tax", "tax"),
    ]
    rental, insurance, chauffeur, fee, tax = quote["lines"]
    assert (rental["quantity"], rental["unit_amount"], rental["amount"]) == (3, 100_000, 300_000)
    assert insurance["amount"] == 3 * 15_000
    assert chauffeur["amount"] == 40_000
    assert quote["subtotal"] == 300_000 + 45_000 + 40_000
    assert quote["service_fee"] == fee["amount"] == 19_250  # 5%
    assert quote["tax"] == tax["amount"] == 28_298  # 7% of 404,250 = 28,297.5, half up
    assert quote["total"] == sum(line["amount"] for line in quote["lines"])
    assert quote["security_deposit"] == 500_000
    assert quote["total"] == quote["subtotal"] + quote["service_fee"] + quote["tax"]
    assert quote["available"] is True


def test_quote_in_another_served_city_adds_delivery_and_reads_its_zone(client, catalogue):
    day = days_ahead(10)
    body = {
        "asset": "aventador",
        "location": "houston",
        "start": f"{day}T10:00",
        "end": f"{day + dt.timedelta(days=1)}T10:00",
    }
    quote = post(client, body).json()
    assert quote["location"] == "houston"
    assert [line["kind"] for line in quote["lines"]] == ["rental", "delivery", "service_fee", "tax"]
    ten_in_houston = dt.datetime.combine(
        day, dt.time(10), tzinfo=zoneinfo.ZoneInfo("America/Chicago")
    )
    assert quote["start"] == ten_in_houston.astimezone(dt.UTC).isoformat()
    assert quote["total"] == sum(line["amount"] for line in quote["lines"])


def test_quote_of_a_reserved_range_is_priced_but_not_available(client, catalogue: Catalogue):
    day = days_ahead(10)
    start = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    reserve(asset=catalogue.car, start=start, end=start + dt.timedelta(days=1))
    end = start + dt.timedelta(days=2)
    body = {"asset": "aventador", "start": start.isoformat(), "end": end.isoformat()}
    response = post(client, body)
    assert response.status_code == 200
    assert response.json()["available"] is False


def test_quote_in_dirhams(client, catalogue: Catalogue):
    day = days_ahead(10)
    body = {"asset": "chiron", "start": str(day), "end": str(day + dt.timedelta(days=1))}
    quote = post(client, body).json()
    assert quote["currency"] == "AED"
    assert quote["service_fee"] == 0
    assert quote["tax"] == 45_000  # 5% VAT of 900,000 fils
    assert quote["total"] == 945_000


H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
SOON = 10 * D

RULES = [
    # name, start, end (offsets from now, or raw values), more fields, status, code, field
    ("past", -2 * D, -D, {}, 422, "start_in_past", "start"),
    ("end before start", SOON + D, SOON, {}, 422, "invalid_range", "end"),
    ("min notice", 3 * H, 2 * D, {}, 422, "inside_min_notice", "start"),
    ("max advance", 400 * D, 402 * D, {}, 422, "beyond_max_advance", "start"),
    ("too long", SOON, SOON + 400 * D, {}, 422, "range_too_long", "end"),
    ("not served", SOON, SOON + D, {"location": "dubai"}, 422, "location_not_served", "location"),
    ("unknown location", SOON, SOON + D, {"location": "paris"}, 404, "not_found", "location"),
    ("unknown extra", SOON, SOON + D, {"extras": ["jetpack"]}, 422, "unknown_extra", "extras"),
    ("extras not a list", SOON, SOON + D, {"extras": "insurance"}, 400, "invalid_input", "extras"),
    ("garbage date", "next tuesday", SOON, {}, 400, "invalid_input", "start"),
    ("empty date", "", SOON, {}, 400, "invalid_input", "start"),
    ("date as number", 20300101, SOON, {}, 400, "invalid_input", "start"),
    ("year out of range", "0001-01-01", "9999-12-31", {}, 400, "invalid_input", "start"),
]


def when(value: object) -> object:
    if isinstance(value, dt.timedelta):
        return (timezone.now() + value).isoformat()
    return value


@pytest.mark.parametrize(
    ("start", "end", "more", "status", "code", "field"),
    [case[1:] for case in RULES],
    ids=[case[0] for case in RULES],
)
def test_quote_rules(client, catalogue: Catalogue, start, end, more, status, code, field):
    body = {"asset": "aventador", "start": when(start), "end": when(end), **more}
    response = post(client, body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_quote_below_minimum_duration(client, catalogue: Catalogue):
    start = timezone.now() + dt.timedelta(days=10)
    end = start + dt.timedelta(hours=2)
    body = {"asset": "sea-breeze", "start": start.isoformat(), "end": end.isoformat()}
    response = post(client, body)
    assert response.status_code == 422
    assert response.json()["code"] == "below_min_duration"
    assert response.json()["field"] == "end"


def test_quote_unknown_asset(client, catalogue: Catalogue):
    day = days_ahead(10)
    response = post(client, {"asset": "ghost", "start": str(day), "end": str(day)})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "no asset 'ghost'", "field": "asset"}


@pytest.mark.parametrize("missing", ["asset", "start", "end"])
def test_quote_missing_fields(client, catalogue: Catalogue, missing):
    day = days_ahead(10)
    body = {"asset": "aventador", "start": str(day), "end": str(day + dt.timedelta(days=1))}
    del body[missing]
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == missing


@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"asset": "aventador",', "\xff\xfe", "[]", "null", "42", '"text"', ""],
)
def test_quote_malformed_bodies(client, catalogue: Catalogue, raw):
    response = post(client, raw)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_quote_wrong_content_type(client, catalogue: Catalogue):
    day = days_ahead(10)
    fields = {"asset": "aventador", "start": str(day), "end": str(day + dt.timedelta(days=1))}
    form = client.post(URL, fields)  # multipart form data
    assert form.status_code == 415
    assert form.json()["code"] == "unsupported_media_type"
    text = post(client, json.dumps(fields), content_type="text/plain")
    assert text.status_code == 415
    assert post(client, fields, content_type="application/vnd.api+json").status_code == 200


def test_quote_get_is_method_not_allowed(client, catalogue: Catalogue):
    response = client.get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"


# --- The asset cached per catalogue version: every change shows on the next quote ---------


def quote_of(client, *, days: int = 3, **more) -> dict:
    day = days_ahead(10)
    body = {"asset": "aventador", "start": str(day), "end": str(day + dt.timedelta(days=days))}
    response = post(client, {**body, **more})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_new_season_prices_the_next_quote(client, catalogue: Catalogue):
    before = quote_of(client)
    assert before["lines"][0]["kind"] == "rental"
    day = days_ahead(10)
    SeasonalRate.objects.create(
        asset=catalogue.car,
        name="Peak",
        start_date=day,
        end_date=day + dt.timedelta(days=30),
        override_rate_minor=150_000,
    )
    catalog_version_bump()  # what the admin does with the save, in its transaction
    after = quote_of(client)
    assert after["lines"][0]["unit_amount"] == 150_000
    assert "Peak" in after["lines"][0]["label"]
    assert after["total"] > before["total"]


def test_a_changed_base_rate_prices_the_next_quote(client, catalogue: Catalogue):
    assert quote_of(client)["lines"][0]["unit_amount"] == 100_000
    catalogue.car.base_rate_minor = 120_000
    catalogue.car.save(update_fields=["base_rate_minor"])
    catalog_version_bump()
    assert quote_of(client)["lines"][0]["unit_amount"] == 120_000


def test_a_reservation_made_and_released_shows_on_the_next_quote(client, catalogue: Catalogue):
    assert quote_of(client)["available"] is True
    day = days_ahead(10)
    start = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    held = reserve(asset=catalogue.car, start=start, end=start + dt.timedelta(hours=5))
    assert quote_of(client)["available"] is False
    release(reservation=held)
    assert quote_of(client)["available"] is True


def test_a_deactivated_asset_is_gone_from_the_next_quote(client, catalogue: Catalogue):
    quote_of(client)
    catalogue.car.is_active = False
    catalogue.car.save(update_fields=["is_active"])
    catalog_version_bump()
    day = days_ahead(10)
    body = {"asset": "aventador", "start": str(day), "end": str(day + dt.timedelta(days=3))}
    response = post(client, body)
    assert response.status_code == 404
    assert response.json()["field"] == "asset"
