"""The site works under its Content-Security-Policy: in a real browser, the customer pages, a
customer's booking pages, the error pages, the API docs, the admin, the staff mailbox with
its email preview and the ops console load without one violation of the policy.

Headless Chromium (Debian's, or ``CHROMIUM_PATH``) through Playwright against
``live_server``, with the guards of ``test_browser.py``: nothing may load from another host.
A violation is caught twice: by a ``securitypolicyviolation`` listener put in every page
before its own scripts (``add_init_script``; it reports through an exposed binding, which
the policy does not govern) and by Chromium's "Refused to ..." console errors, which also
cover frames. The first test proves the watch sees a violation when there is one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from midas.notifications.delivery import deliver_due
from midas.notifications.models import MailboxMessage, OutboxMessage
from midas.ops.services import maintenance_disable, maintenance_enable
from tests.factories import PASSWORD, make_booking, make_driver, make_staff
from tests.web.test_browser import (
    SCREENSHOT,
    TIMEOUT_MS,
    browser,  # noqa: F401  (the fixture)
    demo,  # noqa: F401  (the fixture)
    expect,
    same_origin,
)

pytestmark = pytest.mark.browser

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__midasCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}` +
    (event.sample ? ` (${event.sample})` : "")
  );
});
"""


class Watched:
    """A page whose policy violations, script errors and foreign requests are kept."""

    def __init__(self, chromium, origin: str) -> None:
        self.origin = origin
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900})
        self.context.expose_binding(
            "__midasCspViolation", lambda _source, text: self.violations.append(text)
        )
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.route("**/*", self._guard)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)

    def _guard(self, route) -> None:
        if same_origin(route.request.url, self.origin):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.violations.append(f"console: {text}")

    def visit(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(self.origin + path)
        assert response is not None and response.status == status, (path, response)
        assert response.headers.get("content-security-policy"), path
        self.page.wait_for_load_state("load")

    def close(self, name: str) -> None:
        try:
            self.page.screenshot(path=str(SCREENSHOT / f"midas-csp-{name}.png"), full_page=True)
        finally:
            self.context.close()

    def check(self) -> None:
        assert not self.foreign, f"the pages reached beyond the live server: {self.foreign}"
        assert not self.violations, "policy violations:\n" + "\n".join(self.violations)
        assert not self.errors, f"script errors: {self.errors}"


@pytest.fixture
def watched(browser, live_server):  # noqa: F811
    pages: list[Watched] = []

    def open_page() -> Watched:
        page = Watched(browser, live_server.url)
        pages.append(page)
        return page

    yield open_page
    for n, page in enumerate(pages):
        page.close(f"{n}")


@pytest.mark.django_db(transaction=True)
def test_the_watch_sees_a_violation(watched):
    page = watched()
    page.visit("/about/")
    page.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')"
    )
    page.page.wait_for_timeout(300)
    assert any("style-src" in v for v in page.violations), page.violations


@pytest.mark.django_db(transaction=True)
def test_customer_pages_run_under_the_policy(watched, demo):  # noqa: F811
    from midas.catalog.models import Asset

    asset = Asset.objects.active().filter(category__slug="cars").first()
    page = watched()
    for path in [
        "/",
        "/collection/",
        "/collection/cars/",
        asset.get_absolute_url(),
        "/about/",
        "/contact/",
        "/faq/",
        "/terms/",
        "/account/register/",
        "/status",
    ]:
        page.visit(path)
    # the asset page's script asks the API for quotes: fetch to our own origin is allowed
    page.visit(asset.get_absolute_url())
    status = page.page.evaluate("fetch('/api/v1/assets').then((r) => r.status)")
    assert status == 200

    # the interactive API docs (Swagger UI, served from our own static files)
    page.visit("/api/v1/docs")
    expect(page.page.locator(".swagger-ui .info .title")).to_be_visible()

    page.visit("/no-such-page/", status=404)

    # a form sent without a valid CSRF token: the branded 403 page
    page.visit("/account/login/")
    page.page.evaluate(
        "document.querySelector('input[name=csrfmiddlewaretoken]').value = 'x'.repeat(64)"
    )
    page.page.get_by_label("Email address").fill("nobody@example.com")
    page.page.get_by_label("Password").fill("not-the-password")
    with page.page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 403
    expect(page.page.get_by_role("heading", level=1)).to_have_text("Please try that again")

    maintenance_enable(message="Polishing the fleet", retry_after=60)
    try:
        page.visit("/collection/", status=503)
        expect(page.page.get_by_text("Polishing the fleet")).to_be_visible()
    finally:
        maintenance_disable()
    page.check()


@pytest.mark.django_db(transaction=True)
def test_a_customers_booking_pages_run_under_the_policy(watched, demo, settings):  # noqa: F811
    from midas.catalog.models import Asset

    settings.PAYMENT_PROVIDER = "sandbox"
    customer = make_driver()
    asset = Asset.objects.active().filter(category__slug="cars", booking_mode="instant").first()
    booking = make_booking(customer=customer, asset=asset, now=timezone.now(), days_ahead=40)
    page = watched()
    page.visit("/account/login/")
    page.page.get_by_label("Email address").fill(customer.email)
    page.page.get_by_label("Password").fill(PASSWORD)
    page.page.get_by_role("button", name="Sign in").click()
    page.page.wait_for_url(lambda url: "/account/login/" not in url)
    for path in (
        "/account/",
        "/bookings/",
        f"/bookings/{booking.reference}/",
        f"/bookings/{booking.reference}/pay/",
    ):
        page.visit(path)
    expect(page.page.get_by_label("Card number")).to_be_visible()
    page.check()


@pytest.mark.django_db(transaction=True)
def test_the_admin_mailbox_and_console_run_under_the_policy(watched, demo, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    settings.MAILBOX_ECHO = False
    booking = make_booking(now=timezone.now(), days_ahead=45)
    deliver_due(now=timezone.now() + dt.timedelta(minutes=1))
    mailbox = MailboxMessage.objects.exclude(body_html="").first()
    outbox = OutboxMessage.objects.exclude(body_html="").first()
    assert mailbox is not None and outbox is not None
    staff = make_staff(is_superuser=True)

    page = watched()
    page.visit("/admin/login/")
    page.page.locator("#id_username").fill(staff.email)
    page.page.locator("#id_password").fill(PASSWORD)
    page.page.locator("input[type=submit]").click()
    page.page.wait_for_url(lambda url: "/admin/login/" not in url)
    paths = [
        "/admin/",
        "/admin/bookings/booking/",
        f"/admin/bookings/booking/{booking.pk}/change/",
        "/admin/catalog/asset/",
        "/admin/catalog/asset/add/",
        f"/admin/notifications/outboxmessage/{outbox.pk}/change/",
        f"/admin/notifications/mailboxmessage/{mailbox.pk}/change/",
        "/staff/mailbox/",
        f"/staff/mailbox/{mailbox.pk}/",
        "/ops/",
    ]
    if apps.is_installed("midas.launch"):
        paths.append("/ops/launch/")
    for path in paths:
        page.visit(path)
    # the email preview frame loaded the message's own document, styled
    page.visit(f"/staff/mailbox/{mailbox.pk}/")
    frame = page.page.frame_locator("iframe.email-preview")
    expect(frame.locator("body")).to_contain_text(booking.reference)
    page.check()
