"""A jet's route in a real browser: the asset page's From/To/Departure form, priced by the
server's page (the script sends jets there, not to the JSON API), with positioning legs and
the total the pricing service gives."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from midas.bookings.pricing import Route, quote
from midas.money import format_money
from tests.bookings.pricing_rules import at, make_jet
from tests.factories import NOW
from tests.pinned import pin_now
from tests.web.test_browser import TIMEOUT_MS, browser, same_origin  # noqa: F401 (fixture)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

pytestmark = pytest.mark.browser

HOUSTON = zoneinfo.ZoneInfo("America/Chicago")


@pytest.mark.django_db(transaction=True)
def test_a_customer_prices_a_jet_from_houston_to_atlanta(browser, live_server, monkeypatch):  # noqa: F811
    pin_now(monkeypatch, NOW)
    jet = make_jet("DXB", slug="g700", name="Gulfstream G700")
    departure = at(10, 9, HOUSTON)
    expected = quote(asset=jet, start=departure, now=NOW, route=Route("HOU", "ATL"))
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if same_origin(route.request.url, live_server.url) else route.abort()
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    try:
        page.goto(live_server.url + jet.get_absolute_url())
        form = page.locator("form[data-quote-form]")
        form.get_by_label("From").select_option(value="HOU")
        form.get_by_label("To", exact=True).select_option(value="ATL")
        form.get_by_label("Departure").fill(departure.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_role("button", name="Get my quote").click()
        result = page.locator("#quote-result")
        expect(result).to_contain_text("Positioning DXB → HOU")
        expect(result).to_contain_text("HOU → ATL")
        expect(result).to_contain_text("positioning included")
        total = result.get_by_role("row").filter(has_text="Total").get_by_role("cell")
        expect(total).to_have_text(format_money(expected.total, expected.currency))
        assert "origin=HOU" in page.url and "destination=ATL" in page.url
        assert not errors, errors
    finally:
        page.close()
    assert dt.timedelta(hours=14) < expected.end - departure
