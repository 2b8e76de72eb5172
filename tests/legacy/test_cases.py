"""The import on cases made here, the surprises a real export holds: the same e-mail in
another case, Google accounts, suspended and staff accounts, malformed e-mails, bookings of
items that no longer exist or of deleted customers, currencies Midas does not price in,
overlapping upcoming bookings, and a failure half-way that must leave nothing written."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.models import Booking, BookingStatus, Reservation
from midas.bookings.services import booking_cancel
from midas.catalog.models import Asset
from midas.concierge.models import Ticket
from midas.concierge.selectors import inbox
from midas.concierge.services.reviews import review_invitations_send
from midas.concierge.services.tickets import ticket_open
from midas.flags.services import flag_write
from midas.legacy import applying
from midas.legacy.services import legacy_import
from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxMessage
from midas.notifications.selectors import latest_message
from midas.payments.models import Payment
from tests.factories import PASSWORD, make_customer
from tests.legacy.conftest import REAL, date, oid, old_booking, old_user, write_site

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "Legacy-537798!"  # the clear text of the hash old_user() carries
LOGIN = "/account/login/"


def sign_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR="203.0.113.5")


def test_one_person_twice_in_another_case_is_one_account(cities, pinned, tmp_path):
    site = write_site(
        tmp_path,
        users=[
            old_user(1, "Maya.Sato@Example.com", lastLogin=date("2026-05-01T00:00:00Z")),
            old_user(2, "maya.sato@example.com", lastLogin=date("2026-11-20T00:00:00Z")),
        ],
        bookings=[old_booking("OLD-1", customer=1)],
    )
    text = legacy_import(site).render()
    assert "accounts: 1 new, 0 unchanged, 0 updated, 1 skipped" in text
    assert (
        f"users.jsonl {oid(1)['$oid']}: duplicate e-mail differing in case "
        "('Maya.Sato@Example.com' and 'maya.sato@example.com'): one account" in text
    )
    user = User.objects.get()
    assert user.email == "maya.sato@example.com" and user.legacy_id == oid(2)["$oid"]
    assert Booking.objects.get().customer == user  # the other one's booking follows


def test_a_google_account_is_sent_a_link_to_choose_a_password(cities, pinned, tmp_path, settings):
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    google = old_user(3, "omar@example.com")
    del google["password"]
    legacy_import(write_site(tmp_path, users=[google]))
    user = User.objects.get()
    assert not user.has_usable_password()
    assert OutboxMessage.objects.get(to="omar@example.com").template == "set_password"
    deliver_due(now=pinned())  # the worker sends it to the mailbox
    mail = latest_message(to="omar@example.com")
    assert mail is not None
    assert mail.subject == "Choose a password for your Midas account"
    assert "you signed in with Google" in mail.body_text
    link = re.search(r"https://midas\.example(/account/password/reset/\S+/)", mail.body_text)
    client = Client()
    assert client.get(link[1]).status_code == 200
    new = "a-fresh-harbour-2027"
    done = client.post(link[1], {"new_password": new, "new_password2": new})
    assert done.status_code == 302, done.content.decode()[:2000]
    assert sign_in(client, "omar@example.com", new).status_code == 302


def test_a_second_run_sends_no_second_invitation(cities, pinned, tmp_path):
    google = old_user(3, "omar@example.com", password="")
    site = write_site(tmp_path, users=[google])
    legacy_import(site)
    legacy_import(site)
    assert OutboxMessage.objects.filter(to="omar@example.com").count() == 1


def test_suspended_accounts_stay_inactive_and_cannot_sign_in(cities, pinned, tmp_path, client):
    legacy_import(write_site(tmp_path, users=[old_user(4, "sus@example.com", status="suspended")]))
    user = User.objects.get()
    assert not user.is_active
    assert sign_in(client, "sus@example.com", OLD_PASSWORD).status_code == 400


def test_names_phone_birthday_tier_and_staff_roles_are_kept(cities, pinned, tmp_path):
    rows = [
        old_user(5, "vip@example.com", serviceProfile={"tier": "vvip"}),
        old_user(6, "desk@example.com", role="concierge"),
    ]
    text = legacy_import(write_site(tmp_path, users=rows)).render()
    vip = User.objects.get(email="vip@example.com")
    assert (vip.first_name, vip.last_name, vip.phone) == ("Test", "Person5", "+1-202-555-0100")
    assert str(vip.date_of_birth) == "1980-01-02" and vip.service_tier == "vvip"
    assert not vip.is_staff
    desk = User.objects.get(email="desk@example.com")
    assert desk.is_staff and not desk.is_superuser
    assert list(desk.groups.values_list("name", flat=True)) == ["concierge"]
    assert "role 'concierge': staff, groups concierge" in text


def test_a_midas_account_with_the_same_address_is_linked_not_overwritten(
    cities, pinned, tmp_path, client
):
    mine = make_customer("ada@example.com")
    text = legacy_import(write_site(tmp_path, users=[old_user(7, "ADA@example.com")])).render()
    assert "accounts: 0 new, 0 unchanged, 1 updated, 0 skipped" in text
    mine.refresh_from_db()
    assert mine.legacy_id == oid(7)["$oid"]
    assert sign_in(client, "ada@example.com", PASSWORD).status_code == 302


def test_rows_it_cannot_take_are_reported_with_their_reason(cities, pinned, tmp_path):
    rows = [old_user(8, "ok@example.com"), old_user(9, "not an address@")]
    bookings = [
        old_booking("OLD-ITEM", 8, item={"itemId": "pagani-zonda-001", "itemName": "Zonda"}),
        old_booking("OLD-GONE", 99),
        old_booking("OLD-BADMAIL", 9),
        old_booking("OLD-EUR", 8, pricing={**old_booking("x", 8)["pricing"], "currency": "EUR"}),
        old_booking("OLD-PLACE", 8, location={"pickup": {"type": "marina", "city": "Monaco Port"}}),
        old_booking("OLD-UNPAID", 8, status="pending-payment", payment={"status": "pending"}),
    ]
    report = legacy_import(write_site(tmp_path, users=rows, bookings=bookings))
    text = report.render()
    assert f"users.jsonl {oid(9)['$oid']}: malformed e-mail 'not an address@'" in text
    assert "bookings.jsonl OLD-ITEM: unknown item 'pagani-zonda-001'" in text
    assert f"bookings.jsonl OLD-GONE: deleted customer ({oid(99)['$oid']})" in text
    assert "bookings.jsonl OLD-BADMAIL: the customer's account was not imported (malformed" in text
    assert "bookings.jsonl OLD-EUR: unsupported currency 'EUR' (Midas prices in AED, USD)" in text
    assert "bookings.jsonl OLD-PLACE: unknown place 'Monaco Port'" in text
    assert "'Monaco Port' (1 row)" in text  # the places to add to the reviewed table
    assert "bookings.jsonl OLD-UNPAID: never paid on the old site" in text
    assert "bookings: 0 new, 0 unchanged, 0 updated, 6 skipped" in text
    assert not Booking.objects.exists()


def test_overlapping_upcoming_bookings_first_booked_keeps_the_dates(cities, pinned, tmp_path):
    rows = [old_user(10, "first@example.com"), old_user(11, "second@example.com")]
    bookings = [
        old_booking("OLD-A", 10, createdAt=date("2026-09-01T00:00:00Z")),
        old_booking(
            "OLD-B",
            11,
            startDate=date("2027-01-11T09:00:00Z"),
            endDate=date("2027-01-14T09:00:00Z"),
            createdAt=date("2026-09-05T00:00:00Z"),
        ),
        old_booking(  # long over: history, whatever it overlapped
            "OLD-PAST-1",
            10,
            status="completed",
            startDate=date("2026-03-01T09:00:00Z"),
            endDate=date("2026-03-05T09:00:00Z"),
        ),
        old_booking(
            "OLD-PAST-2",
            11,
            status="no-show",
            startDate=date("2026-03-02T09:00:00Z"),
            endDate=date("2026-03-04T09:00:00Z"),
        ),
    ]
    site = write_site(tmp_path, users=rows, bookings=bookings)
    dry = legacy_import(site, dry_run=True).render()
    assert "keep OLD-A (booked first), hand OLD-B to the concierge" in dry
    assert "OLD-PAST-1" in dry and "both over: kept as history" in dry
    assert not Ticket.objects.exists()

    legacy_import(site)
    kept = Booking.objects.get(legacy_reference="OLD-A")
    assert kept.status == BookingStatus.CONFIRMED and kept.reservation.status == "active"
    assert not Booking.objects.filter(legacy_reference="OLD-B").exists()
    ticket = Ticket.objects.get()
    assert "OLD-B" in ticket.subject and ticket.customer.email == "second@example.com"
    assert "the customer has NOT been e-mailed" in ticket.messages.get().body
    assert not OutboxMessage.objects.filter(to="second@example.com").exists()
    past = Booking.objects.get(legacy_reference="OLD-PAST-2")
    assert past.status == BookingStatus.COMPLETED and past.reservation is None
    assert "no-show" in past.notes
    legacy_import(site)
    assert Ticket.objects.count() == 1 and Reservation.objects.count() == 1


def test_a_failure_half_way_leaves_nothing_written(cities, pinned, tmp_path, monkeypatch):
    rows = [old_user(12, "a@example.com"), old_user(13, "b@example.com")]
    bookings = [
        old_booking("OLD-1", 12),
        old_booking(
            "OLD-2",
            13,
            startDate=date("2027-02-10T09:00:00Z"),
            endDate=date("2027-02-12T09:00:00Z"),
        ),
    ]
    site = write_site(tmp_path, users=rows, bookings=bookings)
    real = applying._booking
    calls = []

    def second_one_fails(plan, **kwargs):
        calls.append(plan.legacy_reference)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        real(plan, **kwargs)

    monkeypatch.setattr(applying, "_booking", second_one_fails)
    with pytest.raises(RuntimeError):
        legacy_import(site)
    assert calls == ["OLD-1", "OLD-2"]  # the first booking had been written
    assert not Asset.objects.exclude(legacy_id="").exists()
    assert not User.objects.exists()
    assert not Booking.objects.exists() and not Reservation.objects.exists()
    assert not Payment.objects.exists() and not OutboxMessage.objects.exists()


def test_the_command_refuses_a_folder_without_the_files(cities, tmp_path):
    with pytest.raises(CommandError, match=r"missing inventory\.json, users\.jsonl, bookings"):
        call_command("legacy", "import", str(tmp_path))


def test_an_imported_booking_is_found_by_its_old_id_in_the_admin(cities, pinned, tmp_path):
    legacy_import(
        write_site(
            tmp_path,
            users=[old_user(14, "c@example.com")],
            bookings=[old_booking("MIDAS-OLD-77", 14)],
        )
    )
    staff = User.objects.create_superuser("boss@example.com", PASSWORD)
    client = Client()
    client.force_login(staff)
    booking = Booking.objects.get()
    html = client.get(reverse("admin:bookings_booking_changelist"), {"q": "MIDAS-OLD-77"})
    assert booking.reference in html.content.decode()
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert "MIDAS-OLD-77" in page.content.decode()


def test_the_concierge_finds_a_ticket_by_the_old_booking_id(cities, pinned, tmp_path):
    legacy_import(
        write_site(
            tmp_path,
            users=[old_user(15, "d@example.com")],
            bookings=[old_booking("MIDAS-OLD-88", 15)],
        )
    )
    booking = Booking.objects.get()
    ticket = ticket_open(
        email=booking.customer.email,
        subject="Can we add a chef?",
        body="For the yacht in January.",
        channel="account",
        customer=booking.customer,
        kind="booking",
        booking=booking,
    )
    staff = User.objects.create_superuser("desk2@example.com", PASSWORD)
    found = inbox(view="all", user=staff, now=timezone.now(), query="midas-old-88")
    assert list(found) == [ticket]


def test_cancelling_an_imported_booking_never_calls_a_card(cities, pinned, tmp_path):
    legacy_import(
        write_site(
            tmp_path,
            users=[old_user(16, "e@example.com")],
            bookings=[old_booking("MIDAS-OLD-99", 16)],
        )
    )
    booking = Booking.objects.get()
    booking_cancel(booking=booking, by=booking.customer, reason="plans changed")
    booking.refresh_from_db()
    assert booking.status in (BookingStatus.CANCELLED, BookingStatus.REFUNDED)
    assert booking.reservation.status == "released"
    refund = Payment.objects.get(booking=booking, kind="refund")
    assert (refund.provider, refund.status) == ("legacy", "failed")
    assert "old site's Stripe account (pi_MIDAS-OLD-99)" in refund.failure_message


def test_old_history_gets_no_review_invitation(cities, pinned, tmp_path):
    ended = old_booking(
        "MIDAS-OLD-REVIEW",
        17,
        status="completed",
        startDate=date("2026-11-20T09:00:00Z"),
        endDate=date("2026-11-25T09:00:00Z"),
    )
    legacy_import(write_site(tmp_path, users=[old_user(17, "f@example.com")], bookings=[ended]))
    assert Booking.objects.get().status == BookingStatus.COMPLETED
    flag_write(key="reviews", state="on")
    assert review_invitations_send() == 0
    assert not OutboxMessage.objects.filter(to="f@example.com").exists()


def test_the_command_needs_midas_locations_first(db, tmp_path):
    site = write_site(tmp_path, users=[old_user(18, "g@example.com")])
    with pytest.raises(CommandError, match="Midas has no locations yet"):
        call_command("legacy", "import", str(site), "--dry-run")


def test_a_later_export_updates_what_the_import_owns_and_keeps_staff_edits(
    cities, pinned, tmp_path
):
    inventory = json.loads((REAL / "inventory.json").read_text())
    legacy_import(write_site(tmp_path / "one", users=[], inventory=inventory))
    yacht = Asset.objects.get(legacy_id="icon-280-superyacht-001@dubai")
    assert yacht.base_rate_minor == 5_000_000 and yacht.is_active
    yacht.description = "Written by staff."
    yacht.is_active = False  # staff took it off sale
    yacht.save()

    inventory["categories"]["yachts"]["items"][0]["pricing"]["daily"]["aed"] = 55000
    text = legacy_import(write_site(tmp_path / "two", users=[], inventory=inventory)).render()
    assert "items: 0 new, 57 unchanged, 1 updated, 0 skipped" in text
    yacht.refresh_from_db()
    assert yacht.base_rate_minor == 5_500_000
    assert yacht.description == "Written by staff." and not yacht.is_active


def test_a_google_account_may_ask_for_a_new_link_later(cities, pinned, tmp_path, client):
    legacy_import(write_site(tmp_path, users=[old_user(19, "late@example.com", password="")]))
    pinned.advance(days=20)  # the invitation's link has expired
    response = client.post("/account/password/reset/", {"email": "late@example.com"})
    assert response.status_code == 200
    templates = list(
        OutboxMessage.objects.filter(to="late@example.com").values_list("template", flat=True)
    )
    assert sorted(templates) == ["password_reset", "set_password"]


def test_bookings_midas_cannot_hold_are_reported_not_imported(cities, pinned, tmp_path):
    bookings = [
        old_booking(  # the yacht was offered at three marinas, none in Maryland
            "OLD-WHERE", 20, location={"pickup": {"type": "marina", "city": "Maryland"}}
        ),
        old_booking(  # longer than any reservation may last
            "OLD-LONG",
            20,
            startDate=date("2027-01-10T09:00:00Z"),
            endDate=date("2028-06-01T09:00:00Z"),
        ),
    ]
    text = legacy_import(
        write_site(tmp_path, users=[old_user(20, "h@example.com")], bookings=bookings)
    ).render()
    assert "bookings.jsonl OLD-WHERE: icon-280-superyacht-001 was not offered in maryland" in text
    assert "bookings.jsonl OLD-LONG: longer than a Midas booking may last (399 days)" in text
    assert not Booking.objects.exists() and Ticket.objects.count() == 1


def test_staff_find_an_old_item_s_assets_by_its_old_id(cities, pinned, tmp_path):
    legacy_import(write_site(tmp_path, users=[]))
    client = Client()
    client.force_login(User.objects.create_superuser("desk3@example.com", PASSWORD))
    html = client.get(reverse("admin:catalog_asset_changelist"), {"q": "bugatti-chiron-001"})
    text = html.content.decode()
    assert "5 results" in text  # Dubai, Washington DC, Atlanta, Maryland, Northern Virginia
