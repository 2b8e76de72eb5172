from __future__ import annotations

import datetime as dt

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
    assert "×1.30" in seasons


def test_asset_change_page_shows_money_and_images(admin_client, dubai_car):
    page = admin_client.get(reverse("admin:catalog_asset_change", args=[dubai_car.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "AED 5,000.00" in text  # the deposit, formatted beside its minor units
    assert "midas/art/cars-1.svg" in text
    assert "horsepower (whole number, hp)" in text


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
    assert "2030-03-01 12:00 (Asia/Dubai)" in reservations.content.decode()
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
