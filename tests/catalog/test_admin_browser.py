"""The asset form in a real browser on a phone (390 px wide), under the admin's
Content-Security-Policy: choosing a category shows only its specifications and its kinds,
choosing a city puts its currency beside every amount, and the typed "15,000" is saved as
1500000 fils. A screenshot is kept (BROWSER_SCREENSHOT_DIR, else the temp dir)."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.catalog.models import Asset, Category, Location
from tests.factories import NOW, PASSWORD, make_staff
from tests.pinned import pin_now
from tests.web.test_browser import (
    SCREENSHOT,
    browser,  # noqa: F401  (the fixture)
    demo,  # noqa: F401  (the fixture)
    expect,
)
from tests.web.test_browser_csp import watched  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_the_asset_form_follows_category_and_city_on_a_phone(watched, demo):  # noqa: F811
    jets = Category.objects.get(slug="jets")
    dubai = Location.objects.get(currency="AED")
    staff = make_staff(is_superuser=True)
    page = watched()
    tab = page.page
    tab.set_viewport_size(PHONE)
    page.visit("/admin/login/")
    tab.locator("#id_username").fill(staff.email)
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("input[type=submit]").click()
    tab.wait_for_url(lambda url: "/admin/login/" not in url)
    page.visit("/admin/catalog/asset/add/")

    expect(tab.locator("fieldset.spec-group").first).to_be_hidden()  # no category yet
    tab.select_option("#id_category", str(jets.pk))
    expect(tab.locator("fieldset.spec-jets")).to_be_visible()
    expect(tab.locator("fieldset.spec-cars")).to_be_hidden()
    expect(tab.locator("#id_spec__jets__passengers")).to_be_visible()
    kinds = tab.locator("#id_subcategory option").all_inner_texts()
    assert kinds == ["—", "Light jet", "Midsize jet", "Heavy jet"]

    tab.select_option("#id_home_location", str(dubai.pk))
    labels = tab.locator(".labelled-input [data-before]").all_inner_texts()
    assert labels and set(labels) == {"AED"}

    rate = tab.locator("#id_base_rate_minor")
    rate.fill("15,000")
    box = rate.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    tab.locator("#id_name").fill("Midas Test Jet")
    tab.locator("#id_brand").fill("Gulfstream")
    tab.select_option("#id_subcategory", "heavy")
    tab.select_option("#id_pricing_unit", "trip")
    tab.locator("#id_spec__jets__range_km").fill("13890")
    tab.locator("#id_spec__jets__passengers").fill("19")
    tab.locator("#id_spec__jets__speed_kmh").fill("956")
    tab.locator("#id_features").fill("Four living areas\nMaster suite")
    tab.screenshot(path=str(SCREENSHOT / "midas-admin-asset-form-390.png"), full_page=True)
    tab.locator("input[name=_save]").click()
    tab.wait_for_url(lambda url: url.rstrip("/").endswith("/admin/catalog/asset"))
    expect(tab.locator(".messagelist")).to_contain_text("Midas Test Jet")

    jet = Asset.objects.get(name="Midas Test Jet")
    assert jet.slug == "midas-test-jet"  # made from the name as it was typed
    assert (jet.base_rate_minor, jet.currency) == (1_500_000, "AED")
    assert jet.specs == {"range_km": 13890, "passengers": 19, "speed_kmh": 956}
    assert jet.features == ["Four living areas", "Master suite"]
    page.check()


@pytest.mark.django_db(transaction=True)
def test_the_block_form_names_the_city_zone_not_the_servers(
    browser,  # noqa: F811
    live_server,
    demo,  # noqa: F811
    monkeypatch,
):
    """A member of staff in New York places a block on a Dubai yacht: the form says the times
    are Dubai's (the admin's "you are 9 hours behind server time" would mislead)."""
    pin_now(monkeypatch, NOW)
    staff = make_staff(is_superuser=True)
    context = browser.new_context(viewport=PHONE, timezone_id="America/New_York")
    try:
        tab = context.new_page()
        # the browser's clock: 12:00 UTC is 07:00 in New York, 16:00 in Dubai
        tab.clock.set_fixed_time(dt.datetime(2030, 3, 9, 12, tzinfo=dt.UTC))
        tab.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(live_server.url)
                else route.abort()
            ),
        )
        tab.goto(f"{live_server.url}/admin/login/")
        tab.locator("#id_username").fill(staff.email)
        tab.locator("#id_password").fill(PASSWORD)
        tab.locator("input[type=submit]").click()
        tab.wait_for_url(lambda url: "/admin/login/" not in url)
        expect(tab.locator("#staff-consoles")).to_contain_text("Operations")
        tab.goto(f"{live_server.url}/admin/bookings/block/add/")
        groups = tab.locator("#id_asset optgroup").evaluate_all(
            "(groups) => groups.map((g) => g.label)"
        )
        assert "Dubai — times in Dubai time (GST, UTC+4)" in groups
        notes = tab.locator(".timezonewarning").all_inner_texts()
        assert notes == ["In the asset's city time", "In the asset's city time"]
        assert not any("server time" in note for note in notes)
        # a Dubai yacht chosen: the notes name Dubai's zone, and "Now" gives Dubai's clock
        yacht = Asset.objects.filter(category__slug="yachts", home_location__slug="dubai")[0]
        tab.select_option("#id_asset", str(yacht.pk))
        notes = tab.locator(".timezonewarning").all_inner_texts()
        assert notes == ["In Dubai time (GST, UTC+4)"] * 2
        tab.locator(".field-start .datetimeshortcuts a", has_text="Now").click()
        expect(tab.locator("#id_start_1")).to_have_value("16:00:00")  # 12:00 UTC in Dubai
        tab.locator(".field-start .datetimeshortcuts a", has_text="Today").click()
        expect(tab.locator("#id_start_0")).to_have_value("2030-03-09")
        tab.screenshot(path=str(SCREENSHOT / "midas-admin-block-form-390.png"), full_page=True)
    finally:
        context.close()
