"""A customer types "Rolls-Royce" in the collection's search box in a real browser, sees the
Rolls-Royces first, narrows to SUVs and chooses to see prices in dirhams (issue 13, item 4).

Headless Chromium as in tests/web/test_browser.py (its fixtures), against the demo data.
"""

from __future__ import annotations

import re

import pytest

from midas.catalog.models import Asset
from tests.web.test_browser import TIMEOUT_MS, browser, demo, same_origin  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_customer_finds_rolls_royce_by_typing_it(browser, live_server, demo):  # noqa: F811
    rolls = list(Asset.objects.active().filter(brand="Rolls-Royce").order_by("name"))
    assert len(rolls) >= 5
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.set_default_timeout(TIMEOUT_MS)
    foreign: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:
        if same_origin(route.request.url, live_server.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_server.url + "/collection/")
        page.get_by_label("Search").fill("Rolls-Royce")
        page.get_by_role("button", name="Show results").click()
        page.wait_for_url(re.compile(r"[?&]q=Rolls-Royce"))
        cards = page.locator("a.stretched")
        first = cards.nth(0)
        expect(first).to_contain_text("Rolls-Royce")
        found = [text.strip() for text in cards.all_inner_texts()]
        assert found[: len(rolls)] and all("Rolls-Royce" in name for name in found[: len(rolls)])
        expect(page.locator("#results-count")).to_contain_text("Rolls-Royce")

        # Only the SUVs among them (the Cullinans), for five.
        page.get_by_label("Body style / class").select_option(label="SUV")
        page.get_by_label("Guests / passengers").fill("5")
        page.get_by_role("button", name="Show results").click()
        page.wait_for_url(re.compile(r"subcategory=suv"))
        names = [text.strip() for text in page.locator("a.stretched").all_inner_texts()]
        assert names and all(name == "Rolls-Royce Cullinan" for name in names), names

        # Prices in dirhams, side by side; still charged in each city's currency.
        page.get_by_label("Show prices in").select_option("AED")
        page.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_url(re.compile(r"subcategory=suv"))
        expect(page.get_by_label("Show prices in")).to_have_value("AED")
        expect(page.locator(".card-approx").first).to_contain_text("AED")
        expect(page.get_by_text("You are always charged in the city")).to_be_visible()
        assert not foreign, foreign
        assert not errors, errors
    finally:
        page.close()
