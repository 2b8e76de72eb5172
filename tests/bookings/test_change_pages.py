"""The customer's "Change dates" pages as a person sees them: the link, the form, the
preview with the new total and the difference, the confirmation (and payment), refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.models import Booking, BookingChange
from midas.payments.selectors import ledger_totals
from tests.factories import NOW, make_driver, make_paid_booking, outbox
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    return pin_now(monkeypatch, NOW)


@pytest.fixture
def booking():
    return make_paid_booking(days_ahead=10, length_days=3)  # Thu 14 Jan 2027, 07:00 Miami


@pytest.fixture
def signed_in(client, booking):
    client.force_login(booking.customer)
    return client


def url(booking: Booking) -> str:
    return f"/bookings/{booking.reference}/change/"


def test_the_booking_page_offers_the_change(signed_in, booking):
    page = signed_in.get(f"/bookings/{booking.reference}/")
    assert url(booking) in page.content.decode()
    form = signed_in.get(url(booking))
    text = form.content.decode()
    assert form.status_code == 200
    assert 'value="2027-01-14T07:00"' in text  # the booking's start, in Miami's time
    assert "until 72 hours before the start" in text
    assert "America/New_York" in text
    assert '<label for="id_guests">People</label>' in text  # a car's seats


def test_preview_then_confirm_a_cheaper_period(signed_in, booking):
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-16T07:00"}
    preview = signed_in.post(url(booking), {"step": "preview", **dates})
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "Your new booking" in text and "Refund to your card" in text
    assert Booking.objects.get(pk=booking.pk).end == booking.end  # nothing yet
    difference = text.split('name="expected_difference" value="')[1].split('"')[0]
    done = signed_in.post(
        url(booking), {"step": "confirm", "expected_difference": difference, **dates}, follow=True
    )
    assert done.redirect_chain[-1][0] == f"/bookings/{booking.reference}/"
    page = done.content.decode()
    assert "is changed" in page and "on its way back to your card" in page
    assert (
        "Dates changed" in page and "Now Thu 14 Jan 2027, 07:00 to Sat 16 Jan 2027, 07:00" in page
    )
    changed = Booking.objects.get(pk=booking.pk)
    assert changed.end == booking.end - DAY
    assert ledger_totals(changed).net_paid == changed.total_minor
    assert outbox(template="booking_changed")


def test_a_dearer_period_asks_for_the_card_and_charges_the_difference(signed_in, booking):
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-18T07:00"}
    preview = signed_in.post(url(booking), {"step": "preview", **dates})
    text = preview.content.decode()
    assert "To pay now" in text and 'name="card_number"' in text
    difference = int(text.split('name="expected_difference" value="')[1].split('"')[0])
    assert difference > 0
    card = {"card_number": "4242 4242 4242 4242", "expiry": "12 / 30", "cvc": "123"}
    done = signed_in.post(
        url(booking),
        {"step": "confirm", "expected_difference": difference, **dates, **card},
        follow=True,
    )
    assert "was charged to your card" in done.content.decode()
    changed = Booking.objects.get(pk=booking.pk)
    assert changed.end == booking.end + DAY
    totals = ledger_totals(changed)
    assert totals.paid == booking.total_minor + difference == changed.total_minor


def test_a_declined_card_shows_why_and_keeps_the_dates(signed_in, booking):
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-18T07:00"}
    preview = signed_in.post(url(booking), {"step": "preview", **dates}).content.decode()
    difference = preview.split('name="expected_difference" value="')[1].split('"')[0]
    card = {"card_number": "4000 0000 0000 0002", "expiry": "12 / 30", "cvc": "123"}
    response = signed_in.post(
        url(booking), {"step": "confirm", "expected_difference": difference, **dates, **card}
    )
    assert response.status_code == 402
    assert "declined" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).end == booking.end


def test_a_price_moved_since_the_preview_is_shown_again(signed_in, booking):
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-16T07:00"}
    response = signed_in.post(url(booking), {"step": "confirm", "expected_difference": 1, **dates})
    assert response.status_code == 409
    assert "price has changed" in response.content.decode()
    assert not BookingChange.objects.exists()


@pytest.mark.parametrize(
    ("dates", "status", "words"),
    [
        ({"start": "2026-12-01T07:00", "end": "2026-12-03T07:00"}, 422, "in the past"),
        ({"start": "2027-01-14T07:00", "end": "2027-01-17T07:00"}, 400, "dates already"),
        ({"start": "someday", "end": "2027-01-17T07:00"}, 400, "New start"),
    ],
)
def test_bad_dates_are_explained_and_nothing_changes(signed_in, booking, dates, status, words):
    response = signed_in.post(url(booking), {"step": "preview", **dates})
    assert response.status_code == status
    assert words in response.content.decode()
    assert not BookingChange.objects.exists()


def test_taken_dates_are_explained(signed_in, booking):
    make_paid_booking(asset=booking.asset, days_ahead=20)
    dates = {"start": "2027-01-24T07:00", "end": "2027-01-25T07:00"}
    response = signed_in.post(url(booking), {"step": "preview", **dates})
    # the preview does not hold the dates; the confirmation finds them taken
    difference = response.content.decode().split('name="expected_difference" value="')[1]
    difference = difference.split('"')[0]
    response = signed_in.post(
        url(booking), {"step": "confirm", "expected_difference": difference, **dates}
    )
    assert response.status_code == 409
    assert "not available for those dates" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).start == booking.start


def test_inside_the_policy_window_the_page_says_so(signed_in, booking, pinned):
    pinned.set(booking.start - dt.timedelta(hours=30))
    detail = signed_in.get(f"/bookings/{booking.reference}/").content.decode()
    assert url(booking) not in detail
    response = signed_in.get(url(booking), follow=True)
    assert "cannot be changed online" in response.content.decode()


def test_someone_elses_booking_is_404(client, booking):
    client.force_login(make_driver())
    assert client.get(url(booking)).status_code == 404
    assert client.post(url(booking), {"step": "preview"}).status_code == 404


def test_signed_out_goes_to_sign_in(client, booking):
    response = client.get(url(booking))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_difference_confirmed_with_the_bank_comes_back_to_the_booking(signed_in, booking):
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-18T07:00"}
    preview = signed_in.post(url(booking), {"step": "preview", **dates}).content.decode()
    difference = preview.split('name="expected_difference" value="')[1].split('"')[0]
    card = {"card_number": "4000 0025 0000 3155", "expiry": "12 / 30", "cvc": "123"}
    asked = signed_in.post(
        url(booking), {"step": "confirm", "expected_difference": difference, **dates, **card}
    )
    assert asked.status_code == 302 and "/pay/challenge/" in asked["Location"]
    assert Booking.objects.get(pk=booking.pk).end == booking.end  # not before it is paid
    challenge = signed_in.get(asked["Location"])
    assert challenge.status_code == 200
    done = signed_in.post(asked["Location"] + "answer/", {"answer": "approve"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/bookings/{booking.reference}/"
    assert f"Booking {booking.reference} is changed." in done.content.decode()
    assert Booking.objects.get(pk=booking.pk).end == booking.end + DAY


def test_the_booking_page_tells_a_paid_change_that_lost_its_dates(signed_in, booking):
    from midas.bookings.services import booking_change
    from midas.payments.models import Payment
    from midas.payments.services import payment_complete_challenge

    start = booking.start + 10 * DAY
    outcome = booking_change(
        booking=booking,
        start=start,
        end=start + 4 * DAY,  # dearer: paid first
        by=booking.customer,
        payment_method="4000002500003155",
        now=NOW,
    )
    make_paid_booking(asset=booking.asset, days_ahead=21, length_days=1)
    charge = Payment.objects.get(
        idempotency_key=f"booking:{booking.reference}:change:{outcome.change.pk}:charge:1"
    )
    assert outcome.status == "requires_action"
    payment_complete_challenge(payment=charge, approve=True, now=NOW)
    page = signed_in.get(f"/bookings/{booking.reference}/").content.decode()
    assert "Change not made" in page and "the difference is refunded" in page
    assert "Dates changed" not in page


def test_live_mode_pays_the_difference_with_the_payment_element(
    signed_in, booking, settings, monkeypatch
):
    from midas.bookings.views import change as views
    from midas.errors import AppError, ErrorCode

    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_123"
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-18T07:00"}
    html = signed_in.post(url(booking), {"step": "preview", **dates}).content.decode()
    assert 'data-publishable-key="pk_test_123"' in html
    assert 'id="stripe-elements-options"' in html and "https://js.stripe.com/" in html
    assert 'name="card_number"' not in html and "TEST MODE" not in html
    difference = html.split('name="expected_difference" value="')[1].split('"')[0]
    assert f'"amount": {difference}' in html
    calls = []

    def fake_change(**kwargs):
        calls.append(kwargs)
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, "Stripe is not reachable")

    monkeypatch.setattr(views, "booking_change", fake_change)
    confirm = {"step": "confirm", "expected_difference": difference, **dates}
    refused = signed_in.post(url(booking), {**confirm, "card_number": "4242424242424242"})
    assert refused.status_code == 400 and calls == []  # a card number is never passed on
    response = signed_in.post(url(booking), {**confirm, "payment_method": "pm_1Abc"})
    assert response.status_code == 502 and "Stripe is not reachable" in response.content.decode()
    assert [c["payment_method"] for c in calls] == ["pm_1Abc"]
    assert Booking.objects.get(pk=booking.pk).end == booking.end
