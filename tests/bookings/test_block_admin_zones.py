"""The block form and the booking pages read and show times in the asset's city, with the
zone named ("Miami time (EDT, UTC-4)"), across a daylight-saving change; the asset picker
lists every asset by city."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from midas.bookings.models import Block, Reservation
from tests.factories import NOW, make_asset, make_booking, make_location
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    return pin_now(monkeypatch, NOW)


@pytest.fixture
def miami_car():
    return make_asset("cars", make_location(), name="Ferrari Roma", slug="roma")


@pytest.fixture
def dubai_yacht():
    dubai = make_location(
        slug="dubai", city="Dubai", country="AE", timezone="Asia/Dubai", currency="AED"
    )
    return make_asset("yachts", dubai, name="Majesty 140", slug="majesty", is_active=False)


def block_form(asset, start: str, end: str) -> dict:
    return {
        "asset": asset.pk,
        "kind": "maintenance",
        "start_0": start[:10],
        "start_1": start[11:],
        "end_0": end[:10],
        "end_1": end[11:],
        "note": "Service",
    }


def test_the_asset_picker_lists_assets_by_city_with_the_zone(admin_client, miami_car, dubai_yacht):
    page = admin_client.get(reverse("admin:bookings_block_add")).content.decode()
    assert '<select name="asset"' in page
    assert '<optgroup label="Dubai — times in Dubai time (GST, UTC+4)">' in page
    assert '<optgroup label="Miami — times in Miami time (EST/EDT, UTC-5/-4)">' in page
    assert f'<option value="{dubai_yacht.pk}">Majesty 140 · Yacht (not live)</option>' in page
    assert f'<option value="{miami_car.pk}">Ferrari Roma · Car</option>' in page
    # the zone stands beside the inputs (in place of the admin's "hours ahead of server")
    assert page.count("In the asset&#x27;s city time") == 2


def test_block_typed_in_city_time_across_the_us_spring_change(admin_client, miami_car):
    # the clocks go forward in New York on Sunday 10 March 2030, 02:00 -> 03:00
    response = admin_client.post(
        reverse("admin:bookings_block_add"),
        block_form(miami_car, "2030-03-09 10:00:00", "2030-03-11 10:00:00"),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    block = Block.objects.get()
    assert block.start == dt.datetime(2030, 3, 9, 15, tzinfo=dt.UTC)  # EST, UTC-5
    assert block.end == dt.datetime(2030, 3, 11, 14, tzinfo=dt.UTC)  # EDT, UTC-4
    page = admin_client.get(reverse("admin:bookings_block_change", args=[block.pk]))
    text = page.content.decode()
    assert "2030-03-09 10:00 Miami time (EST, UTC-5)" in text
    assert "2030-03-11 10:00 Miami time (EDT, UTC-4)" in text
    listing = admin_client.get(reverse("admin:bookings_block_changelist")).content.decode()
    assert "2030-03-11 10:00 Miami time (EDT, UTC-4)" in listing


def test_a_time_the_clocks_skip_is_refused(admin_client, miami_car):
    response = admin_client.post(
        reverse("admin:bookings_block_add"),
        block_form(miami_car, "2030-03-10 02:30:00", "2030-03-11 10:00:00"),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2030-03-10 02:30 does not exist in Miami time (EST/EDT, UTC-5/-4)" in text
    assert "In Miami time (EST/EDT, UTC-5/-4)" in text  # the zone named once the asset is known
    assert not Reservation.objects.exists()


def test_a_dubai_block_is_read_in_dubai_time(admin_client, dubai_yacht):
    response = admin_client.post(
        reverse("admin:bookings_block_add"),
        block_form(dubai_yacht, "2030-03-10 09:00:00", "2030-03-12 09:00:00"),
    )
    assert response.status_code == 302
    assert Block.objects.get().start == dt.datetime(2030, 3, 10, 5, tzinfo=dt.UTC)


def test_booking_pages_name_the_zone(admin_client, miami_car):
    booking = make_booking(asset=miami_car)  # 2027-01-14 12:00 UTC
    listing = admin_client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert "2027-01-14 07:00 Miami time (EST, UTC-5)" in listing
    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert "2027-01-16 07:00 Miami time (EST, UTC-5)" in page.content.decode()
