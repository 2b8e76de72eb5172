"""Password reset (same answer for unknown addresses, single-use, expiring links) and
password change (other sessions and API tokens end, this one stays)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from midas.accounts import services, tokens
from midas.accounts.authentication import api_token_authenticate, api_token_issue
from midas.accounts.models import User
from midas.errors import AppError, ErrorCode
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "saffron-lantern-2077"


def test_reset_request_gives_the_same_answer_for_unknown_addresses(client, customer, outbox):
    url = reverse("accounts:password_reset")
    known = client.post(url, {"email": "ada@example.com"})
    unknown = client.post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, e: r.content.decode().replace(e, "EMAIL")  # noqa: E731
    assert strip(known, "ada@example.com") == strip(unknown, "nobody@example.com")
    assert [m.to for m in outbox.of("password_reset")] == ["ada@example.com"]
    assert outbox.of("password_reset")[0].context["valid_for"] == "1 hour"


def test_reset_link_sets_the_password_once(client, customer, outbox):
    client.post(reverse("accounts:password_reset"), {"email": "ada@example.com"})
    link = outbox.link("password_reset")
    page = client.get(link)
    assert page.status_code == 200
    assert '<meta name="referrer" content="same-origin">' in page.content.decode()
    response = client.post(link, {"new_password": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # the same link again: used
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert client.post(link, {"new_password": "another-long-phrase-9"}).status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_reset_refuses_a_weak_password(client, customer, outbox):
    client.post(reverse("accounts:password_reset"), {"email": "ada@example.com"})
    response = client.post(outbox.link("password_reset"), {"new_password": "password123"})
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_reset_link_expires_after_an_hour(customer):
    issued = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
    token = tokens.PASSWORD_RESET.make(customer, now=issued)
    late = issued + dt.timedelta(hours=1, seconds=1)
    with pytest.raises(AppError) as caught:
        services.account_reset_password(token, NEW_PASSWORD, now=late)
    assert caught.value.code == ErrorCode.INVALID_INPUT and "expired" in caught.value.message
    services.account_reset_password(token, NEW_PASSWORD, now=issued + dt.timedelta(minutes=59))


def test_signing_in_spends_reset_links(client, customer):
    token = tokens.PASSWORD_RESET.make(customer, now=timezone.now())
    client.post("/account/login/", {"email": "ada@example.com", "password": PASSWORD})
    with pytest.raises(AppError):
        services.account_reset_password(token, NEW_PASSWORD)


def test_reset_verifies_the_address_and_revokes_api_tokens(outbox):
    user = make_customer(verified=False)
    _, secret = api_token_issue(user=user)
    token = tokens.PASSWORD_RESET.make(user, now=timezone.now())
    services.account_reset_password(token, NEW_PASSWORD)
    user.refresh_from_db()
    assert user.is_email_verified
    assert api_token_authenticate(secret=secret) is None


def test_change_password_ends_the_other_sessions(customer):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        browser.post("/account/login/", {"email": "ada@example.com", "password": PASSWORD})
        assert browser.get(reverse("accounts:profile")).status_code == 200
    _, secret = api_token_issue(user=customer)
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "signed out everywhere else" in response.content.decode()
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302
    assert api_token_authenticate(secret=secret) is None
    assert User.objects.get().check_password(NEW_PASSWORD)


def test_change_password_checks_the_current_one(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-it", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "current password is not correct" in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_change_password_refuses_a_password_like_the_name(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "ada@example.com"},
    )
    assert response.status_code == 400
    assert "too similar" in response.content.decode()
