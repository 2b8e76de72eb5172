"""Fixtures shared by the bookings and payments tests (imported by both conftests).

- the sandbox provider keeps its objects in a file of this test's own;
- booking emails render from stub templates when the real ones are not there yet (the
  real templates, when present, win: app templates are looked up first);
- a fast password hasher.
"""

from __future__ import annotations

import copy

import pytest
from django.core.cache import cache

EMAIL_TEMPLATES = [
    "booking_held",
    "request_received",
    "staff_new_booking",
    "staff_new_request",
    "request_approved",
    "request_declined",
    "booking_confirmed",
    "payment_failed",
    "booking_cancelled",
    "staff_booking_cancelled",
    "deposit_captured",
    "deposit_released",
    "booking_reminder",
    "staff_payment_problem",
    "hold_expired",
    "staff_approval_reminder",
]


def _stubs() -> dict[str, str]:
    stubs = {}
    for name in EMAIL_TEMPLATES:
        stubs[f"emails/{name}.subject.txt"] = f"{name} {{{{ reference }}}}"
        stubs[f"emails/{name}.txt"] = (
            f"{name} {{{{ reference }}}} {{{{ asset_name }}}} {{{{ total }}}} {{{{ refund }}}}"
        )
        stubs[f"emails/{name}.html"] = f"<p>{name} {{{{ reference }}}}</p>"
    return stubs


@pytest.fixture(autouse=True)
def booking_test_settings(settings, tmp_path):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_PATH = str(tmp_path / "payments-sandbox.sqlite3")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://midas.example"
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
        ("django.template.loaders.locmem.Loader", _stubs()),
    ]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    cache.clear()
    yield
    cache.clear()
