"""The accounts API as a client sees it: register, token, me, BearerAuth, limits."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from midas.accounts.authentication import api_token_issue
from midas.accounts.models import ApiToken, User
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def registration(**overrides):
    body = {
        "email": "Grace@Example.com",
        "password": PASSWORD,
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": "1985-12-09",
    }
    body.update(overrides)
    return body


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_register_answers_201_and_mails_the_link(client, outbox):
    response = post(client, "/api/v1/auth/register", registration(phone="+1 202 555 0100"))
    assert response.status_code == 201
    assert response.json()["email"] == "grace@example.com"
    user = User.objects.get()
    assert user.phone == "+1 202 555 0100" and not user.is_email_verified
    assert [m.to for m in outbox.of("verify_email")] == ["grace@example.com"]


def test_register_needs_no_csrf_token(outbox):
    response = post(Client(enforce_csrf_checks=True), "/api/v1/auth/register", registration())
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "password123"}, "password"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth"),
        ({"date_of_birth": "not a date"}, "date_of_birth"),
        ({"email": "nope"}, "email"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_register_refusals_are_400_with_the_field(client, outbox, overrides, field):
    response = post(client, "/api/v1/auth/register", registration(**overrides))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and body["field"] == field
    assert not User.objects.exists()


def test_register_with_a_taken_address_answers_the_same(client, outbox):
    make_customer("grace@example.com")
    response = post(client, "/api/v1/auth/register", registration())
    assert response.status_code == 201
    assert User.objects.count() == 1
    assert outbox.of("account_exists", "grace@example.com")


def test_token_for_a_verified_account_then_me(client, customer):
    response = post(
        client, "/api/v1/auth/token", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    secret = response.json()["token"]
    assert secret.startswith("mds_") and response.json()["token_type"] == "Bearer"
    row = ApiToken.objects.get()
    assert row.key_hash != secret and secret not in row.key_hash  # stored hashed
    lifetime = row.expires_at - row.created_at
    assert abs(lifetime - dt.timedelta(days=30)) < dt.timedelta(seconds=5)
    me = client.get("/api/v1/me", **bearer(secret))
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "ada@example.com" and body["full_name"] == "Ada Lovelace"
    assert body["email_verified"] is True and body["date_of_birth"] == "1990-05-17"
    assert body["licence"] is None
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_token_refuses_an_unverified_account(client):
    make_customer(verified=False)
    response = post(
        client, "/api/v1/auth/token", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com"])
def test_token_refuses_wrong_credentials_alike(client, customer, email):
    response = post(client, "/api/v1/auth/token", {"email": email, "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "The email address or password is not correct.",
    }


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer mds_unknown", "Basic YWRhOnB3", "Token abc"]
)
def test_me_needs_a_valid_token(client, customer, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/me", **extra)
    assert response.status_code == 401
    assert response.json()["code"] == "auth_required"


def test_expired_and_revoked_tokens_stop_working(client, customer):
    _, old_secret = api_token_issue(user=customer, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert client.get("/api/v1/me", **bearer(old_secret)).status_code == 401
    _, secret = api_token_issue(user=customer)
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200
    assert client.delete("/api/v1/auth/token", **bearer(secret)).status_code == 204
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401


def test_a_deactivated_users_token_stops_working(client, customer):
    _, secret = api_token_issue(user=customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401


def test_me_accepts_the_session_of_the_pages(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["email"] == "ada@example.com"


def test_token_endpoint_is_rate_limited_with_retry_after(client, customer, clock):
    for _ in range(30):
        post(
            client,
            "/api/v1/auth/token",
            {"email": "x@example.com", "password": "p"},
            REMOTE_ADDR="192.0.2.1",
        )
        clock.advance(0.1)
    response = post(
        client,
        "/api/v1/auth/token",
        {"email": "ada@example.com", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.1",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 300
    other = post(
        Client(),
        "/api/v1/auth/token",
        {"email": "ada@example.com", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.2",
    )
    assert other.status_code == 200


def test_token_endpoint_shares_the_lockout_of_the_pages(client, customer, clock):
    for _ in range(5):
        client.post("/account/login/", {"email": "ada@example.com", "password": "guess-guess"})
    response = post(
        client, "/api/v1/auth/token", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    assert int(response["Retry-After"]) == 15 * 60


def test_registration_is_rate_limited(client, outbox, clock):
    for n in range(10):
        response = post(client, "/api/v1/auth/register", registration(email=f"g{n}@example.com"))
        assert response.status_code == 201
    response = post(client, "/api/v1/auth/register", registration(email="late@example.com"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 3600
    assert not User.objects.filter(email="late@example.com").exists()


def test_the_openapi_schema_documents_bearer_auth(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/auth/register" in schema["paths"]
    assert schema["paths"]["/api/v1/me"]["get"]["security"] == [{"BearerAuth": []}]
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
