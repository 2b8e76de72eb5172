"""The profile page: details and driving licence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from midas.accounts import services
from midas.errors import AppError

pytestmark = pytest.mark.django_db

URL = "/account/"


def details(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "King",
        "phone": "+44 20 7946 0000",
        "date_of_birth": "1990-05-17",
        "licence_number": "lovel905170a99",
        "licence_country": "gb",
        "licence_expiry": "2031-05-16",
    }
    data.update(overrides)
    return data


def test_profile_shows_the_current_details(client, customer):
    client.force_login(customer)
    html = client.get(URL).content.decode()
    assert 'value="Ada"' in html and 'value="1990-05-17"' in html
    assert "ada@example.com" in html
    assert '<label for="id_licence_number"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_profile_edit_saves_details_and_licence(client, customer):
    client.force_login(customer)
    response = client.post(URL, details(), follow=True)
    assert response.status_code == 200
    assert "Your details have been saved." in response.content.decode()
    customer.refresh_from_db()
    assert customer.get_full_name() == "Ada King"
    assert customer.phone == "+44 20 7946 0000"
    assert customer.licence_number == "LOVEL905170A99"
    assert customer.licence_country == "GB"
    assert customer.licence_expiry == dt.date(2031, 5, 16)
    assert customer.has_licence


def test_profile_refuses_half_a_licence(client, customer):
    client.force_login(customer)
    response = client.post(URL, details(licence_number="", licence_country="G1"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Complete your licence details" in html
    assert "two-letter country code" in html
    customer.refresh_from_db()
    assert customer.last_name == "Lovelace"


def test_profile_refuses_an_impossible_birthday(client, customer):
    client.force_login(customer)
    response = client.post(URL, details(date_of_birth="2100-01-01"))
    assert response.status_code == 400
    assert "real date of birth" in response.content.decode()


def test_profile_licence_may_be_removed(client, customer):
    client.force_login(customer)
    client.post(URL, details())
    client.post(URL, details(licence_number="", licence_country="", licence_expiry=""))
    customer.refresh_from_db()
    assert not customer.has_licence and customer.licence_expiry is None


def test_update_profile_service_validates_too(customer):
    with pytest.raises(AppError) as caught:
        services.account_update_profile(
            user=customer, first_name="", last_name="x", date_of_birth=dt.date(1990, 1, 1)
        )
    assert caught.value.field == "first_name"


def test_profile_needs_a_signed_in_user(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
