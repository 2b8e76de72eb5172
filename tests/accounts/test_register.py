"""Registration: the service's rules, the page, and what a duplicate address reveals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from midas.accounts import services
from midas.accounts.models import User
from midas.errors import AppError, ErrorCode
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


def register(**overrides):
    fields = {
        "email": "Grace.Hopper@Example.com",
        "password": PASSWORD,
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": dt.date(1985, 12, 9),
        "phone": "+1 202 555 0100",
        "now": NOW,
    }
    fields.update(overrides)
    return services.account_register(**fields)


def test_register_creates_an_unverified_account_and_sends_the_link(outbox):
    user = register()
    assert user.email == "grace.hopper@example.com"
    assert user.check_password(PASSWORD)
    assert user.get_full_name() == "Grace Hopper"
    assert user.email_verified_at is None and not user.is_beta
    [mail] = outbox.of("verify_email")
    assert mail.to == "grace.hopper@example.com"
    assert mail.context["url"].startswith("https://midas.example/account/verify/")
    assert mail.context["valid_for"] == "3 days"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "short"}, "password", "too short"),
        ({"password": "password1234"}, "password", "too common"),
        ({"password": "8362019475620"}, "password", "entirely numeric"),
        ({"password": "gracehopper@example.com"}, "password", "too similar"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"first_name": "  "}, "first_name", "required"),
        ({"last_name": ""}, "last_name", "required"),
        ({"phone": "call me"}, "phone", "country code"),
        ({"date_of_birth": None}, "date_of_birth", "Enter your date of birth"),
        ({"date_of_birth": dt.date(2027, 6, 1)}, "date_of_birth", "real date"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "date_of_birth", "real date"),
        ({"date_of_birth": dt.date(2009, 1, 5)}, "date_of_birth", "18 or older"),
    ],
)
def test_register_refuses_bad_input(outbox, overrides, field, message):
    with pytest.raises(AppError) as caught:
        register(**overrides)
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert caught.value.field == field
    assert message in caught.value.message
    assert not User.objects.exists() and not outbox.sent


def test_eighteen_today_may_register(outbox):
    user = register(date_of_birth=dt.date(2009, 1, 4))
    assert user.date_of_birth == dt.date(2009, 1, 4)


def test_a_taken_address_is_email_taken_whatever_its_case(outbox):
    make_customer("grace.hopper@example.com")
    with pytest.raises(AppError) as caught:
        register(email="GRACE.HOPPER@example.com ")
    assert caught.value.code == ErrorCode.EMAIL_TAKEN
    assert User.objects.count() == 1 and not outbox.of("verify_email")


# --- the page -------------------------------------------------------------------------------


def form(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "date_of_birth": "1985-12-09",
        "phone": "",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def test_register_page_renders_with_labels_and_csrf(client):
    response = client.get(reverse("accounts:register"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    for name in ("first_name", "last_name", "email", "date_of_birth", "password"):
        assert f'<label for="id_{name}"' in html
    assert 'autocomplete="new-password"' in html


def test_register_page_needs_the_csrf_token(outbox):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("accounts:register"), form())
    assert response.status_code == 403
    assert not User.objects.exists()


def test_register_page_goes_to_check_your_email(client, outbox):
    response = client.post(reverse("accounts:register"), form(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:check_email")
    assert "grace@example.com" in response.content.decode()
    assert User.objects.get().email == "grace@example.com"
    assert len(outbox.of("verify_email")) == 1


def test_register_page_shows_every_problem_at_once(client, outbox):
    data = form(password="password", date_of_birth="2015-01-01", first_name="")
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "This password is too common" in html
    assert "18 or older" in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_password_helptext id_password_error"' in html
    assert not User.objects.exists()


def test_register_page_does_not_reveal_an_existing_account(client, outbox):
    make_customer("grace@example.com")
    response = client.post(reverse("accounts:register"), form(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:check_email")
    assert "grace@example.com" in response.content.decode()
    assert User.objects.count() == 1
    # the owner hears about it instead, once a day at most
    assert len(outbox.of("account_exists", "grace@example.com")) == 1
    assert not outbox.of("verify_email")


def test_register_page_keeps_a_safe_next_for_after_verification(client, outbox):
    client.post(reverse("accounts:register") + "?next=/assets/chiron/", form())
    assert client.session["accounts_next"] == "/assets/chiron/"
    client.logout()
    client.post(reverse("accounts:register") + "?next=https://evil.example/", form(email="b@x.io"))
    assert client.session["accounts_next"] == ""


def test_signed_in_visitors_skip_the_register_page(client, customer):
    client.force_login(customer)
    response = client.get(reverse("accounts:register"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")


def test_full_name_is_derived_and_still_settable():
    user = User(first_name="Ada", last_name="Lovelace")
    assert user.full_name == "Ada Lovelace"
    user.full_name = "Midas Concierge Team"
    assert (user.first_name, user.last_name) == ("Midas", "Concierge Team")
    assert User(email="x@example.com").get_full_name() == "x@example.com"


def test_create_superuser_keeps_accepting_full_name():
    staff = User.objects.create_superuser(
        "staff@example.com", PASSWORD, full_name="Midas Concierge"
    )
    assert staff.get_full_name() == "Midas Concierge"
    assert staff.is_email_verified
    assert timezone.now() - staff.email_verified_at < dt.timedelta(minutes=1)
