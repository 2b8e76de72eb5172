"""The asset form in a real browser on a phone (390 px wide), under the admin's
Content-Security-Policy: choosing a category shows only its specifications and its kinds,
choosing a city puts its currency beside every amount, and the typed "15,000" is saved as
1500000 fils. A screenshot is kept (BROWSER_SCREENSHOT_DIR, else the temp dir)."""

from __future__ import annotations

import pytest

from midas.catalog.models import Asset, Category, Location
from tests.factories import PASSWORD, make_staff
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
