"""POST /api/v1/bookings/{ref}/change as a client sees it: preview, change, pay the
difference, and the refusals (each a clear 4xx with a code, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.models import Booking, BookingChange
from midas.payments.selectors import ledger_totals
from tests.bookings.test_api import Api
from tests.factories import NOW, make_driver, make_paid_booking, outbox
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    return pin_now(monkeypatch, NOW)


def url(booking: Booking) -> str:
    return f"/api/v1/bookings/{booking.reference}/change"


def local(instant: dt.datetime) -> str:
    """The form the customer types: the location's wall-clock time (Miami here)."""
    return instant.astimezone(dt.timezone(dt.timedelta(hours=-5))).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def booking():
    return make_paid_booking(days_ahead=10, length_days=3)


@pytest.fixture
def api(client, booking):
    return Api(client, booking.customer)


def test_a_preview_shows_the_new_quote_and_changes_nothing(api, booking):
    body = {"start": local(booking.start), "end": local(booking.end + DAY), "preview": True}
    response = api.post(url(booking), body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "preview"
    quote = data["quote"]
    assert quote["old_total"] == booking.total_minor
    assert quote["difference"] == quote["new_total"] - quote["old_total"] > 0
    assert quote["charge"] == quote["difference"]
    assert sum(line["amount"] for line in quote["lines"]) == quote["new_total"]
    assert quote["end"] == (booking.end + DAY).isoformat()
    assert any("72 hours" in line for line in quote["policy"])
    assert Booking.objects.get(pk=booking.pk).end == booking.end
    assert not BookingChange.objects.exists()


def test_a_cheaper_change_is_made_and_refunded(api, booking):
    body = {"start": local(booking.start), "end": local(booking.end - DAY)}
    response = api.post(url(booking), body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "changed"
    assert data["booking"]["end"] == (booking.end - DAY).isoformat()
    assert data["booking"]["payments"]["refunded"] == -data["quote"]["difference"] > 0
    assert outbox(template="booking_changed")


def test_a_dearer_change_pays_the_difference(api, booking):
    body = {"start": local(booking.start), "end": local(booking.end + DAY), "preview": True}
    difference = api.post(url(booking), body).json()["quote"]["difference"]
    body = {
        "start": local(booking.start),
        "end": local(booking.end + DAY),
        "expected_difference": difference,
        "card_number": "4242 4242 4242 4242",
    }
    response = api.post(url(booking), body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "changed"
    assert data["booking"]["payments"]["paid"] == booking.total_minor + difference
    assert data["booking"]["total"] == booking.total_minor + difference
    assert ledger_totals(booking).net_paid == booking.total_minor + difference


def test_a_dearer_change_with_a_declined_card_is_402_and_keeps_the_dates(api, booking):
    body = {
        "start": local(booking.start),
        "end": local(booking.end + DAY),
        "card_number": "4000000000000002",
    }
    response = api.post(url(booking), body)
    assert response.status_code == 402
    assert response.json()["code"] == "payment_declined"
    assert Booking.objects.get(pk=booking.pk).end == booking.end


def test_authentication_is_202_with_where_to_go(api, booking):
    body = {
        "start": local(booking.start),
        "end": local(booking.end + DAY),
        "card_number": "4000002500003155",
    }
    response = api.post(url(booking), body)
    assert response.status_code == 202
    assert "/pay/challenge/" in response.json()["action_url"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"start": "2026-12-01T10:00", "end": "2026-12-03T10:00"}, 422, "start_in_past"),
        ({"start": "2027-01-20T10:00", "end": "2027-01-19T10:00"}, 422, "invalid_range"),
        (
            {"start": "2027-01-20T10:00", "end": "2027-01-22T10:00", "guests": 3},
            422,
            "over_capacity",
        ),
        ({"start": "2027-01-20T10:00", "end": "2027-01-24T10:00"}, 400, "invalid_input"),
        (
            {"start": "2027-01-20T10:00", "end": "2027-01-22T10:00", "expected_difference": 5},
            409,
            "price_changed",
        ),
        ({"start": "tomorrow", "end": "2027-01-22T10:00"}, 400, None),
    ],
)
def test_bad_input_is_a_clear_4xx_with_nothing_written(api, booking, change, status, code):
    response = api.post(url(booking), change)
    assert response.status_code == status, response.json()
    if code:
        assert response.json()["code"] == code
    assert Booking.objects.get(pk=booking.pk).end == booking.end
    assert not BookingChange.objects.exists()


def test_taken_dates_are_409_slot_unavailable(api, booking):
    make_paid_booking(asset=booking.asset, days_ahead=20)
    start = booking.start + 10 * DAY
    response = api.post(url(booking), {"start": local(start), "end": local(start + DAY)})
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"


def test_inside_the_policy_window_is_409_change_not_allowed(api, booking, pinned):
    pinned.set(booking.start - dt.timedelta(hours=48))
    start = booking.start + DAY
    response = api.post(url(booking), {"start": local(start), "end": local(start + DAY)})
    assert response.status_code == 409
    assert response.json()["code"] == "change_not_allowed"
    assert "72 hours" in response.json()["message"]


def test_someone_elses_booking_is_404(client, booking):
    stranger = Api(client, make_driver())
    start = booking.start + DAY
    response = stranger.post(url(booking), {"start": local(start), "end": local(start + DAY)})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not BookingChange.objects.exists()


def test_without_a_token_is_401(client, booking):
    response = client.post(url(booking), {}, content_type="application/json")
    assert response.status_code == 401
