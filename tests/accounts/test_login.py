"""Signing in and out on the pages: a new session key, safe next URLs, unverified accounts,
the rate limit, and the lockout per (account, address) that never locks the account."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"


def sign_in(client, email="ada@example.com", password=PASSWORD, ip="203.0.113.7", **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra}, REMOTE_ADDR=ip)


def test_login_page_has_labels_and_csrf(client):
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_email"' in html and '<label for="id_password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'autocomplete="current-password"' in html


def test_login_starts_a_new_session(client, customer):
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_login_with_a_mixed_case_address(client, customer):
    assert sign_in(client, email="  ADA@Example.COM").status_code == 302


def test_wrong_password_and_unknown_address_get_the_same_answer(client, customer):
    wrong = sign_in(client, password="not-the-password")
    unknown = sign_in(client, email="nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "The email address or password is not correct." in response.content.decode()
    assert not wrong.wsgi_request.user.is_authenticated


def test_unverified_accounts_cannot_sign_in_yet(client):
    make_customer(verified=False)
    response = sign_in(client)
    assert response.status_code == 400
    html = response.content.decode()
    assert "confirm your email address" in html
    assert reverse("accounts:check_email") in html
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_inactive_accounts_cannot_sign_in(client):
    make_customer(is_active=False)
    assert sign_in(client).status_code == 400


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/assets/chiron/?start=2027-03-01", "/assets/chiron/?start=2027-03-01"),
        ("https://evil.example/steal", "/account/"),
        ("//evil.example/steal", "/account/"),
        ("javascript:alert(1)", "/account/"),
        ("/account/logout/", "/account/"),
    ],
)
def test_next_is_followed_only_within_the_site(client, customer, next_url, expected):
    response = sign_in(client, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_the_profile_sends_anonymous_visitors_to_sign_in_and_back(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/"


def test_logout_is_a_post(client, customer):
    client.force_login(customer)
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200 and "ada@example.com" in page.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 200  # GET did nothing
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_logout_needs_the_csrf_token(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_header_links(client, customer, db):
    assert 'href="/account/login/"' in client.get(LOGIN).content.decode()
    client.force_login(customer)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert ">My account</a>" in html
    assert f'href="{reverse("bookings:list")}"' in html  # My bookings, from every page


# --- rate limit and lockout -------------------------------------------------------------------


def test_five_failures_lock_the_account_at_that_address_only(client, customer, clock):
    for _ in range(5):
        assert sign_in(client, password="guess-guess-guess").status_code == 400
    # locked here, even with the right password; the password is not even checked
    locked = sign_in(client)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in locked.content.decode()
    # the customer still signs in from anywhere else
    elsewhere = Client()
    assert sign_in(elsewhere, ip="198.51.100.20").status_code == 302
    # and here once the 15 minutes are over
    clock.advance(15 * 60 + 1)
    assert sign_in(client).status_code == 302


def test_an_address_guessing_many_accounts_is_locked_for_all(client, customer, clock):
    for n in range(20):
        sign_in(client, email=f"victim{n}@example.com", password="guess-guess-guess")
    response = sign_in(client)  # the real customer, from the attacker's address
    assert response.status_code == 429
    assert sign_in(Client(), ip="198.51.100.20").status_code == 302


def test_a_success_clears_the_failures(client, customer, clock):
    for _ in range(4):
        sign_in(client, password="guess-guess-guess")
    assert sign_in(client).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert sign_in(client, password="guess-guess-guess").status_code == 400
    assert sign_in(client).status_code == 302


def test_failures_age_out_of_the_window(client, customer, clock):
    for _ in range(4):
        sign_in(client, password="guess-guess-guess")
    clock.advance(2 * 15 * 60)
    for _ in range(4):
        sign_in(client, password="guess-guess-guess")
    assert sign_in(client).status_code == 302


def test_sign_in_attempts_are_rate_limited_per_address(client, customer, clock):
    for n in range(30):
        sign_in(client, email=f"someone{n}@example.com", password="x", ip=f"192.0.2.{n % 3}")
    # 10 per address so far: nobody locked; now one address alone
    for _ in range(30):
        sign_in(client, email="ada@example.com", ip="192.0.2.200")
        client.post(reverse("accounts:logout"))
    response = sign_in(client, ip="192.0.2.200")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 5 * 60
    clock.advance(5 * 60)
    assert sign_in(client, ip="192.0.2.200").status_code == 302
