"""Changing a booking's dates in a real browser: the booking's page → Change dates → the new
price and the difference → pay the difference with a test card → the booking's page shows
the new dates, the ledger and the email agree.

Headless Chromium through Playwright against ``live_server``, with the booking journey's
guards (nothing from another host, no page error)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from midas.bookings.models import Booking, BookingChange
from midas.notifications.models import OutboxMessage
from midas.payments.selectors import ledger_totals
from tests.factories import make_paid_booking
from tests.web.test_browser import browser, expect  # noqa: F401  (the fixture)
from tests.web.test_browser_booking import PASSWORD, Guarded, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def sandbox(settings, tmp_path):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_PATH = str(tmp_path / "payments-sandbox.sqlite3")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db(transaction=True)
def test_a_customer_moves_a_booking_and_pays_the_difference(browser, live_server):  # noqa: F811
    booking = make_paid_booking(now=timezone.now(), days_ahead=30, length_days=2)
    assert PASSWORD  # make_driver's password, typed in below
    tz = booking.location.tz
    new_end = (booking.end + dt.timedelta(days=1)).astimezone(tz)
    origin = live_server.url
    context = browser.new_context()
    tab = Guarded(context, origin)
    page = tab.page
    try:
        page.goto(f"{origin}/bookings/{booking.reference}/")
        sign_in(page, booking.customer.email)
        page.wait_for_url(re.compile(rf"/bookings/{booking.reference}/$"))
        page.get_by_role("link", name="Change dates").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Change dates")
        expect(page.get_by_role("heading", name="Change policy")).to_be_visible()
        page.get_by_label("New end").fill(f"{new_end:%Y-%m-%dT%H:%M}")
        page.get_by_role("button", name="See the new price").click()
        expect(page.locator("#change-preview")).to_contain_text("To pay now")
        difference = page.locator("#difference").inner_text()
        tab.shot("change-preview")
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
        page.get_by_label("Security code").fill("123")
        page.get_by_role("button", name=re.compile(r"^Pay .* and change$")).click()
        page.wait_for_url(re.compile(rf"/bookings/{booking.reference}/$"))
        expect(page.get_by_text(f"{difference} was charged to your card")).to_be_visible()
        tab.shot("changed")
    finally:
        page.close()
        context.close()
    tab.check()
    changed = Booking.objects.get(pk=booking.pk)
    assert changed.end == booking.end + dt.timedelta(days=1)
    assert ledger_totals(changed).net_paid == changed.total_minor
    assert BookingChange.objects.get(booking=booking).charge_minor > 0
    assert OutboxMessage.objects.filter(template="booking_changed").exists()
