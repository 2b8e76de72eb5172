"""The security headers every response carries: pages, the API, the admin's sign-in."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PATHS = ["/", "/collection/", "/api/v1/assets", "/admin/login/", "/no-such-page/"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_them(client, path):
    response = client.get(path)
    assert response["Permissions-Policy"].startswith("accelerometer=()")
    assert "camera=()" in response["Permissions-Policy"]
    assert "payment" not in response["Permissions-Policy"]  # Stripe's wallets may need it
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_hsts_covers_subdomains_and_preload_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
