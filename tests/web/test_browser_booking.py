"""The booking journey in a real browser: register, confirm the address from the mailbox,
sign in, book a car, pay with the sandbox's test card, get the receipt by email; and a
declined card that keeps the slot held until the hold-expiry job frees it.

Headless Chromium (Debian's, or ``CHROMIUM_PATH``) through Playwright against pytest-django's
``live_server``, with the same guards as ``test_browser.py``: nothing may load from another
host, and no page may log an error. Email goes through the real outbox and the ``mailbox://``
backend; the test delivers the outbox itself (``deliver_due``) instead of running a worker.
Screenshots of each step are written to ``BROWSER_SCREENSHOT_DIR`` (default: the temp dir).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.models import Booking, BookingStatus, ReservationStatus
from midas.bookings.search import AssetSearch, search_assets
from midas.bookings.services import booking_expire_holds
from midas.catalog import selectors
from midas.catalog.models import Asset, Category
from midas.money import format_money
from midas.notifications.delivery import deliver_due
from midas.notifications.selectors import latest_message, mailbox_messages
from tests.web.test_browser import (
    SCREENSHOT,
    TIMEOUT_MS,
    browser,  # noqa: F401  (the fixture)
    demo,  # noqa: F401  (the fixture)
    expect,
    same_origin,
)

pytestmark = pytest.mark.browser

PASSWORD = "velvet-harbour-1912"
VISA, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"


@pytest.fixture(autouse=True)
def journey_settings(settings, tmp_path):
    """The sandbox provider in a file of this test's own, email into the local mailbox (the
    default of `midas serve`; Django's test runner would otherwise swap in locmem)."""
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_PATH = str(tmp_path / "payments-sandbox.sqlite3")
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HOLD_MINUTES = 15


class Guarded:
    """A page whose requests may only reach the live server, and whose errors are kept."""

    def __init__(self, context, origin: str, *, width: int = 1280, allowed: tuple[int, ...] = ()):
        self.origin = origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": 900})
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.route("**/*", self._guard)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("response", self._response)
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.allowed = allowed

    def _guard(self, route) -> None:
        if same_origin(route.request.url, self.origin):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def _response(self, response) -> None:
        if response.status >= 400 and response.status not in self.allowed:
            self.errors.append(f"HTTP {response.status} {response.url}")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SCREENSHOT / f"midas-booking-{name}.png"), full_page=True)

    def check(self) -> None:
        if self.errors:
            print("page errors:", *self.errors, sep="\n  ")
        assert not self.foreign, f"the page reached beyond the live server: {self.foreign}"
        assert not self.errors, f"the page logged errors: {self.errors}"


def a_free_car() -> tuple[Asset, dt.date]:
    """A demo car free over three days a month ahead, and the first of those days."""
    cars = Category.objects.get(slug="cars")
    first_day = timezone.localdate() + dt.timedelta(days=30)
    for city in selectors.nav_locations():
        shown = search_assets(
            AssetSearch(
                category=cars,
                location=city,
                start=first_day,
                end=first_day + dt.timedelta(days=3),
            )
        )
        for asset in shown:
            if not asset.requires_request:
                return asset, first_day
    raise AssertionError("the demo data should hold a free instant-book car")


def quote_path(asset: Asset, first_day: dt.date) -> str:
    start = f"{first_day:%Y-%m-%d}T10:00"
    end = f"{first_day + dt.timedelta(days=2):%Y-%m-%d}T10:00"
    return f"{asset.get_absolute_url()}?start={start}&end={end}#quote"


def mail_for(email: str):
    deliver_due()
    return latest_message(to=email)


def sign_in(page, email: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def pay_with(page, number: str) -> None:
    expect(page.get_by_text("TEST MODE — no real money")).to_be_visible()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


@pytest.mark.django_db(transaction=True)
def test_register_verify_sign_in_book_pay_and_get_the_receipt(browser, live_server, demo):  # noqa: F811
    asset, first_day = a_free_car()
    email = "grace.hopper@example.com"
    origin = live_server.url

    # 1. Register (the browser that registers).
    registering = browser.new_context()
    tab = Guarded(registering, origin)
    try:
        tab.page.goto(origin + "/account/register/")
        tab.page.get_by_label("First name").fill("Grace")
        tab.page.get_by_label("Last name").fill("Hopper")
        tab.page.get_by_label("Email address").fill(email)
        tab.page.get_by_label("Date of birth").fill("1986-12-09")
        tab.page.get_by_label("Password").fill(PASSWORD)
        tab.page.get_by_role("button", name="Create my account").click()
        tab.page.wait_for_url(re.compile(r"/account/register/check-email/$"))
    finally:
        tab.page.close()
        registering.close()
    tab.check()

    # 2. The verification link, from the mailbox, opened on another device.
    message = mail_for(email)
    assert message is not None and "Confirm your email address" in message.subject
    link = re.search(r"https?://\S+/account/verify/\S+/", message.body_text).group(0)
    context = browser.new_context()
    tab = Guarded(context, origin)
    page = tab.page
    try:
        page.goto(origin + urlsplit(link).path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your email address is confirmed")
        assert User.objects.get(email=email).email_verified_at is not None

        # 3. The car, its exact quote, Book now: sign in first, then back to the checkout.
        page.goto(origin + quote_path(asset, first_day))
        expect(page.get_by_text("Available for these times")).to_be_visible()
        page.locator("#quote-result").get_by_role("button", name="Book now").click()
        page.wait_for_url(re.compile(r"/account/login/\?next="))
        sign_in(page, email)
        page.wait_for_url(re.compile(rf"/bookings/checkout/{asset.slug}/\?"))
        checkout_url = page.url

        # 4. A car needs a driving licence: the checkout says so and sends to the profile.
        expect(page.locator("#eligibility")).to_contain_text("driving licence")
        expect(page.get_by_role("button", name="Confirm and pay")).to_have_count(0)
        tab.shot("checkout-refused")
        page.locator("#eligibility").get_by_role("link", name="Update your profile").click()
        page.get_by_label("Licence number").fill("H1234567")
        page.get_by_label("Issuing country").fill("US")
        page.get_by_label("Valid until").fill(f"{first_day.year + 5}-01-01")
        page.get_by_role("button", name=re.compile("Save")).click()
        expect(page.get_by_text("Your details have been saved.")).to_be_visible()

        # 5. Checkout again: every line, the policy, confirm.
        page.goto(checkout_url)
        expect(page.locator("#eligibility")).to_have_count(0)
        expect(page.get_by_role("heading", name="Cancellation policy")).to_be_visible()
        tab.shot("checkout")
        page.get_by_label("I have read and accept the rental terms").check()
        page.get_by_role("button", name="Confirm and pay").click()
        page.wait_for_url(re.compile(r"/bookings/MID-[A-Z0-9]{6}/pay/$"))
        booking = Booking.objects.get(customer__email=email)
        assert booking.status == BookingStatus.HELD
        total = format_money(booking.total_minor, booking.currency)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay {total}")
        expect(page.get_by_text("minutes left")).to_be_visible()
        tab.shot("pay")

        # 6. Pay with 4242: the confirmation page.
        pay_with(page, VISA)
        page.wait_for_url(re.compile(rf"/bookings/{booking.reference}/confirmation/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Your booking is confirmed")
        expect(page.locator("#reference")).to_have_text(booking.reference)
        total_row = page.get_by_role("row").filter(has_text=re.compile(r"^\s*Total"))
        expect(total_row.get_by_role("cell")).to_have_text(total)
        ics = page.get_by_role("link", name="Add to calendar (.ics)")
        expect(ics).to_have_attribute("href", f"/bookings/{booking.reference}/calendar.ics")
        tab.shot("confirmation")
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED

        # 7. My bookings shows it, confirmed.
        page.goto(origin + "/bookings/")
        row = page.locator(".booking-row").filter(has_text=booking.reference)
        expect(row.locator(".status")).to_have_text("Confirmed")
    finally:
        page.close()
        context.close()
    tab.check()

    # 8. The receipt, in the mailbox.
    receipt = mail_for(email)
    subject = receipt.subject
    assert subject.startswith("Confirmed:") and booking.reference in subject
    assert total in receipt.body_text and "RECEIPT" in receipt.body_text
    for line in booking.quote_lines:
        assert line["label"] in receipt.body_text
    assert [a["filename"] for a in receipt.attachments] == [f"{booking.reference}.ics"]
    subjects = [m.subject for m in mailbox_messages(to=email)]
    assert any("held until" in s for s in subjects)


@pytest.mark.django_db(transaction=True)
def test_a_declined_card_keeps_the_slot_held_until_the_hold_expires(browser, live_server, demo):  # noqa: F811
    from tests.factories import make_driver

    asset, first_day = a_free_car()
    customer = make_driver(email="alan.turing@example.com")
    origin = live_server.url
    context = browser.new_context()
    tab = Guarded(context, origin, width=390)  # a phone
    page = tab.page
    try:
        page.goto(origin + "/account/login/")
        sign_in(page, customer.email)
        page.goto(origin + quote_path(asset, first_day))
        page.locator("#quote-result").get_by_role("button", name="Book now").click()
        page.get_by_label("I have read and accept the rental terms").check()
        page.get_by_role("button", name="Confirm and pay").click()
        page.wait_for_url(re.compile(r"/pay/$"))
        booking = Booking.objects.get(customer=customer)

        pay_with(page, DECLINED)
        page.wait_for_url(re.compile(rf"/bookings/{booking.reference}/pay/$"))
        expect(page.locator("#payment-declined")).to_contain_text("Your card was declined.")
        expect(page.get_by_text("minutes left")).to_be_visible()
        tab.shot("declined-mobile")
        booking.refresh_from_db()
        assert booking.status == BookingStatus.HELD
        assert booking.reservation.status == ReservationStatus.ACTIVE

        # The slot stays held: the car's page shows those times as taken.
        page.goto(origin + quote_path(asset, first_day))
        expect(page.get_by_text("Already booked for part of these times.")).to_be_visible()

        # The hold-expiry job, run as if its time had come: the slot is free again.
        assert booking_expire_holds(now=booking.hold_expires_at + dt.timedelta(minutes=1)) == 1
        booking.refresh_from_db()
        assert booking.status == BookingStatus.EXPIRED
        assert booking.reservation.status == ReservationStatus.RELEASED
        page.goto(origin + f"/bookings/{booking.reference}/")
        expect(page.locator(".detail-status .status")).to_have_text("Expired")
        expect(page.get_by_text("Payment declined")).to_be_visible()
        tab.shot("expired-mobile")
        page.goto(origin + quote_path(asset, first_day))
        expect(page.get_by_text("Available for these times")).to_be_visible()
    finally:
        page.close()
        context.close()
    tab.check()
