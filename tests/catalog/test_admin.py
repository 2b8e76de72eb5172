from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from midas.bookings.models import Block, Reservation, ReservationKind, ReservationStatus
from midas.bookings.services import reserve
from midas.catalog.models import AddOnPricing, Asset
from tests.factories import make_addon, make_asset, make_location, make_season

pytestmark = pytest.mark.django_db


@pytest.fixture
def dubai_car() -> Asset:
    dubai = make_location(
        slug="dubai", city="Dubai", country="AE", timezone="Asia/Dubai", currency="AED"
    )
    return make_asset(
        "cars", dubai, slug="chiron", name="Bugatti Chiron", base_rate_minor=2_020_000
    )


def block_form(asset: Asset, start: str, end: str, kind: str = "maintenance") -> dict:
    """The admin's add-block form; date and time are wall-clock in the asset's city."""
    return {
        "asset": asset.pk,
        "kind": kind,
        "start_0": start[:10],
        "start_1": start[11:],
        "end_0": end[:10],
        "end_1": end[11:],
        "note": "Annual service",
    }


def test_admin_client_is_a_staff_superuser_with_email_login(admin_user, admin_client):
    assert admin_user.is_staff and admin_user.email == "admin@example.com"
    assert admin_client.get(reverse("admin:index")).status_code == 200


def test_catalogue_pages_render(admin_client, dubai_car):
    make_season(
        location=dubai_car.home_location,
        start_date=dt.date(2026, 12, 15),
        end_date=dt.date(2027, 1, 16),
        multiplier_bp=13_000,
    )
    make_addon("vip-concierge", AddOnPricing.FLAT, amounts={"USD": 95_000, "AED": 350_000})
    for name in ["location", "category", "asset", "seasonalrate", "addon"]:
        assert admin_client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 200
    page = admin_client.get(reverse("admin:catalog_asset_changelist")).content.decode()
    assert "AED 20,200.00 / day" in page
    addons = admin_client.get(reverse("admin:catalog_addon_changelist")).content.decode()
    assert "AED 3,500.00 · USD 950.00" in addons
    seasons = admin_client.get(reverse("admin:catalog_seasonalrate_changelist")).content.decode()
    assert "×1.3" in seasons


def test_asset_change_page_shows_money_and_images(admin_client, dubai_car):
    page = admin_client.get(reverse("admin:catalog_asset_change", args=[dubai_car.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    # the deposit in major units beside its currency, not 500000 fils
    assert re.search(r'>AED</span> <input[^>]+name="security_deposit_minor"[^>]+', text)
    assert 'value="5,000.00"' in text and "500000" not in text
    assert "AED 20,200.00 / day" in text  # the rate as a customer reads it
    assert "midas/art/cars-1.svg" in text
    assert "Power (hp)" in text and "Top speed (km/h)" in text


def test_asset_search_and_filters(admin_client, dubai_car):
    url = reverse("admin:catalog_asset_changelist")
    response = admin_client.get(url, {"q": "chiron"})
    assert "Bugatti Chiron" in response.content.decode()
    assert admin_client.get(url, {"category__id__exact": dubai_car.category_id}).status_code == 200


def test_list_editable_toggles_active_and_featured(admin_client, dubai_car):
    url = reverse("admin:catalog_asset_changelist")
    response = admin_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": dubai_car.pk,
            "form-0-is_featured": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    dubai_car.refresh_from_db()
    assert dubai_car.is_featured and not dubai_car.is_active


def test_reservation_and_block_pages_render(admin_client, dubai_car):
    start = dt.datetime(2030, 3, 1, 8, tzinfo=dt.UTC)
    booking = reserve(asset=dubai_car, start=start, end=start + dt.timedelta(days=1))
    block = reserve(
        asset=dubai_car,
        start=start + dt.timedelta(days=5),
        end=start + dt.timedelta(days=6),
        kind=ReservationKind.MAINTENANCE,
    )
    reservations = admin_client.get(reverse("admin:bookings_reservation_changelist"))
    assert reservations.status_code == 200
    assert booking.reference in reservations.content.decode()
    assert "2030-03-01 12:00 Dubai time (GST, UTC+4)" in reservations.content.decode()
    assert (
        admin_client.get(
            reverse("admin:bookings_reservation_changelist"), {"q": booking.reference}
        ).status_code
        == 200
    )
    assert (
        admin_client.get(
            reverse("admin:bookings_reservation_change", args=[booking.pk])
        ).status_code
        == 200
    )
    blocks = admin_client.get(reverse("admin:bookings_block_changelist")).content.decode()
    assert block.reference in blocks and booking.reference not in blocks
    assert admin_client.get(reverse("admin:bookings_block_add")).status_code == 200
    assert (
        admin_client.get(reverse("admin:bookings_block_change", args=[block.pk])).status_code == 200
    )
    # a booking is not reachable as a block
    assert (
        admin_client.get(reverse("admin:bookings_block_change", args=[booking.pk])).status_code
        == 302
    )


def test_admin_creates_a_block_through_reserve(admin_client, dubai_car):
    response = admin_client.post(
        reverse("admin:bookings_block_add"),
        block_form(dubai_car, "2030-03-10 09:00:00", "2030-03-12 09:00:00"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    block = Block.objects.get()
    assert block.kind == ReservationKind.MAINTENANCE and block.reference.startswith("MR-")
    # 09:00 in Dubai is 05:00 UTC; blocks take no turnaround buffer
    assert block.start == dt.datetime(2030, 3, 10, 5, tzinfo=dt.UTC)
    assert block.occupied_until == block.end == dt.datetime(2030, 3, 12, 5, tzinfo=dt.UTC)


def test_overlapping_block_shows_an_error_and_writes_nothing(admin_client, dubai_car):
    start = dt.datetime(2030, 3, 10, 5, tzinfo=dt.UTC)
    existing = reserve(asset=dubai_car, start=start, end=start + dt.timedelta(days=2))
    response = admin_client.post(
        reverse("admin:bookings_block_add"),
        block_form(dubai_car, "2030-03-11 00:00:00", "2030-03-13 00:00:00", "owner_use"),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Bugatti Chiron is not available then" in text
    assert existing.reference in text
    assert Reservation.objects.count() == 1


def test_block_refused_by_reserve_shows_a_message_and_writes_nothing(
    admin_client, dubai_car, monkeypatch
):
    """The form's early check can miss a rival written a moment later; reserve() cannot."""
    start = dt.datetime(2030, 3, 10, 5, tzinfo=dt.UTC)
    reserve(asset=dubai_car, start=start, end=start + dt.timedelta(days=2))
    monkeypatch.setattr(
        "midas.bookings.admin.overlapping", lambda *args: Reservation.objects.none()
    )
    url = reverse("admin:bookings_block_add")
    response = admin_client.post(
        url, block_form(dubai_car, "2030-03-11 00:00:00", "2030-03-13 00:00:00")
    )
    assert response.status_code == 302 and response.url == url
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["The block was not created: Bugatti Chiron is not available for those dates"]
    assert Reservation.objects.count() == 1


def test_block_form_rejects_an_end_before_the_start(admin_client, dubai_car):
    response = admin_client.post(
        reverse("admin:bookings_block_add"),
        block_form(dubai_car, "2030-03-12 00:00:00", "2030-03-11 00:00:00"),
    )
    assert response.status_code == 200
    assert "the end must be after the start" in response.content.decode()
    assert not Reservation.objects.exists()


def test_release_action_frees_the_dates(admin_client, dubai_car):
    start = dt.datetime(2030, 3, 10, 5, tzinfo=dt.UTC)
    block = reserve(
        asset=dubai_car, start=start, end=start + dt.timedelta(days=1), kind="maintenance"
    )
    response = admin_client.post(
        reverse("admin:bookings_block_changelist"),
        {"action": "release_blocks", "_selected_action": [block.pk]},
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.status == ReservationStatus.RELEASED and block.released_at is not None
    # the dates can be blocked again
    reserve(asset=dubai_car, start=start, end=start + dt.timedelta(days=1), kind="maintenance")


def test_staff_without_permissions_cannot_see_blocks(client, django_user_model, dubai_car):
    staff = django_user_model.objects.create_user(
        "staff@example.com", "pw-not-used-123", is_staff=True
    )
    client.force_login(staff)
    assert client.get(reverse("admin:bookings_block_changelist")).status_code == 403


# --- staff type what they mean (catalog.forms) ---------------------------------------------


def management_forms(html: str) -> dict[str, str]:
    """The inline formsets' management fields as the page renders them (whatever inlines the
    asset form has), so a post adds no inline rows."""
    found = re.findall(
        r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d*)"', html
    )
    return dict(found)


def asset_post(client, url: str, **fields: object) -> dict[str, object]:
    """A complete asset form (a Dubai hypercar) as staff would type it, plus overrides."""
    data: dict[str, object] = {
        "name": "Bugatti Chiron Sport",
        "slug": "bugatti-chiron-sport",
        "brand": "Bugatti",
        "model_name": "Chiron Sport",
        "subcategory": "hypercar",
        "summary": "",
        "description": "",
        "features": "Launch control\n\n  Carbon body  \n",
        "pricing_unit": "day",
        "base_rate_minor": "15,000",
        "min_duration": "1",
        "max_duration": "",
        "security_deposit_minor": "50000",
        "delivery_fee_minor": "",
        "turnaround_minutes": "120",
        "min_notice_hours": "24",
        "max_advance_days": "365",
        "min_renter_age": "25",
        "booking_mode": "instant",
        "is_active": "on",
        "legacy_id": "",
        "spec__cars__engine": "8.0 L W16",
        "spec__cars__horsepower": "1500",
        "spec__cars__top_speed_kmh": "420",
        "spec__cars__seats": "2",
    }
    data.update(management_forms(client.get(url).content.decode()))
    data.update(fields)
    return data


@pytest.fixture
def places(dubai_car: Asset) -> dict[str, object]:
    from midas.catalog.models import Category

    dubai_car.images.all().delete()  # no inline rows to post back
    return {
        "dubai": dubai_car.home_location,
        "cars": dubai_car.category,
        "jets": Category.objects.get_or_create(
            slug="jets", defaults={"name": "Private jets", "singular": "Private jet"}
        )[0],
    }


def test_a_rate_typed_as_15000_saves_fils_and_reads_back_in_aed(admin_client, places):
    url = reverse("admin:catalog_asset_add")
    data = asset_post(
        admin_client, url, category=places["cars"].pk, home_location=places["dubai"].pk
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    asset = Asset.objects.get(slug="bugatti-chiron-sport")
    assert asset.base_rate_minor == 1_500_000 and asset.currency == "AED"
    assert asset.security_deposit_minor == 5_000_000 and asset.delivery_fee_minor == 0
    assert asset.specs == {
        "engine": "8.0 L W16",
        "horsepower": 1500,
        "top_speed_kmh": 420,
        "seats": 2,
    }
    assert asset.features == ["Launch control", "Carbon body"]
    assert asset.subcategory == "hypercar" and asset.model_name == "Chiron Sport"
    page = admin_client.get(reverse("admin:catalog_asset_change", args=[asset.pk]))
    text = page.content.decode()
    assert "AED 15,000.00 / day" in text
    assert re.search(r'>AED</span> <input[^>]+value="15,000.00"', text)
    assert "Launch control\nCarbon body" in text  # one per line, not JSON
    listing = admin_client.get(reverse("admin:catalog_asset_changelist")).content.decode()
    assert "AED 15,000.00 / day" in listing and "Hypercar" in listing


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("15,000.555", "AED amounts have at most 2 decimal places."),
        ("abc", "Enter an amount such as 15,000 or 15000.50."),
        ("-15000", "An amount cannot be negative."),
        ("15,00", "Enter an amount such as 15,000 or 15000.50."),
    ],
)
def test_bad_money_is_a_form_error_and_nothing_is_saved(admin_client, places, typed, message):
    url = reverse("admin:catalog_asset_add")
    data = asset_post(
        admin_client,
        url,
        category=places["cars"].pk,
        home_location=places["dubai"].pk,
        base_rate_minor=typed,
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert f'value="{typed}"' in text  # what was typed is kept to correct
    assert not Asset.objects.filter(slug="bugatti-chiron-sport").exists()


def test_specs_follow_the_category_jets_ask_passengers_not_seats(admin_client, places):
    url = reverse("admin:catalog_asset_add")
    add_page = admin_client.get(url).content.decode()
    # a new asset offers every category's fields; the script shows the chosen one's
    assert 'class="module aligned spec-group spec-jets"' in add_page
    assert "catalog/asset_form.js" in add_page and "data-category-slugs" in add_page
    # a jet posted with a car's specs: the jet's are required, the car's ignored
    data = asset_post(
        admin_client,
        url,
        category=places["jets"].pk,
        home_location=places["dubai"].pk,
        subcategory="heavy",
        pricing_unit="trip",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Passengers" in text and "Range (km)" in text
    assert "Seats" not in text  # only the posted category's fields are shown again
    assert text.count("Required for private jets.") == 3
    assert not Asset.objects.filter(slug="bugatti-chiron-sport").exists()
    # a kind of another category is refused
    data.update(
        {
            "spec__jets__range_km": "12000",
            "spec__jets__passengers": "0",
            "spec__jets__speed_kmh": "fast",
            "subcategory": "hypercar",
        }
    )
    text = admin_client.post(url, data).content.decode()
    assert "Ensure this value is greater than or equal to 1." in text
    assert "Enter a whole number." in text
    assert "not a kind of private jet" in text
    data.update({"spec__jets__passengers": "14", "spec__jets__speed_kmh": "900"})
    data["subcategory"] = "heavy"
    assert admin_client.post(url, data).status_code == 302
    jet = Asset.objects.get(slug="bugatti-chiron-sport")
    assert jet.specs == {"range_km": 12000, "passengers": 14, "speed_kmh": 900}
    assert jet.capacity == 14
    change = admin_client.get(reverse("admin:catalog_asset_change", args=[jet.pk]))
    page = change.content.decode()
    assert 'name="spec__jets__passengers"' in page and 'value="14"' in page
    assert "spec__cars__seats" not in page and "Seats" not in page


def test_asset_edit_moves_the_catalogue_version(admin_client, places, dubai_car):
    from midas.catalog.selectors import catalog_version

    before = catalog_version()
    url = reverse("admin:catalog_asset_change", args=[dubai_car.pk])
    data = asset_post(
        admin_client,
        url,
        name=dubai_car.name,
        slug=dubai_car.slug,
        category=places["cars"].pk,
        home_location=places["dubai"].pk,
        base_rate_minor="21,000.50",
    )
    assert admin_client.post(url, data).status_code == 302
    dubai_car.refresh_from_db()
    assert dubai_car.base_rate_minor == 2_100_050
    assert catalog_version() > before


def test_season_multiplier_typed_as_x1_5_saves_basis_points(admin_client, dubai_car):
    from midas.catalog.models import SeasonalRate

    url = reverse("admin:catalog_seasonalrate_add")
    base = {
        "name": "Winter peak",
        "asset": dubai_car.pk,
        "start_date": "2030-12-15",
        "end_date": "2031-01-16",
        "priority": "0",
    }
    response = admin_client.post(url, {**base, "multiplier_bp": "×1.5"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    season = SeasonalRate.objects.get()
    assert season.multiplier_bp == 15_000 and season.override_rate_minor is None
    page = admin_client.get(reverse("admin:catalog_seasonalrate_change", args=[season.pk]))
    assert re.search(r'>×</span> <input[^>]+value="1.5"', page.content.decode())
    listing = admin_client.get(reverse("admin:catalog_seasonalrate_changelist")).content.decode()
    assert "×1.5" in listing
    # a fixed rate in the asset's currency instead
    season.delete()
    response = admin_client.post(url, {**base, "override_rate_minor": "18,000"})
    assert response.status_code == 302
    assert SeasonalRate.objects.get().override_rate_minor == 1_800_000
    listing = admin_client.get(reverse("admin:catalog_seasonalrate_changelist")).content.decode()
    assert "AED 18,000.00" in listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"multiplier_bp": "0"}, "A multiplier must be above 0."),
        ({"multiplier_bp": "1.23456"}, "At most 4 decimal places."),
        ({"multiplier_bp": "-1"}, "not a negative number"),
        ({"multiplier_bp": "1.5", "override_rate_minor": "100"}, "either a multiplier or a fixed"),
        ({}, "either a multiplier or a fixed rate"),
        ({"override_rate_minor": "1.234"}, "AED amounts have at most 2 decimal places."),
    ],
)
def test_bad_season_rates_are_refused(admin_client, dubai_car, fields, message):
    from midas.catalog.models import SeasonalRate

    data = {"name": "Peak", "asset": dubai_car.pk, "priority": "0"}
    data |= {"start_date": "2030-12-15", "end_date": "2031-01-16", **fields}
    response = admin_client.post(reverse("admin:catalog_seasonalrate_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SeasonalRate.objects.exists()


def test_a_fixed_rate_for_a_whole_category_asks_where_it_applies(admin_client, dubai_car):
    data = {"name": "Peak", "category": dubai_car.category_id, "priority": "0"}
    data |= {"start_date": "2030-12-15", "end_date": "2031-01-16", "override_rate_minor": "900"}
    response = admin_client.post(reverse("admin:catalog_seasonalrate_add"), data)
    assert "Choose where it applies first: its currency follows." in response.content.decode()


def test_addon_amounts_per_currency_and_percentages(admin_client, dubai_car):
    from midas.catalog.models import AddOn

    make_location()  # a USD city too: the form offers one amount per currency
    url = reverse("admin:catalog_addon_add")
    page = admin_client.get(url).content.decode()
    assert 'name="amounts_AED"' in page and 'name="amounts_USD"' in page
    data = {
        "code": "chauffeur",
        "name": "Chauffeur",
        "pricing": "per_unit",
        "amounts_AED": "1,500",
        "amounts_USD": "",
        "pricing_units": ["day"],
        "is_active": "on",
        "position": "0",
    }
    assert admin_client.post(url, data).status_code == 302
    addon = AddOn.objects.get(code="chauffeur")
    assert addon.amounts == {"AED": 150_000} and addon.pricing_units == ["day"]
    listing = admin_client.get(reverse("admin:catalog_addon_changelist")).content.decode()
    assert "AED 1,500.00 per unit" in listing
    bad = admin_client.post(url, {**data, "code": "bad", "amounts_AED": "12.345"})
    assert "AED: AED amounts have at most 2 decimal places." in bad.content.decode()
    assert not AddOn.objects.filter(code="bad").exists()
    percent = {**data, "code": "insurance", "pricing": "percent", "rate_bp": "7.5 %"}
    assert admin_client.post(url, percent).status_code == 302
    insurance = AddOn.objects.get(code="insurance")
    assert insurance.rate_bp == 750 and insurance.amounts == {}
    page = admin_client.get(reverse("admin:catalog_addon_change", args=[insurance.pk]))
    assert re.search(r'value="7.5"[^>]*> <span class="input-label">%</span>', page.content.decode())


def test_city_tax_and_fee_as_percentages(admin_client, dubai_car):
    dubai = dubai_car.home_location
    dubai.tax_rate_bp = 500
    dubai.save()
    url = reverse("admin:catalog_location_change", args=[dubai.pk])
    page = admin_client.get(url).content.decode()
    assert re.search(r'name="tax_rate_bp" value="5"', page)
    listing = admin_client.get(reverse("admin:catalog_location_changelist")).content.decode()
    assert "5 %" in listing and "Dubai time (GST, UTC+4)" in listing
    data = {
        "slug": "dubai",
        "city": "Dubai",
        "region": "",
        "country": "AE",
        "timezone": "Asia/Dubai",
        "currency": "AED",
        "tax_rate_bp": "5",
        "service_fee_bp": "7.25",
        "tagline": "",
        "position": "0",
    }
    assert admin_client.post(url, data).status_code == 302
    dubai.refresh_from_db()
    assert (dubai.tax_rate_bp, dubai.service_fee_bp) == (500, 725)
    too_much = admin_client.post(url, {**data, "tax_rate_bp": "150"}).content.decode()
    assert "At most 100." in too_much


def test_exchange_rates_read_as_usd_1_equals_and_the_peg_is_read_only(admin_client):
    from midas.catalog.models import ExchangeRate

    aed, _ = ExchangeRate.objects.get_or_create(
        currency="AED", defaults={"per_usd": "3.6725", "pegged": True}
    )
    listing = admin_client.get(reverse("admin:catalog_exchangerate_changelist"))
    assert "USD 1 = AED 3.6725" in listing.content.decode()
    page = admin_client.get(reverse("admin:catalog_exchangerate_change", args=[aed.pk]))
    assert 'name="per_usd"' not in page.content.decode()  # the peg is shown, not edited
    admin_client.post(
        reverse("admin:catalog_exchangerate_change", args=[aed.pk]),
        {"currency": "AED", "per_usd": "4"},
    )
    aed.refresh_from_db()
    assert aed.per_usd == ExchangeRate.objects.get(currency="AED").per_usd
    assert str(aed.per_usd.normalize()) == "3.6725"
    url = reverse("admin:catalog_exchangerate_add")
    refused = admin_client.post(url, {"currency": "gbp", "per_usd": "0", "note": ""})
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to" in refused.content.decode()
    assert admin_client.post(url, {"currency": "gbp", "per_usd": "0.7312"}).status_code == 302
    gbp = ExchangeRate.objects.get(currency="GBP")
    assert not gbp.pegged and str(gbp) == "USD 1 = GBP 0.7312"


# --- preview, consoles ----------------------------------------------------------------------


def test_preview_shows_an_inactive_asset_to_staff_only(admin_client, client, dubai_car):
    from tests.factories import make_customer

    dubai_car.is_active = False
    dubai_car.save()
    change = admin_client.get(reverse("admin:catalog_asset_change", args=[dubai_car.pk]))
    text = change.content.decode()
    assert f'href="{dubai_car.get_absolute_url()}"' in text
    assert "Preview as a customer sees it" in text and "not live" in text
    preview = admin_client.get(dubai_car.get_absolute_url())
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Bugatti Chiron" in page and "Staff preview" in page
    assert preview["X-Robots-Tag"] == "noindex" and "no-store" in preview["Cache-Control"]
    assert client.get(dubai_car.get_absolute_url()).status_code == 404  # anonymous
    client.force_login(make_customer())
    assert client.get(dubai_car.get_absolute_url()).status_code == 404


def test_admin_home_links_to_the_staff_consoles(admin_client, settings):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for name in ["ops_console:console", "concierge_staff:inbox", "insights_console:dashboard"]:
        assert f'href="{reverse(name)}"' in page
    assert "Staff consoles" in page and "Support inbox" in page
    if settings.LAUNCH_INSTALLED:
        assert f'href="{reverse("launch_console:overview")}"' in page
    else:
        assert "Launch console" not in page
