"""The import on the old site's real export (/work/shared/legacy), the clock pinned at the
export's moment: the dry run's report, the real run, a second run, and a customer of the old
site signing in with their old password to find their upcoming booking, its dates refused
to anyone else."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from midas.accounts.models import User
from midas.bookings.models import Booking, BookingStatus, Reservation, ReservationStatus
from midas.bookings.services import booking_create
from midas.catalog.models import Asset
from midas.concierge.models import Ticket
from midas.errors import AppError, ErrorCode
from midas.legacy.services import legacy_import
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from tests.factories import make_driver
from tests.legacy.conftest import EXPORT_NOW, REAL

pytestmark = pytest.mark.django_db

DANIEL = "daniel.carter.1@example.com"  # known-passwords.json
UPCOMING = "MIDAS-1802021174985-HVC9T4NG7"  # his Cullinan in Washington DC, 8-9 Feb 2027
CLASH_KEPT = "MIDAS-1796026620175-XRKE6CXJB"  # Huracán in Dubai, booked 8 Oct 2026
CLASH_HANDED = "MIDAS-1795937541958-H2X4KYNZW"  # the same car and days, booked 24 Oct


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("legacy", "import", str(REAL), *args, stdout=out)
    return out.getvalue()


def known_password(email: str) -> str:
    rows = json.loads((REAL / "known-passwords.json").read_text())
    return next(r["password"] for r in rows if r["email"] == email)


def test_the_dry_run_reports_and_writes_nothing(cities, pinned):
    text = run("--dry-run")
    assert "Dry run: nothing written." in text
    assert "items: 58 new, 0 unchanged, 0 updated, 0 skipped" in text
    assert "accounts: 60 new, 0 unchanged, 0 updated, 0 skipped" in text
    assert "bookings: 137 new, 0 unchanged, 0 updated, 13 skipped" in text
    # every row not taken, with its reason
    assert text.count("never paid on the old site (pending payment)") == 11
    assert (
        f"bookings.jsonl {CLASH_HANDED}: overlaps {CLASH_KEPT}, booked before it: handed to "
        "the concierge (a support ticket), customer not e-mailed" in text
    )
    # every overlapping pair with its resolution
    assert f"keep {CLASH_KEPT} (booked first), hand {CLASH_HANDED} to the concierge" in text
    assert "Overlapping old bookings and their resolution (2):" in text
    # what is imported with a caveat
    assert "bugatti-chiron-001: missing required specification seats: imported inactive" in text
    assert "'480+ km/h' read as its lower bound" in text
    assert "palm-jumeirah-villa-001: missing required specifications bathrooms, guests" in text
    assert "booking(s) created after now by the old site's clock: dated now instead" in text
    assert not Asset.objects.exclude(legacy_id="").exists()
    assert not User.objects.exists() and not Booking.objects.exists()


def test_the_real_run_imports_and_a_second_run_changes_nothing(cities, pinned):
    first = run()
    assert "Imported in one transaction." in first
    assert "bookings: 137 new" in first
    assert Asset.objects.exclude(legacy_id="").count() == 58
    assert User.objects.filter(legacy_id__gt="").count() == 60
    assert Booking.objects.exclude(legacy_reference="").count() == 137
    jet = Asset.objects.get(legacy_id="gulfstream-g700-001@dubai")
    assert (jet.pricing_unit, jet.base_rate_minor, jet.currency) == ("trip", 7_300_000, "AED")
    assert jet.specs == {"range_km": 13890, "passengers": 19, "speed_kmh": 983}
    assert jet.is_active and jet.subcategory == "heavy" and jet.model_name == "G700"
    assert jet.summary == "Based at Dubai International Airport (DXB)."
    car = Asset.objects.get(legacy_id="bugatti-chiron-001@washington-dc")
    assert (car.base_rate_minor, car.currency, car.is_active) == (550_000, "USD", False)
    assert car.specs == {"engine": "8.0L Quad-Turbo W16", "horsepower": 1479, "top_speed_kmh": 420}
    # upcoming bookings hold their dates, history occupies nothing
    upcoming = Booking.objects.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS]
    )
    assert upcoming.count() == Reservation.objects.filter(status=ReservationStatus.ACTIVE).count()
    assert all(b.reservation_id for b in upcoming)
    assert not Booking.objects.filter(status=BookingStatus.COMPLETED, reservation__isnull=False)
    assert not Booking.objects.filter(created_at__gt=EXPORT_NOW).exists()
    # money settled on the old system, in the ledger, never charged again
    kept = Booking.objects.get(legacy_reference=CLASH_KEPT)
    charge = Payment.objects.get(booking=kept, kind=PaymentKind.CHARGE)
    assert (charge.provider, charge.status) == ("legacy", PaymentStatus.SUCCEEDED)
    assert charge.idempotency_key == f"legacy:{CLASH_KEPT}:charge"
    assert kept.security_deposit_minor == 0
    refunded = Booking.objects.filter(status=BookingStatus.REFUNDED)
    assert refunded.count() == 40
    assert Payment.objects.filter(kind=PaymentKind.REFUND, provider="legacy").count() == 40
    # the clash goes to the concierge, the customer hears nothing from the import
    assert Ticket.objects.count() == 2  # the Huracán in Dubai, the Bentayga in Maryland
    ticket = Ticket.objects.get(subject__contains=CLASH_HANDED)
    assert CLASH_HANDED in ticket.subject and ticket.customer.email == DANIEL
    assert not Booking.objects.filter(legacy_reference=CLASH_HANDED).exists()
    assert not OutboxMessage.objects.filter(to=DANIEL).exists()

    counts = (Asset.objects.count(), User.objects.count(), Booking.objects.count())
    payments, tickets = Payment.objects.count(), Ticket.objects.count()
    mails = OutboxMessage.objects.count()
    second = run()
    assert "items: 0 new, 58 unchanged, 0 updated" in second
    assert "accounts: 0 new, 60 unchanged, 0 updated" in second
    assert "bookings: 0 new, 137 unchanged, 0 updated, 13 skipped" in second
    assert (Asset.objects.count(), User.objects.count(), Booking.objects.count()) == counts
    assert (Payment.objects.count(), Ticket.objects.count()) == (payments, tickets)
    assert OutboxMessage.objects.count() == mails


def test_an_old_customer_signs_in_with_the_old_password_and_finds_the_booking(
    cities, pinned, client
):
    legacy_import(REAL)
    user = User.objects.get(email=DANIEL)
    assert user.password.startswith("bcrypt$$2a$12$")
    response = client.post(
        "/account/login/",
        {"email": DANIEL, "password": known_password(DANIEL)},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")  # upgraded on the first sign-in
    assert user.check_password(known_password(DANIEL))

    booking = Booking.objects.get(legacy_reference=UPCOMING)
    html = client.get(reverse("bookings:list")).content.decode()
    assert booking.reference in html and "Rolls-Royce Cullinan" in html
    # nothing to pay: it was paid on the old site
    pay = client.get(reverse("bookings:pay", args=[booking.reference]))
    assert pay.status_code == 302

    # staff complete the car (its seats), and its dates stay taken for everyone else
    car = booking.asset
    car.specs = {**car.specs, "seats": 5}
    car.is_active = True
    car.save()
    other = make_driver()
    with pytest.raises(AppError) as refused:
        booking_create(
            customer=other,
            asset=car,
            start=booking.start + dt.timedelta(hours=6),
            end=booking.end + dt.timedelta(hours=6),
        )
    assert refused.value.code == ErrorCode.SLOT_UNAVAILABLE
    browser = Client()
    browser.force_login(other)
    page = browser.post(
        reverse("bookings:checkout", args=[car.slug]),
        {
            "start": "2027-02-08T10:00",
            "end": "2027-02-09T10:00",
            "idempotency_key": "legacy-clash",
            "accept_terms": "yes",
        },
    )
    assert "Already booked for part of these times" in page.content.decode()
    assert Booking.objects.filter(customer=other).count() == 0


def test_a_wrong_password_is_refused(cities, pinned, client):
    legacy_import(REAL)
    response = client.post(
        "/account/login/",
        {"email": DANIEL, "password": "Legacy-000000!"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 400
    assert User.objects.get(email=DANIEL).password.startswith("bcrypt$")


def test_every_imported_booking_page_opens_for_its_customer(cities, pinned):
    legacy_import(REAL)
    for booking in Booking.objects.exclude(legacy_reference="").select_related("customer"):
        client = Client()
        client.force_login(booking.customer)
        page = client.get(reverse("bookings:detail", args=[booking.reference]))
        assert page.status_code == 200, (booking.legacy_reference, booking.status)
        assert booking.reference in page.content.decode()
