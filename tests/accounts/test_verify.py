"""The verification link: good, tampered, expired, used twice; the welcome email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from midas.accounts import services, tokens
from midas.accounts.models import User
from midas.errors import AppError, ErrorCode
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


def new_account(**overrides):
    fields = {
        "email": "grace@example.com",
        "password": PASSWORD,
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": dt.date(1985, 12, 9),
        "now": NOW,
    }
    fields.update(overrides)
    return services.account_register(**fields)


def token_of(outbox) -> str:
    return outbox.link("verify_email").rstrip("/").rsplit("/", 1)[-1]


def test_the_link_verifies_once_and_welcomes_once(outbox):
    user = new_account()
    token = token_of(outbox)
    verified = services.account_verify_email(token, now=NOW + dt.timedelta(hours=1))
    assert verified.pk == user.pk
    assert verified.email_verified_at == NOW + dt.timedelta(hours=1)
    [welcome] = outbox.of("welcome")
    assert welcome.to == "grace@example.com"
    assert welcome.context["profile_url"] == "https://midas.example/account/"
    # opening it again is harmless: still verified, no second welcome
    again = services.account_verify_email(token, now=NOW + dt.timedelta(hours=2))
    assert again.email_verified_at == NOW + dt.timedelta(hours=1)
    assert len(outbox.of("welcome")) == 1


def test_a_tampered_link_is_refused(outbox):
    new_account()
    token = token_of(outbox)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", ""):
        with pytest.raises(AppError) as caught:
            services.account_verify_email(bad, now=NOW)
        assert caught.value.code == ErrorCode.INVALID_INPUT and caught.value.field == "token"
    assert User.objects.get().email_verified_at is None


def test_a_reset_token_is_not_a_verification_token(outbox):
    user = new_account()
    reset = tokens.PASSWORD_RESET.make(user, now=NOW)
    with pytest.raises(AppError):
        services.account_verify_email(reset, now=NOW)


def test_the_link_expires_after_three_days(outbox):
    new_account()
    token = token_of(outbox)
    services_now = NOW + tokens.VERIFY_EMAIL_MAX_AGE + dt.timedelta(seconds=1)
    with pytest.raises(AppError) as caught:
        services.account_verify_email(token, now=services_now)
    assert "expired" in caught.value.message
    # one second earlier it still works
    assert services.account_verify_email(token, now=services_now - dt.timedelta(seconds=2))


def test_a_link_for_an_old_address_is_refused(outbox):
    user = new_account()
    token = token_of(outbox)
    user.email = "new@example.com"
    user.save()
    with pytest.raises(AppError):
        services.account_verify_email(token, now=NOW)


def test_the_landing_page_signs_in_the_browser_that_registered(client, outbox):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "date_of_birth": "1985-12-09",
        "password": PASSWORD,
    }
    client.post(reverse("accounts:register") + "?next=/collection/", data)
    response = client.get(outbox.link("verify_email"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your email address is confirmed" in html
    assert 'href="/collection/"' in html
    assert response.wsgi_request.user.is_authenticated
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_the_landing_page_elsewhere_asks_to_sign_in(client, outbox):
    new_account()
    response = client.get(outbox.link("verify_email"))
    assert response.status_code == 200
    assert "Sign in" in response.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert User.objects.get().is_email_verified


def test_the_landing_page_explains_a_bad_link(client, outbox):
    response = client.get(reverse("accounts:verify", kwargs={"token": "forged:token"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This link is not valid." in html
    assert reverse("accounts:resend_verification") in html


def test_resend_gives_the_same_answer_and_mails_only_unverified_accounts(client, outbox):
    new_account()
    url = reverse("accounts:resend_verification")
    for email in ("grace@example.com", "nobody@example.com"):
        response = client.post(url, {"email": email}, follow=True)
        assert response.status_code == 200
        assert "If that address has an account waiting" in response.content.decode()
    assert len(outbox.of("verify_email", "grace@example.com")) == 2
    assert not outbox.of("verify_email", "nobody@example.com")
