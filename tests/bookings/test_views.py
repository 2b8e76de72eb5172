"""The customer's booking pages, through the test client against the real services: checkout,
payment (sandbox cards, decline, challenge), confirmation, my bookings, one booking, cancel;
object-level access (another customer's booking is a 404) and CSRF on every form."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from midas.bookings.models import Booking, BookingStatus, ReservationStatus
from midas.bookings.policies import cancellation_preview
from midas.bookings.services import booking_approve, booking_cancel
from midas.errors import AppError, ErrorCode
from midas.money import format_money
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from tests.factories import make_asset, make_booking, make_city, make_driver, make_staff

pytestmark = pytest.mark.django_db

VISA, DECLINED, THREE_DS = "4242424242424242", "4000000000000002", "4000002500003155"
CARD = {"expiry": "12 / 34", "cvc": "123"}


@pytest.fixture
def city():
    return make_city("washington-dc")


@pytest.fixture
def car(city):
    return make_asset("cars", city, name="Aston Martin DB12", base_rate_minor=150_000)


@pytest.fixture
def customer():
    return make_driver(email="ada@example.com")


@pytest.fixture
def signed_in(client: Client, customer) -> Client:
    client.force_login(customer)
    return client


def local_times(asset, days_ahead: int = 20, days: int = 2) -> tuple[str, str]:
    """Start and end as the quote form writes them: local wall-clock times."""
    day = timezone.now().astimezone(asset.home_location.tz).date() + dt.timedelta(days=days_ahead)
    return f"{day:%Y-%m-%d}T10:00", f"{day + dt.timedelta(days=days):%Y-%m-%d}T10:00"


def checkout_url(asset, **query: str) -> str:
    start, end = local_times(asset)
    query = {"start": start, "end": end, **query}
    return (
        reverse("bookings:checkout", args=[asset.slug])
        + "?"
        + "&".join(f"{k}={v}" for k, v in query.items())
    )


def book(client: Client, asset, key: str = "web-test-key-1", **extra: str):
    start, end = local_times(asset)
    data = {"start": start, "end": end, "idempotency_key": key, "accept_terms": "yes", **extra}
    return client.post(reverse("bookings:checkout", args=[asset.slug]), data)


def held(customer, asset, **kwargs) -> Booking:
    return make_booking(customer=customer, asset=asset, now=timezone.now(), **kwargs)


def pay(client: Client, booking: Booking, number: str):
    return client.post(
        reverse("bookings:pay", args=[booking.reference]), {"card_number": number, **CARD}
    )


# --- The asset page's Book button ----------------------------------------------------------


def test_the_asset_page_quote_offers_book_now_to_the_checkout(client, car):
    start, end = local_times(car)
    html = client.get(car.get_absolute_url(), {"start": start, "end": end}).content.decode()
    form = html.split("data-book")[1].split("</form>")[0]
    assert f'action="/bookings/checkout/{car.slug}/"' in html
    assert f'value="{start}"' in form and f'value="{end}"' in form
    assert "Book now" in form
    # a GET form: the public (cached) asset page carries no CSRF token
    assert 'method="get" action="/bookings/checkout/' in html
    assert "csrfmiddlewaretoken" not in html


def test_request_to_book_assets_say_request_to_book(client, city):
    jet = make_asset("jets", city, booking_mode="request")
    start, end = local_times(jet)
    html = client.get(jet.get_absolute_url(), {"start": start, "end": end}).content.decode()
    assert "Request to book</button>" in html


# --- Checkout --------------------------------------------------------------------------------


def test_checkout_asks_to_sign_in_and_comes_back_with_the_dates(client, car):
    url = checkout_url(car)
    response = client.get(url)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("accounts:login")
    [back] = parse_qs(target.query)["next"]
    assert urlsplit(back).path == urlsplit(url).path
    assert parse_qs(urlsplit(back).query) == parse_qs(urlsplit(url).query)


def test_checkout_shows_every_line_the_policy_and_a_confirm_button(signed_in, car):
    response = signed_in.get(checkout_url(car))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rental" in html and "Service fee" in html and "Tax" in html
    booking_total = re.search(r'<tr class="line-total"><th scope="row">Total</th><td>([^<]+)', html)
    assert booking_total and booking_total.group(1).startswith("USD ")
    assert "Cancellation policy" in html and "Full refund 72 hours or more" in html
    assert "csrfmiddlewaretoken" in html
    assert re.search(r'name="idempotency_key" value="web-[\w-]+"', html)
    assert "Confirm and pay" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_checkout_refuses_with_the_reason_when_not_eligible(client, car):
    unlicensed = make_driver(licence_number="", licence_country="", licence_expiry=None)
    client.force_login(unlicensed)
    html = client.get(checkout_url(car)).content.decode()
    assert "We cannot book this for you yet." in html
    assert "driving licence" in html
    assert "Confirm and pay" not in html
    response = book(client, car)
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_confirming_holds_the_slot_and_goes_to_payment(signed_in, car, customer):
    response = book(signed_in, car)
    booking = Booking.objects.get()
    assert booking.customer == customer and booking.status == BookingStatus.HELD
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:pay", args=[booking.reference])
    assert booking.reservation.status == ReservationStatus.ACTIVE


def test_a_double_submit_books_once(signed_in, car):
    first = book(signed_in, car, key="web-same")
    second = book(signed_in, car, key="web-same")
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1


def test_a_taken_slot_is_explained_not_booked(signed_in, car):
    held(make_driver(), car, days_ahead=(local_days_ahead := 20))
    start, end = local_times(car, days_ahead=local_days_ahead)
    response = signed_in.post(
        reverse("bookings:checkout", args=[car.slug]),
        {"start": start, "end": end, "idempotency_key": "web-k", "accept_terms": "yes"},
    )
    assert response.status_code in (200, 409)
    assert "Already booked for part of these times" in response.content.decode()
    assert Booking.objects.count() == 1


def test_bad_dates_are_explained(signed_in, car):
    response = signed_in.get(
        reverse("bookings:checkout", args=[car.slug]), {"start": "2020-01-01T10:00", "end": "x"}
    )
    assert response.status_code == 200
    assert "We could not price that." in response.content.decode()
    assert "Confirm and pay" not in response.content.decode()


def test_request_to_book_sends_a_request(client, city):
    jet = make_asset("jets", city, booking_mode="request")
    client.force_login(make_driver())
    response = book(client, jet)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.REQUESTED
    assert response["Location"] == reverse("bookings:requested", args=[booking.reference])
    html = client.get(response["Location"]).content.decode()
    assert "Your request is sent" in html and booking.reference in html
    assert "Nothing is charged" in html


def test_checkout_post_needs_csrf(car, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert book(client, car).status_code == 403
    assert not Booking.objects.exists()


# --- Payment ---------------------------------------------------------------------------------


def test_the_payment_page_says_test_mode_and_shows_the_hold(signed_in, car, customer):
    booking = held(customer, car)
    html = signed_in.get(reverse("bookings:pay", args=[booking.reference])).content.decode()
    assert "TEST MODE — no real money" in html
    assert "Held for you until" in html and "minutes left" in html
    assert 'name="card_number"' in html and "csrfmiddlewaretoken" in html
    assert format_money(booking.total_minor, booking.currency) in html
    assert "4242 4242 4242 4242" in html  # the test cards are listed


def test_paying_with_4242_confirms_and_shows_the_receipt(signed_in, car, customer):
    booking = held(customer, car)
    response = pay(signed_in, booking, VISA)
    assert response["Location"] == reverse("bookings:confirmation", args=[booking.reference])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    html = signed_in.get(response["Location"]).content.decode()
    assert "Your booking is confirmed" in html and booking.reference in html
    for line in booking.quote_lines:
        assert line["label"] in html
    assert f"/bookings/{booking.reference}/calendar.ics" in html
    assert OutboxMessage.objects.filter(template="booking_confirmed", to=customer.email).exists()
    ics = signed_in.get(reverse("bookings:calendar", args=[booking.reference]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert f"UID:{booking.reference}@" in ics.content.decode()


def test_a_declined_card_keeps_the_booking_held(signed_in, car, customer):
    booking = held(customer, car)
    response = pay(signed_in, booking, DECLINED)
    assert response["Location"] == reverse("bookings:pay", args=[booking.reference])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
    assert booking.reservation.status == ReservationStatus.ACTIVE
    html = signed_in.get(response["Location"]).content.decode()
    assert "Your payment did not go through." in html
    assert "Your card was declined." in html
    assert "minutes left" in html
    assert DECLINED not in html


def test_the_card_number_is_never_written_back(signed_in, car, customer):
    booking = held(customer, car)
    response = signed_in.post(
        reverse("bookings:pay", args=[booking.reference]),
        {"card_number": VISA, "expiry": "01 / 20", "cvc": "123"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This card has expired." in html
    assert VISA not in html
    assert not Payment.objects.exists()


@pytest.mark.parametrize(("answer", "confirmed"), [("approve", True), ("fail", False)])
def test_the_challenge_card_goes_through_the_local_bank_page(
    signed_in, car, customer, answer, confirmed
):
    booking = held(customer, car)
    response = pay(signed_in, booking, THREE_DS)
    payment = Payment.objects.get(kind=PaymentKind.CHARGE)
    challenge = reverse("bookings:challenge", args=[booking.reference, payment.pk])
    assert response["Location"] == challenge
    html = signed_in.get(challenge).content.decode()
    assert "TEST MODE — no real money" in html
    assert ">Approve</button>" in html and ">Fail</button>" in html
    answered = signed_in.post(
        reverse("bookings:challenge_answer", args=[booking.reference, payment.pk]),
        {"answer": answer},
    )
    booking.refresh_from_db()
    if confirmed:
        assert booking.status == BookingStatus.CONFIRMED
        assert answered["Location"] == reverse("bookings:confirmation", args=[booking.reference])
    else:
        assert booking.status == BookingStatus.HELD
        assert answered["Location"] == reverse("bookings:pay", args=[booking.reference])
        html = signed_in.get(answered["Location"]).content.decode()
        assert "unable to authenticate" in html


def test_a_paid_booking_has_nothing_to_pay(signed_in, car, customer):
    booking = held(customer, car)
    pay(signed_in, booking, VISA)
    response = signed_in.get(reverse("bookings:pay", args=[booking.reference]))
    assert response["Location"] == reverse("bookings:confirmation", args=[booking.reference])


def test_a_request_is_paid_once_approved(client, city):
    jet = make_asset("jets", city, booking_mode="request")
    customer = make_driver()
    client.force_login(customer)
    booking = held(customer, jet)
    pay_url = reverse("bookings:pay", args=[booking.reference])
    assert client.get(pay_url)["Location"] == reverse("bookings:detail", args=[booking.reference])
    booking_approve(booking=booking, by=make_staff())
    assert client.get(pay_url).status_code == 200


# --- My bookings, one booking ---------------------------------------------------------------


def test_my_bookings_lists_mine_with_their_status(signed_in, car, customer, city):
    mine = held(customer, car)
    other = held(make_driver(), make_asset("cars", city))
    html = signed_in.get(reverse("bookings:list")).content.decode()
    assert mine.reference in html and other.reference not in html
    assert '<span class="status status-held">Held, awaiting payment</span>' in html


def test_my_bookings_when_there_are_none(signed_in):
    html = signed_in.get(reverse("bookings:list")).content.decode()
    assert "No bookings yet" in html


def test_the_booking_page_tells_its_story_and_its_money(signed_in, car, customer):
    booking = held(customer, car)
    pay(signed_in, booking, DECLINED)
    pay(signed_in, booking, VISA)
    html = signed_in.get(reverse("bookings:detail", args=[booking.reference])).content.decode()
    history = html.split('class="timeline"')[1]
    story = ["Booked and held", "Payment declined", "Paid USD", "Confirmed"]
    positions = [history.index(step) for step in story]
    assert positions == sorted(positions), story
    assert f"Paid {format_money(booking.total_minor, booking.currency)}" in history
    money = html.split('class="specs money-table"')[1].split("</table>")[0]
    assert '<th scope="row">Paid</th>' in money
    assert "Cancel this booking" in html
    assert "Add to calendar (.ics)" in html


@pytest.mark.parametrize(
    "name", ["detail", "pay", "cancel", "confirmation", "requested", "calendar"]
)
def test_another_customers_booking_is_a_404(signed_in, car, name):
    theirs = held(make_driver(), car)
    response = signed_in.get(reverse(f"bookings:{name}", args=[theirs.reference]))
    assert response.status_code == 404
    missing = signed_in.get(reverse(f"bookings:{name}", args=["MID-ZZZZZZ"]))
    assert missing.status_code == 404


def test_another_customers_booking_cannot_be_paid_or_cancelled(signed_in, car):
    theirs = held(make_driver(), car)
    assert pay(signed_in, theirs, VISA).status_code == 404
    cancel = reverse("bookings:cancel", args=[theirs.reference])
    assert signed_in.post(cancel, {"refund_minor": "0"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.HELD
    assert not Payment.objects.exists()


def test_another_customers_challenge_is_a_404(client, car):
    owner = make_driver()
    booking = held(owner, car)
    client.force_login(owner)
    pay(client, booking, THREE_DS)
    payment = Payment.objects.get()
    client.force_login(make_driver())
    url = reverse("bookings:challenge", args=[booking.reference, payment.pk])
    assert client.get(url).status_code == 404
    answer = reverse("bookings:challenge_answer", args=[booking.reference, payment.pk])
    assert client.post(answer, {"answer": "approve"}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REQUIRES_ACTION


@pytest.mark.parametrize("name", ["list", "detail", "pay", "cancel"])
def test_pages_ask_to_sign_in(client, car, name):
    booking = held(make_driver(), car)
    url = (
        reverse("bookings:list")
        if name == "list"
        else reverse(f"bookings:{name}", args=[booking.reference])
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


# --- Cancelling ------------------------------------------------------------------------------


def test_cancel_shows_the_server_refund_before_confirming(signed_in, car, customer):
    booking = held(customer, car)
    pay(signed_in, booking, VISA)
    booking.refresh_from_db()
    url = reverse("bookings:cancel", args=[booking.reference])
    html = signed_in.get(url).content.decode()
    preview = cancellation_preview(booking=booking, now=timezone.now())
    assert preview.refund_minor == booking.total_minor  # 20 days ahead: in full
    assert preview.refund_display in html
    assert preview.explanation in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED  # looking changes nothing
    response = signed_in.post(url, {"refund_minor": str(preview.refund_minor), "reason": "Plans"})
    assert response["Location"] == reverse("bookings:detail", args=[booking.reference])
    booking.refresh_from_db()
    assert booking.status in (BookingStatus.CANCELLED, BookingStatus.REFUNDED)
    assert booking.refund_minor == preview.refund_minor
    assert booking.cancellation_reason == "Plans"
    assert booking.reservation.status == ReservationStatus.RELEASED
    html = signed_in.get(response["Location"]).content.decode()
    assert "is on its way back to your card" in html


def test_cancel_refuses_a_refund_figure_that_has_changed(signed_in, car, customer):
    booking = held(customer, car)
    pay(signed_in, booking, VISA)
    url = reverse("bookings:cancel", args=[booking.reference])
    response = signed_in.post(url, {"refund_minor": "1"})
    assert response.status_code == 409
    assert "The refund has changed" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_held_booking_is_cancelled_without_a_refund(signed_in, car, customer):
    booking = held(customer, car)
    url = reverse("bookings:cancel", args=[booking.reference])
    assert "Nothing to refund" in signed_in.get(url).content.decode()
    signed_in.post(url, {"refund_minor": "0"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_cancelled_booking_cannot_be_cancelled_again(signed_in, car, customer):
    booking = held(customer, car)
    booking_cancel(booking=booking, by=customer)
    response = signed_in.get(reverse("bookings:cancel", args=[booking.reference]))
    assert response["Location"] == reverse("bookings:detail", args=[booking.reference])
    html = signed_in.get(response["Location"]).content.decode()
    assert "can no longer be cancelled online" in html
    assert "Cancel this booking" not in html


def test_every_form_carries_a_csrf_token(signed_in, car, customer):
    booking = held(customer, car)
    for url in (
        checkout_url(car),
        reverse("bookings:pay", args=[booking.reference]),
        reverse("bookings:cancel", args=[booking.reference]),
    ):
        html = signed_in.get(url).content.decode()
        forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
        assert forms, url
        assert all("csrfmiddlewaretoken" in form for form in forms), url


# --- Live mode (Stripe): no test banner, no card form, only a pm_ id is accepted -------------


def test_live_mode_never_takes_a_card_number(signed_in, car, customer, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_PUBLISHABLE_KEY = ""
    booking = held(customer, car)
    html = signed_in.get(reverse("bookings:pay", args=[booking.reference])).content.decode()
    assert "TEST MODE" not in html and 'name="card_number"' not in html
    assert "js.stripe.com" not in html
    response = pay(signed_in, booking, VISA)
    assert response["Location"] == reverse("bookings:pay", args=[booking.reference])
    assert not Payment.objects.exists()


def test_live_mode_mounts_the_payment_element_and_posts_its_id(
    signed_in, car, customer, settings, monkeypatch
):
    from midas.bookings.views import payment as views

    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_123"
    booking = held(customer, car)
    html = signed_in.get(reverse("bookings:pay", args=[booking.reference])).content.decode()
    assert 'data-publishable-key="pk_test_123"' in html
    assert 'id="stripe-elements-options"' in html and '"setupFutureUsage": "off_session"' in html
    assert "https://js.stripe.com/" in html
    assert "TEST MODE" not in html and 'name="card_number"' not in html
    calls = []

    def fake_pay(**kwargs):
        calls.append(kwargs)
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, "Stripe is not reachable")

    monkeypatch.setattr(views, "payment_pay_booking", fake_pay)
    url = reverse("bookings:pay", args=[booking.reference])
    assert signed_in.post(url, {"card_number": VISA, **CARD}).status_code == 302
    assert calls == []  # a card number is never passed on
    response = signed_in.post(url, {"payment_method": "pm_1Abc"})
    assert response.status_code == 502 and "Stripe is not reachable" in response.content.decode()
    assert [c["payment_method"] for c in calls] == ["pm_1Abc"]
    assert calls[0]["return_url"] == f"https://midas.example{url}"


def test_my_bookings_takes_a_fixed_number_of_queries(
    signed_in, customer, city, django_assert_max_num_queries
):
    for _ in range(3):
        held(customer, make_asset("cars", city))
    # session, user, count, the page of bookings (with asset, category, city), footer x2
    with django_assert_max_num_queries(6):
        assert signed_in.get(reverse("bookings:list")).status_code == 200
    for _ in range(3):
        held(customer, make_asset("cars", city))
    with django_assert_max_num_queries(6):
        assert signed_in.get(reverse("bookings:list")).status_code == 200


def test_booking_from_the_page_is_rate_limited_like_the_api(signed_in, car, clock):
    for n in range(10):
        book(signed_in, car, key=f"web-{n}")  # one books; the rest find the slot taken
    response = book(signed_in, car, key="web-11")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Booking.objects.count() == 1
