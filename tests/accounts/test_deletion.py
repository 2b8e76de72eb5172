"""Account deletion: the customer from the account page (confirmed with the password) or
staff from the admin. The person is anonymised (account fields, tickets, chats, analytics),
the bookings and payments kept; refused while a booking is upcoming or a deposit held."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.urls import reverse

from midas.accounts.authentication import api_token_issue
from midas.accounts.models import ApiToken, User
from midas.bookings.models import Booking, BookingStatus
from midas.concierge.chat.models import ChatMessage
from midas.concierge.chat.services import chat_start
from midas.concierge.models import TicketMessage
from midas.concierge.services.tickets import ticket_open
from midas.insights.models import PageView
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from tests.factories import NOW, PASSWORD, make_asset, make_booking, make_driver, make_staff
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

LATER = NOW + dt.timedelta(days=40)  # every booking made at NOW, 10 days ahead, is past
URL = "/account/delete/"


@pytest.fixture
def pinned(monkeypatch):
    return pin_now(monkeypatch, LATER)


@pytest.fixture
def ada(db) -> User:
    return make_driver(
        email="ada@example.com", first_name="Ada", phone="+1 202 555 0100", legacy_id="old-7"
    )


def past_booking(customer: User, **fields) -> Booking:
    booking = make_booking(customer=customer, asset=make_asset(), now=NOW)
    Booking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.COMPLETED, notes="Prefers the hotel entrance", **fields
    )
    return booking


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_account_page_links_to_deletion_and_the_page_explains_it(ada):
    client = signed_in(ada)
    assert f'href="{URL}"' in client.get("/account/").content.decode()
    html = client.get(URL).content.decode()
    assert "This cannot be undone." in html
    assert "your past bookings and their payments are kept without your name" in html
    assert 'name="password"' in html and "Delete my account" in html


def test_a_wrong_password_deletes_nothing(ada, pinned):
    response = signed_in(ada).post(URL, {"password": "not-my-password"})
    assert response.status_code == 400
    assert "Your password is not correct." in response.content.decode()
    ada.refresh_from_db()
    assert ada.deleted_at is None and ada.email == "ada@example.com" and ada.is_active


def test_the_customer_deletes_their_account(ada, pinned, caplog):
    booking = past_booking(ada)
    api_token_issue(user=ada)
    other_browser = signed_in(ada)
    ticket = ticket_open(
        customer=ada,
        email=ada.email,
        subject="Ada's chauffeur",
        body="Call me on 0100",
        channel="account",
    )
    conversation, _ = chat_start(body="Hello, Ada here", customer=ada)
    PageView.objects.create(
        at=LATER,
        day=LATER.date(),
        visitor="v1",
        user_id=ada.pk,
        path="/",
        kind="home",
        device="phone",
    )
    client = signed_in(ada)

    with caplog.at_level(logging.INFO, logger="midas.audit"):
        response = client.post(URL, {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/account/deleted/"
    assert "Your account is deleted" in client.get("/account/deleted/").content.decode()
    ada.refresh_from_db()
    assert ada.email.endswith("@deleted.invalid") and "ada" not in ada.email
    assert (ada.first_name, ada.last_name, ada.phone, ada.legacy_id) == ("Deleted", "", "", "")
    assert ada.date_of_birth is None
    assert (ada.licence_number, ada.licence_country, ada.licence_expiry) == ("", "", None)
    assert not ada.has_usable_password() and not ada.is_active
    assert ada.deleted_at == LATER
    assert not ApiToken.objects.filter(user=ada, revoked_at__isnull=True).exists()
    # signed out here and everywhere; the old address and password open nothing
    assert client.get("/account/").status_code == 302
    assert other_browser.get("/account/").status_code == 302
    assert not Client().login(email="ada@example.com", password=PASSWORD)
    # the booking and its money stay, without the free text about the person
    kept = Booking.objects.get(pk=booking.pk)
    assert kept.customer_id == ada.pk and kept.total_minor == booking.total_minor
    assert kept.notes == ""
    # tickets, chats and analytics lose what identifies the person
    ticket.refresh_from_db()
    assert ticket.customer is None and "ada" not in ticket.email and ticket.name == ""
    assert "Ada" not in ticket.subject
    assert not TicketMessage.objects.filter(ticket=ticket, body__contains="0100").exists()
    conversation.refresh_from_db()
    assert conversation.customer is None
    assert not ChatMessage.objects.filter(body__contains="Ada").exists()
    assert not PageView.objects.filter(user_id=ada.pk).exists()
    # a last e-mail to the old address, queued before it was erased
    (mail,) = OutboxMessage.objects.filter(template="account_deleted")
    assert mail.to == "ada@example.com" and "Your account is deleted" in mail.body_text
    (entry,) = [r for r in caplog.records if "accounts.user.deleted" in r.getMessage()]
    assert entry.audit["actor"] == f"user:{ada.pk}"


def test_an_upcoming_booking_blocks_deletion_with_a_clear_message(ada, pinned):
    upcoming = make_booking(customer=ada, asset=make_asset(name="Aventador"), now=LATER)
    client = signed_in(ada)
    html = client.get(URL).content.decode()
    assert "Your account cannot be deleted yet." in html
    assert upcoming.reference in html and "cancel it first" in html
    response = client.post(URL, {"password": PASSWORD})
    assert response.status_code == 409
    ada.refresh_from_db()
    assert ada.deleted_at is None and ada.email == "ada@example.com"
    assert not OutboxMessage.objects.filter(template="account_deleted").exists()


def test_a_deposit_still_held_blocks_deletion(ada, pinned):
    booking = past_booking(ada)
    Payment.objects.create(
        booking=booking,
        kind=PaymentKind.DEPOSIT_HOLD,
        status=PaymentStatus.SUCCEEDED,
        amount_minor=500_000,
        currency=booking.currency,
        provider="sandbox",
        idempotency_key=f"deposit-{booking.pk}",
    )
    html = signed_in(ada).get(URL).content.decode()
    assert "The security deposit of" in html and booking.reference in html
    assert "still held on your card" in html
    assert signed_in(ada).post(URL, {"password": PASSWORD}).status_code == 409
    ada.refresh_from_db()
    assert ada.deleted_at is None


def test_staff_delete_an_account_from_the_admin(ada, pinned, caplog):
    past_booking(ada)
    staff = make_staff(is_superuser=True)
    admin = signed_in(staff)
    changelist = reverse("admin:accounts_user_changelist")
    asked = admin.post(changelist, {"action": "delete_accounts", "_selected_action": [ada.pk]})
    assert asked.status_code == 200
    assert "ada@example.com" in asked.content.decode()
    assert "Delete and anonymise" in asked.content.decode()
    ada.refresh_from_db()
    assert ada.deleted_at is None  # only asked so far

    with caplog.at_level(logging.INFO, logger="midas.audit"):
        done = admin.post(
            changelist,
            {"action": "delete_accounts", "_selected_action": [ada.pk], "apply": "1"},
            follow=True,
        )
    assert "1 accounts deleted and anonymised." in done.content.decode()
    ada.refresh_from_db()
    assert ada.deleted_at == LATER and ada.email.endswith("@deleted.invalid")
    (entry,) = [r for r in caplog.records if "accounts.user.deleted" in r.getMessage()]
    assert entry.audit["actor"] == f"user:{staff.pk}"
    assert OutboxMessage.objects.get(template="account_deleted").to == "ada@example.com"


def test_staff_accounts_are_not_deleted_this_way(pinned):
    staff = make_staff()
    response = signed_in(staff).get(URL)
    assert "A staff account is closed by an administrator" in response.content.decode()
