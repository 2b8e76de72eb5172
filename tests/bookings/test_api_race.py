"""Fifty customers ask the API for one slot at the same moment: exactly one gets it (201),
the forty-nine others a clean 409, nobody a 5xx. Real threads, real transactions, one
Django test client each (SQLite here; PostgreSQL in CI with DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from midas.accounts.authentication import api_token_issue
from midas.bookings.models import Booking, Reservation, ReservationStatus
from tests.concurrency import race
from tests.factories import make_asset, make_driver, make_location

ATTEMPTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_for_one_slot_exactly_one_is_held():
    make_location(slug="washington-dc", city="Washington")
    asset = make_asset(slug="aventador", name="Aventador")
    tokens = [api_token_issue(user=make_driver())[1] for _ in range(ATTEMPTS)]
    start = (timezone.now() + dt.timedelta(days=10)).replace(hour=10, minute=0, second=0)

    def attempt(i: int) -> tuple[int, str]:
        # overlapping, not identical, ranges: every pair conflicts
        body = {
            "asset": asset.slug,
            "start": (start + dt.timedelta(minutes=10 * i)).isoformat(),
            "end": (start + dt.timedelta(days=2)).isoformat(),
            "accept_terms": True,
        }
        response = Client().post(
            "/api/v1/bookings",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[i]}",
        )
        code = response.json().get("code", "") if response.status_code != 201 else "held"
        return response.status_code, code

    # a crash in the stack (an "error: ..." string) is a failure of the rule
    results = [r if isinstance(r, tuple) else (599, r) for r in race(ATTEMPTS, attempt)]

    counts = Counter(status for status, _ in results)
    assert counts[201] == 1, results
    assert counts[409] == ATTEMPTS - 1, results
    assert all(status < 500 for status, _ in results), results
    assert {code for status, code in results if status == 409} <= {
        "slot_unavailable",
        "lock_timeout",
    }
    assert Booking.objects.count() == 1
    assert Reservation.objects.filter(asset=asset, status=ReservationStatus.ACTIVE).count() == 1
