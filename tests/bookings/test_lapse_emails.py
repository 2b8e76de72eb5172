"""The e-mails of a hold or a request that runs out (issue 12, item 7): the customer whose
unpaid hold expired is told once, in the city's time, with a link that books the same dates
again; the concierge team is reminded once before an unanswered request lapses; the
customer is told once when it lapses. Each job run twice sends nothing more."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from midas.bookings import tasks
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.quoting import QuoteRequest, quote_for_page
from midas.bookings.services import booking_approve, booking_remind_approvals
from midas.catalog.selectors import served_locations
from midas.jobs.schedule import REGISTRY
from midas.notifications.models import OutboxMessage
from tests.factories import make_addon, make_asset, make_booking, make_city, make_staff
from tests.pinned import PinnedNow, pin_now

pytestmark = pytest.mark.django_db

# 09:30 in Dubai (UTC+4); in Washington the Sunday 14 March 2027 DST change lies ahead.
START = dt.datetime(2027, 3, 8, 5, 30, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch) -> PinnedNow:
    return pin_now(monkeypatch, START)


def sent(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template=template).order_by("id"))


def rebook_link(text: str) -> str:
    [link] = [word for word in text.split() if "#quote" in word]
    return link


# --- the hold that expired ------------------------------------------------------------------


def test_an_expired_hold_tells_the_customer_once_in_the_citys_time(clock):
    dubai = make_city("dubai")
    car = make_asset("cars", dubai, name="Bugatti Chiron")
    booking = make_booking(asset=car, now=clock(), days_ahead=5)
    assert booking.hold_expires_at == START + dt.timedelta(minutes=15)

    clock.advance(minutes=14)
    assert tasks.expire_holds.call() == 0
    assert sent("hold_expired") == []

    clock.advance(minutes=2)
    assert tasks.expire_holds.call() == 1
    assert tasks.expire_holds.call() == 0  # the job again: nothing more
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED

    [message] = sent("hold_expired")
    assert message.to == booking.customer.email
    assert message.dedupe_key == f"booking:{booking.reference}:expired"
    assert booking.reference in message.subject and "Bugatti Chiron" in message.subject
    # 05:45 UTC is 09:45 in Dubai; the start 5 days on at 09:00 Dubai (05:00 UTC, rounded)
    local_start = booking.start.astimezone(dubai.tz)
    for body in (message.body_text, message.body_html):
        assert "Mon 8 Mar 2027, 09:45 (Asia/Dubai)" in body
        assert f"{local_start:%a %-d %b %Y, %H:%M} (Asia/Dubai)" in body
        assert "05:45" not in body
        assert "Nothing was charged" in body
    link = rebook_link(message.body_text)
    assert f'href="{link.replace("&", "&amp;")}"' in message.body_html
    assert link.startswith(f"https://midas.example{car.get_absolute_url()}?start=")


def test_the_link_books_the_same_asset_for_the_same_local_dates(clock):
    dubai = make_city("dubai")
    car = make_asset("cars", dubai, name="Bugatti Chiron")
    make_addon("chauffeur", amounts={"AED": 150_000})
    booking = make_booking(asset=car, now=clock(), days_ahead=5, extras=["chauffeur"])
    clock.advance(minutes=20)
    tasks.expire_holds.call()
    link = rebook_link(sent("hold_expired")[0].body_text)

    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "https://midas.example"
    assert parts.path == car.get_absolute_url()
    assert parts.fragment == "quote"
    query = parse_qs(parts.query)
    local_start = booking.start.astimezone(dubai.tz)
    local_end = booking.end.astimezone(dubai.tz)
    assert query["start"] == [f"{local_start:%Y-%m-%dT%H:%M}"]
    assert query["end"] == [f"{local_end:%Y-%m-%dT%H:%M}"]
    assert query["extras"] == ["chauffeur"]
    assert "location" not in query  # its home city

    # the asset page's quote form, given the link's query, prices exactly the booking's range
    # again (the same call the page makes), and the slot is free now
    asked = QuoteRequest.from_query(QueryDict(parts.query))
    result = quote_for_page(car, asked, served_locations(car), clock())
    assert result.quote is not None and result.available is True
    assert (result.quote.start, result.quote.end) == (booking.start, booking.end)
    assert list(result.quote.extras) == ["chauffeur"]


def test_a_delivered_booking_across_the_dst_change_links_its_city_and_eastern_time(clock):
    washington = make_city("washington-dc")
    maryland = make_city("maryland")
    car = make_asset("cars", washington)
    car.delivery_locations.add(maryland)
    # starts Saturday 13 March 10:00 EST, ends Monday 15 March 10:00 EDT
    start = dt.datetime(2027, 3, 13, 15, 0, tzinfo=dt.UTC)
    from midas.bookings.services import booking_create
    from tests.factories import make_driver

    booking = booking_create(
        customer=make_driver(),
        asset=car,
        start=start,
        end=dt.datetime(2027, 3, 15, 14, 0, tzinfo=dt.UTC),
        location=maryland,
        now=clock(),
    )
    clock.advance(minutes=30)
    tasks.expire_holds.call()
    [message] = sent("hold_expired")
    assert "Sat 13 Mar 2027, 10:00 (America/New_York)" in message.body_text
    assert "Mon 15 Mar 2027, 10:00 (America/New_York)" in message.body_text
    # the hold ran out at 05:45 UTC: 00:45 EST
    assert "Mon 8 Mar 2027, 00:45 (America/New_York)" in message.body_text
    query = parse_qs(urlsplit(rebook_link(message.body_text)).query)
    assert query["start"] == ["2027-03-13T10:00"] and query["end"] == ["2027-03-15T10:00"]
    assert query["location"] == ["maryland"]
    assert booking.reference in message.subject


def test_a_hold_paid_in_time_or_cancelled_sends_no_expiry_email(clock):
    from midas.payments.services import payment_pay_booking

    booking = make_booking(now=clock(), days_ahead=5)
    payment_pay_booking(booking=booking, payment_method="4242424242424242", now=clock())
    clock.advance(hours=1)
    assert tasks.expire_holds.call() == 0
    assert sent("hold_expired") == []


# --- the request that waits for staff -------------------------------------------------------


def request(clock: PinnedNow, **kwargs: object) -> Booking:
    jet = make_asset("jets", make_city("dubai"), name="Gulfstream G650", booking_mode="request")
    booking = make_booking(asset=jet, now=clock(), days_ahead=30, **kwargs)
    assert booking.status == BookingStatus.REQUESTED
    return booking


def test_staff_are_reminded_once_before_a_request_lapses(clock, settings):
    settings.BOOKING_APPROVAL_REMINDER_MINUTES = 120
    booking = request(clock)
    assert booking.hold_expires_at == START + dt.timedelta(hours=24)

    clock.advance(hours=21, minutes=59)  # 2 h 1 min left
    assert tasks.remind_approvals.call() == 0
    assert sent("staff_approval_reminder") == []

    clock.advance(minutes=2)  # 1 h 59 min left
    assert tasks.remind_approvals.call() == 1
    clock.advance(minutes=5)
    tasks.remind_approvals.call()  # the job's next run: still one message

    [message] = sent("staff_approval_reminder")
    assert message.to == settings.CONCIERGE_EMAIL
    assert message.dedupe_key == f"booking:{booking.reference}:staff:approval_reminder"
    # lapses 05:30 UTC the next day: 09:30 in Dubai
    assert "Tue 9 Mar 2027, 09:30 (Asia/Dubai)" in message.subject
    for body in (message.body_text, message.body_html):
        assert "1 h 59 min" in body
        assert "Tue 9 Mar 2027, 09:30 (Asia/Dubai)" in body
        assert f"/admin/bookings/booking/{booking.pk}/change/" in body
        assert "Gulfstream G650" in body


def test_no_reminder_once_answered_or_when_switched_off(clock, settings):
    approved = request(clock)
    booking_approve(booking=approved, by=make_staff())
    clock.advance(hours=23)
    assert booking_remind_approvals(now=clock()) == 0

    settings.BOOKING_APPROVAL_REMINDER_MINUTES = 0
    other = request(clock)
    assert other.hold_expires_at is not None
    assert booking_remind_approvals(now=other.hold_expires_at - dt.timedelta(minutes=5)) == 0
    assert sent("staff_approval_reminder") == []


def test_a_request_made_with_less_time_left_than_the_lead_is_not_reminded(clock, settings):
    settings.REQUEST_HOLD_HOURS = 1
    settings.BOOKING_APPROVAL_REMINDER_MINUTES = 120
    request(clock)
    assert tasks.remind_approvals.call() == 0
    assert sent("staff_approval_reminder") == []


def test_the_customer_is_told_once_when_a_request_lapses_with_a_link_to_ask_again(clock):
    booking = request(clock)
    clock.advance(hours=24)
    assert tasks.expire_holds.call() == 1
    assert tasks.expire_holds.call() == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED

    [message] = sent("request_declined")
    assert message.to == booking.customer.email
    assert message.dedupe_key == f"booking:{booking.reference}:declined"
    assert "could not confirm your request in time" in message.body_text
    assert sent("hold_expired") == []  # a lapsed request is not "your hold expired"
    query = parse_qs(urlsplit(rebook_link(message.body_text)).query)
    local_start = booking.start.astimezone(booking.location.tz)
    assert query["start"] == [f"{local_start:%Y-%m-%dT%H:%M}"]
    assert "Request these dates again" in message.body_html


def test_a_request_declined_by_staff_offers_the_collection_not_the_same_dates(clock):
    from midas.bookings.services import booking_decline

    booking = request(clock)
    booking_decline(booking=booking, by=make_staff(), reason="The aircraft is in maintenance.")
    [message] = sent("request_declined")
    assert "#quote" not in message.body_text
    assert "/collection/" in message.body_text


def test_the_reminder_job_is_scheduled():
    entry = REGISTRY["remind_approvals"]
    assert entry.every == dt.timedelta(minutes=5)
    assert entry.task.module_path == "midas.bookings.tasks.remind_approvals"
