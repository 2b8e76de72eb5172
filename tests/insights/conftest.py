from __future__ import annotations

import pytest

from midas.insights.identity import SALTS
from midas.insights.recorder import RECORDER

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
TABLET = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"


@pytest.fixture(autouse=True)
def fresh_recorder(settings):
    settings.INSIGHTS_FLUSH_SECONDS = 3600  # nothing flushes by itself during a test
    settings.RATE_LIMITS_ENABLED = True
    RECORDER.clear()
    SALTS.forget()
    yield RECORDER
    RECORDER.clear()
    SALTS.forget()


@pytest.fixture(autouse=True)
def sandbox_payments(settings, tmp_path):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_PATH = str(tmp_path / "payments-sandbox.sqlite3")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
