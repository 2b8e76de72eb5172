"""The concierge's pages in a real browser under the site's Content-Security-Policy: the
contact form sent by a person (the honeypot out of sight, the fill time kept), a customer's
conversation and the staff inbox, and an asset page with its reviews and the schema.org
JSON-LD data block (which the policy does not govern: no violation, and it parses)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from midas.bookings.services import booking_mark_picked_up, booking_mark_returned
from midas.concierge.models import Ticket
from midas.concierge.services import review_moderate, review_submit, ticket_answer
from midas.flags.services import flag_write
from tests.factories import PASSWORD, make_driver, make_paid_booking, make_staff
from tests.web.test_browser import browser, demo, expect  # noqa: F401  (fixtures)
from tests.web.test_browser_csp import watched  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def sign_in(page, user) -> None:
    page.visit("/account/login/")
    page.page.get_by_label("Email address").fill(user.email)
    page.page.get_by_label("Password").fill(PASSWORD)
    page.page.get_by_role("button", name="Sign in").click()
    page.page.wait_for_url(lambda url: "/account/login/" not in url)


@pytest.mark.django_db(transaction=True)
def test_a_visitor_writes_from_the_contact_page(watched, settings):  # noqa: F811
    settings.CONCIERGE_CONTACT_MIN_SECONDS = 1
    page = watched()
    page.visit("/contact/")
    expect(page.page.locator(".hp-field")).not_to_be_in_viewport()
    page.page.get_by_label("Name").fill("Bob Visitor")
    page.page.get_by_label("E-mail address").fill("bob@example.com")
    page.page.get_by_label("Subject").fill("A yacht for a wedding")
    page.page.get_by_label("Your message").fill("Sixty guests in June.")
    page.page.wait_for_timeout(1100)
    page.page.get_by_role("button", name="Send to the concierge").click()
    expect(page.page.get_by_role("status")).to_contain_text("your message is with your concierge")
    ticket = Ticket.objects.get()
    assert (ticket.email, ticket.subject) == ("bob@example.com", "A yacht for a wedding")
    page.check()


@pytest.mark.django_db(transaction=True)
def test_the_conversation_inbox_and_reviews_run_under_the_policy(watched, demo):  # noqa: F811
    from midas.catalog.models import Asset

    flag_write(key="reviews", state="on")
    staff = make_staff(email="grace@midas.example")
    customer = make_driver()
    asset = Asset.objects.active().filter(category__slug="cars", booking_mode="instant").first()
    now = timezone.now()
    booking = make_paid_booking(
        customer=customer, asset=asset, now=now - dt.timedelta(days=20), days_ahead=5
    )
    booking_mark_picked_up(booking=booking, by=staff, now=booking.start)
    booking = booking_mark_returned(booking=booking, by=staff, now=booking.end)
    review = review_submit(
        booking=booking, customer=customer, rating=4, comment="</script> & lovely"
    )
    review_moderate(review=review, by=staff, approve=True)

    page = watched()
    sign_in(page, customer)
    page.visit(f"/support/new/?booking={booking.reference}&kind=chauffeur")
    page.page.get_by_label("Subject").fill("A driver")
    page.page.get_by_label("Your message").fill("From the airport")
    page.page.get_by_role("button", name="Send to your concierge").click()
    expect(page.page.locator(".thread-body")).to_have_text("From the airport")
    ticket = Ticket.objects.get()
    ticket_answer(ticket=ticket, by=staff, body="Done: Marco at 10")
    page.visit(ticket.get_absolute_url())
    expect(page.page.locator(".thread-body").nth(1)).to_have_text("Done: Marco at 10")
    page.visit("/support/")
    page.visit(f"/support/reviews/{booking.reference}/")

    page.visit(asset.get_absolute_url())
    expect(page.page.locator("#reviews")).to_contain_text("</script> & lovely")
    data = json.loads(
        page.page.locator('script[type="application/ld+json"]').text_content() or "{}"
    )
    assert data["aggregateRating"]["ratingValue"] == "4.0"
    assert data["review"][0]["reviewBody"] == "</script> & lovely"
    page.check()

    staff_page = watched()
    sign_in(staff_page, staff)
    staff_page.visit("/staff/tickets/")
    staff_page.visit(f"/staff/tickets/{ticket.pk}/")
    expect(staff_page.page.locator(".thread-body").nth(1)).to_have_text("Done: Marco at 10")
    staff_page.check()
