"""The old site's import: Midas's six locations and four categories (as the demo has them),
the clock pinned at the export's moment, and helpers to write an old site's folder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from midas.catalog.inventory import import_data
from tests.pinned import PinnedNow, pin_now

REAL = Path("/work/shared/legacy")
DEMO = Path(__file__).resolve().parents[2] / "src/midas/catalog/fixtures/demo.json"
# The export was taken on 30 November 2026 in the afternoon (UTC): the bookings marked
# "in-progress" started that morning. "Now" decides upcoming (blocks dates) from history.
EXPORT_NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def cities(db) -> None:
    demo = json.loads(DEMO.read_text())
    import_data({"locations": demo["locations"], "categories": demo["categories"]})


@pytest.fixture
def pinned(monkeypatch) -> PinnedNow:
    return pin_now(monkeypatch, EXPORT_NOW)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://midas.example"


def oid(n: int) -> dict[str, str]:
    return {"$oid": f"{n:024x}"}


def date(text: str) -> dict[str, str]:
    return {"$date": text}


def old_user(n: int, email: str, **fields: Any) -> dict[str, Any]:
    row = {
        "_id": oid(n),
        "email": email,
        # bcryptjs of "Legacy-537798!" (daniel.carter.1 in the real export)
        "password": "$2a$12$WvLnVQY7EqsBK8a9y4EtLe5H4cih65mWPhdLN6odsv.lQIWsil7um",
        "firstName": "Test",
        "lastName": f"Person{n}",
        "phone": "+1-202-555-0100",
        "dateOfBirth": date("1980-01-02T00:00:00.000Z"),
        "serviceProfile": {"tier": "premium"},
        "role": "customer",
        "status": "active",
        "emailVerified": True,
        "createdAt": date("2026-01-01T00:00:00.000Z"),
        "lastLogin": date("2026-11-01T00:00:00.000Z"),
    }
    row.update(fields)
    return row


def old_booking(ref: str, customer: int, **fields: Any) -> dict[str, Any]:
    row = {
        "_id": {"$oid": "b" * 24},
        "bookingId": ref,
        "customer": oid(customer),
        "item": {"itemId": "icon-280-superyacht-001", "itemName": "Icon 280 Superyacht"},
        "startDate": date("2027-01-10T09:00:00.000Z"),
        "endDate": date("2027-01-12T09:00:00.000Z"),
        "location": {"pickup": {"type": "marina", "city": "Dubai Marina", "address": "1 Quay"}},
        "pricing": {
            "subtotal": 100000.0,
            "serviceFee": 5000.0,
            "insurance": 3000.0,
            "taxes": 5000.0,
            "securityDeposit": 300000,
            "total": 113000.0,
            "currency": "AED",
            "serviceTier": "premium",
        },
        "payment": {
            "status": "completed",
            "paidAmount": 113000.0,
            "refundedAmount": 0,
            "stripePaymentIntentId": f"pi_{ref}",
        },
        "status": "confirmed",
        "source": "website",
        "createdAt": date("2026-10-01T09:00:00.000Z"),
    }
    row.update(fields)
    return row


def write_site(
    folder: Path,
    *,
    users: list[dict[str, Any]],
    bookings: list[dict[str, Any]] = (),  # type: ignore[assignment]
    inventory: dict[str, Any] | None = None,
) -> Path:
    """An old site's folder: the real inventory unless given, these users and bookings."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(inventory) if inventory is not None else (REAL / "inventory.json").read_text()
    (folder / "inventory.json").write_text(text)
    (folder / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users))
    (folder / "bookings.jsonl").write_text("".join(json.dumps(b) + "\n" for b in bookings))
    return folder
