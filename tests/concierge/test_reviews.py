"""Reviews: invited once when a booking is returned (behind the ``reviews`` flag), rated 1-5
with a comment, moderated by staff, shown with their average and schema.org AggregateRating
on the asset's page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from midas.bookings.services import booking_mark_picked_up, booking_mark_returned
from midas.concierge.models import Review, ReviewInvitation
from midas.concierge.selectors import rating_summary
from midas.concierge.services import review_invitations_send, review_moderate, review_submit
from midas.errors import AppError
from midas.flags.services import flag_write
from midas.web.page_cache import local_first
from tests.concierge.conftest import NOW
from tests.factories import make_asset, make_driver, make_paid_booking, outbox, templates_sent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def reviews_on():
    flag_write(key="reviews", state="on")


def returned(customer, staff, asset=None, *, days_ago: float = 1):
    start = NOW - dt.timedelta(days=days_ago + 3)
    booking = make_paid_booking(
        customer=customer, asset=asset, now=start - dt.timedelta(days=5), days_ahead=5
    )
    booking_mark_picked_up(booking=booking, by=staff, now=booking.start)
    return booking_mark_returned(booking=booking, by=staff, now=booking.end)


def test_a_returned_booking_is_invited_once(customer, staff, reviews_on, clock):
    booking = returned(customer, staff)
    assert review_invitations_send(now=NOW) == 1
    assert review_invitations_send(now=NOW) == 0  # once
    [invite] = outbox(template="review_invite")
    assert invite.to == customer.email
    assert reverse("concierge:review", args=[booking.reference]) in invite.body_text
    assert ReviewInvitation.objects.get().booking == booking


def test_no_invitation_while_the_flag_is_off_or_for_old_returns(customer, staff, clock):
    returned(customer, staff, days_ago=1)
    assert review_invitations_send(now=NOW) == 0  # reviews off by default
    flag_write(key="reviews", state="on")
    other = make_driver(email="old@example.com")
    returned(other, staff, days_ago=45)
    assert review_invitations_send(now=NOW) == 1  # only the recent one
    assert [m.to for m in outbox(template="review_invite")] == [customer.email]


def test_a_review_is_taken_once_moderated_and_averaged(customer, staff, reviews_on, clock):
    asset = make_asset()
    first = returned(customer, staff, asset)
    review = review_submit(booking=first, customer=customer, rating=5, comment="Sublime <3")
    assert review.status == "pending" and review.display_name == "Ada C."
    assert "staff_new_review" in templates_sent()
    assert rating_summary(asset).count == 0  # not before moderation
    with pytest.raises(AppError) as caught:
        review_submit(booking=first, customer=customer, rating=4)
    assert caught.value.code == "invalid_state"

    other = make_driver(email="bob@example.com", first_name="Bob", last_name="Stone")
    second = returned(other, staff, asset)
    review_submit(booking=second, customer=other, rating=4)
    review_moderate(review=review, by=staff, approve=True)
    review_moderate(review=Review.objects.get(booking=second), by=staff, approve=True)
    summary = rating_summary(asset)
    assert (summary.average, summary.count) == (4.5, 2)
    review_moderate(review=review, by=staff, approve=False)
    assert rating_summary(asset).count == 1


@pytest.mark.parametrize(("rating", "code"), [(0, "invalid_input"), (6, "invalid_input")])
def test_a_rating_outside_1_to_5_is_refused(customer, staff, reviews_on, rating, code):
    booking = returned(customer, staff)
    with pytest.raises(AppError) as caught:
        review_submit(booking=booking, customer=customer, rating=rating)
    assert caught.value.code == code and not Review.objects.exists()


def test_only_the_customer_reviews_and_only_after_the_return(customer, staff, reviews_on):
    booking = make_paid_booking(customer=customer)
    with pytest.raises(AppError) as caught:
        review_submit(booking=booking, customer=customer, rating=5)
    assert caught.value.code == "invalid_state"
    done = returned(customer, staff)
    stranger = make_driver(email="eve@example.com")
    with pytest.raises(AppError) as caught:
        review_submit(booking=done, customer=stranger, rating=1)
    assert caught.value.code == "not_found"
    with pytest.raises(AppError):
        review_moderate(
            review=review_submit(booking=done, customer=customer, rating=3),
            by=customer,
            approve=True,
        )


def test_the_review_page(client, customer, staff, reviews_on):
    booking = returned(customer, staff)
    url = reverse("concierge:review", args=[booking.reference])
    client.force_login(customer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"rating": "9"}).status_code == 400
    response = client.post(url, {"rating": "4", "comment": "Lovely car"})
    assert response.status_code == 200 and "Thank you for your review" in response.content.decode()
    assert Review.objects.get().rating == 4
    client.force_login(make_driver(email="eve@example.com"))
    assert client.get(url).status_code == 404


def test_the_review_page_is_closed_while_the_flag_is_off(client, customer, staff):
    booking = returned(customer, staff)
    client.force_login(customer)
    response = client.get(reverse("concierge:review", args=[booking.reference]))
    assert response.status_code == 503


def test_the_asset_page_shows_approved_reviews_and_aggregate_rating(
    client, customer, staff, reviews_on
):
    asset = make_asset()
    booking = returned(customer, staff, asset)
    review = review_submit(
        booking=booking,
        customer=customer,
        rating=5,
        comment="</script><script>alert(1)</script> & more",
    )
    page = client.get(asset.get_absolute_url()).content.decode()
    assert "application/ld+json" not in page  # nothing approved yet
    review_moderate(review=review, by=staff, approve=True)

    page = client.get(asset.get_absolute_url()).content.decode()  # the page cache renewed
    assert "5.0 out of 5" in page
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert "<" not in block and "&" not in block  # no way to close the element
    data = json.loads(block)
    assert data["@type"] == "Product" and data["name"] == asset.name
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "5.0",
        "reviewCount": 1,
        "bestRating": "5",
        "worstRating": "1",
    }
    assert data["review"][0]["reviewBody"] == "</script><script>alert(1)</script> & more"
    assert "&lt;/script&gt;" in page  # the visible comment is escaped

    flag_write(key="reviews", state="off")
    cache.clear()  # a flag does not move the catalogue version: drop the cached page
    local_first.clear()  # and this process's copy of it
    page = client.get(asset.get_absolute_url()).content.decode()
    assert "application/ld+json" not in page and "out of 5" not in page
