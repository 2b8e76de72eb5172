from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_driver, make_staff
from tests.pinned import PinnedNow, pin_now

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def concierge_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CONCIERGE_EMAIL = "concierge@midas.example"
    settings.DEFAULT_FROM_EMAIL = "Midas The Lifestyle <concierge@midas.example>"
    settings.CONCIERGE_REPLY_ADDRESS = "support@reply.midas.example"
    settings.CONCIERGE_FIRST_RESPONSE_MINUTES = 60
    settings.CONCIERGE_RESOLUTION_HOURS = 24
    settings.CONCIERGE_INBOUND_SECRET = "inbound-s3cret"
    settings.CONCIERGE_ATTACHMENT_MAX_BYTES = 1024 * 1024
    settings.CONCIERGE_ATTACHMENTS_PER_MESSAGE = 3
    settings.CONCIERGE_CONTACT_MIN_SECONDS = 3
    return settings


@pytest.fixture
def clock(monkeypatch) -> PinnedNow:
    return pin_now(monkeypatch, NOW)


@pytest.fixture
def customer(db):
    return make_driver(email="ada@example.com")


@pytest.fixture
def staff(db):
    return make_staff(email="grace@midas.example", first_name="Grace", last_name="Hopper")
