"""The pages: a customer's conversations, a new ticket from a booking, the contact form
(anonymous, rate-limited, honeypot and minimum fill time), the staff inbox and admin."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from midas.concierge.forms import STARTED_SALT
from midas.concierge.models import SavedReply, Ticket, TicketStatus
from midas.concierge.services import ticket_answer, ticket_open
from tests.concierge.conftest import PNG
from tests.factories import make_booking, make_driver, outbox, templates_sent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


def started(seconds_ago: float = 10) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=STARTED_SALT)


def contact_form(**more):
    data = {
        "name": "Bob Visitor",
        "email": "bob@example.com",
        "subject": "A yacht for a wedding",
        "body": "Sixty guests in June.",
        "website": "",
        "started": started(),
    }
    data.update(more)
    return data


def test_the_contact_page_shows_the_form_and_is_not_cached(client):
    response = client.get(reverse("web:contact"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="website"' in html and 'class="hp-field"' in html
    assert 'name="started"' in html and "csrfmiddlewaretoken" in html
    assert "style=" not in html.split('id="write"')[1].split("</form>")[0]  # CSP: no inline


def test_an_anonymous_visitor_opens_a_ticket_from_the_contact_page(client):
    response = client.post(reverse("web:contact"), contact_form())
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.email, ticket.name, ticket.channel) == (
        "bob@example.com",
        "Bob Visitor",
        "contact",
    )
    assert ticket.customer is None
    assert f"ticket #{ticket.pk}" in response.content.decode()
    assert templates_sent() == ["ticket_received", "staff_new_ticket"]


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_written(client):
    response = client.post(reverse("web:contact"), contact_form(website="http://spam.example"))
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert not Ticket.objects.exists() and not outbox()


@pytest.mark.parametrize(
    "stamp",
    [
        lambda: started(0.5),  # faster than a person types
        lambda: "forged:value",
        lambda: "",
        lambda: signing.dumps(time.time() - 3 * 86400, salt=STARTED_SALT),  # signed now, old
        lambda: signing.dumps(time.time() - 10, salt="another-salt"),
    ],
)
def test_a_form_sent_too_fast_or_with_a_bad_timestamp_is_refused(client, stamp):
    stamp = stamp()
    response = client.post(reverse("web:contact"), contact_form(started=stamp))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_the_contact_form_is_rate_limited_per_address(client):
    for n in range(5):
        assert client.post(reverse("web:contact"), contact_form(subject=f"n{n}")).status_code == 200
    response = client.post(reverse("web:contact"), contact_form())
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Ticket.objects.count() == 5


def test_a_signed_in_customer_writes_without_name_or_address(client, customer):
    client.force_login(customer)
    html = client.get(reverse("web:contact")).content.decode()
    assert 'name="email"' not in html
    data = contact_form()
    del data["name"], data["email"]
    client.post(reverse("web:contact"), data)
    assert Ticket.objects.get().customer == customer


def test_a_concierge_request_from_a_booking(client, customer):
    booking = make_booking(customer=customer)
    client.force_login(customer)
    page = client.get(reverse("concierge:new") + f"?booking={booking.reference}&kind=chauffeur")
    assert page.status_code == 200
    assert f'value="{booking.reference}" selected' in page.content.decode()
    response = client.post(
        reverse("concierge:new"),
        {
            "kind": "chauffeur",
            "booking": booking.reference,
            "subject": "A driver for the first day",
            "body": "From the airport at 10.",
            "attachments": [SimpleUploadedFile("passport.png", PNG, content_type="image/png")],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert ticket.booking == booking and ticket.kind == "chauffeur"
    file = ticket.messages.get().attachments.get()
    assert client.get(reverse("concierge:file", args=[file.pk])).getvalue() == PNG


def test_a_concierge_request_without_a_booking_is_refused(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("concierge:new"), {"kind": "restaurant", "subject": "x", "body": "y"}
    )
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_a_customer_sees_answers_replies_and_never_another_customers_ticket(
    client, customer, staff
):
    ticket = ticket_open(
        customer=customer, email="", subject="Itinerary", body="3 days", channel="account"
    )
    ticket_answer(ticket=ticket, by=staff, body="Here is a plan")
    ticket_answer(ticket=ticket, by=staff, body="VIP — secret note", internal=True)
    client.force_login(customer)
    listing = client.get(reverse("concierge:tickets")).content.decode()
    assert "Itinerary" in listing
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Here is a plan" in page and "secret note" not in page
    client.post(ticket.get_absolute_url(), {"body": "Lovely"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN

    other = make_driver(email="eve@example.com")
    client.force_login(other)
    assert client.get(ticket.get_absolute_url()).status_code == 404
    assert client.post(ticket.get_absolute_url(), {"body": "hijack"}).status_code == 404
    file_url = reverse("concierge:file", args=[1])
    assert client.get(file_url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("concierge:tickets"))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_staff_inbox_answers_triages_and_uses_saved_replies(client, customer, staff):
    ticket = ticket_open(
        customer=customer,
        email="",
        subject="Delivery change",
        body="To the villa",
        channel="account",
    )
    reply = SavedReply.objects.create(title="Done", body="Dear {name}, all set for {ticket}.")
    client.force_login(staff)
    inbox = client.get(reverse("concierge_staff:inbox")).content.decode()
    assert "Delivery change" in inbox
    page = client.get(reverse("concierge_staff:ticket", args=[ticket.pk]) + f"?saved={reply.pk}")
    assert f"Dear Ada, all set for #{ticket.pk}." in page.content.decode()
    response = client.post(
        reverse("concierge_staff:answer", args=[ticket.pk]),
        {"body": "All set.", "status": "resolved"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("concierge_staff:triage", args=[ticket.pk]),
        {"status": "resolved", "priority": "high", "assignee": str(staff.pk), "tags": "villa, vip"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.priority == "high" and ticket.assignee == staff
    assert sorted(t.name for t in ticket.tags.all()) == ["villa", "vip"]
    assert "ticket_answer" in templates_sent(to="ada@example.com")
    late = client.get(reverse("concierge_staff:inbox") + "?view=resolved").content.decode()
    assert "Delivery change" in late


def test_the_staff_inbox_is_staff_only(client, customer):
    assert client.get(reverse("concierge_staff:inbox")).status_code == 302
    client.force_login(customer)
    assert client.get(reverse("concierge_staff:inbox")).status_code == 404
    assert client.get(reverse("concierge_staff:ticket", args=[1])).status_code == 404


def test_the_admin_changes_go_through_the_service(client, customer):
    from tests.factories import make_staff

    admin_user = make_staff(email="root@midas.example", is_superuser=True)
    ticket = ticket_open(customer=customer, email="", subject="Admin", body="x", channel="account")
    client.force_login(admin_user)
    assert client.get(reverse("admin:concierge_ticket_changelist")).status_code == 200
    url = reverse("admin:concierge_ticket_change", args=[ticket.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("admin:concierge_ticket_changelist"),
        {"action": "mark_resolved", "_selected_action": [ticket.pk]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert "ticket_resolved" in templates_sent(to="ada@example.com")


def test_the_booking_and_account_pages_lead_to_the_concierge(client, customer):
    booking = make_booking(customer=customer)
    client.force_login(customer)
    page = client.get(reverse("bookings:detail", args=[booking.reference])).content.decode()
    assert f"{reverse('concierge:new')}?booking={booking.reference}&amp;kind=chauffeur" in page
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("concierge:tickets") in profile


def test_midas_mail_in_is_a_command(capsys):
    from midas.cli import main

    with pytest.raises(SystemExit) as done:
        main(["mail-in", "--help"])
    assert done.value.code == 0
    assert "--port" in capsys.readouterr().out


def test_the_admin_ticket_list_leads_to_the_inbox(client):
    from tests.factories import make_staff

    client.force_login(make_staff(email="root@midas.example", is_superuser=True))
    page = client.get(reverse("admin:concierge_ticket_changelist")).content.decode()
    assert reverse("concierge_staff:inbox") in page


def test_the_inbox_costs_the_same_queries_for_3_or_30_tickets(
    client, customer, staff, django_assert_max_num_queries
):
    from midas.concierge.services import ticket_update

    def fill(n):
        for i in range(n):
            ticket = ticket_open(
                customer=customer, email="", subject=f"t{i}", body="x", channel="account"
            )
            ticket_update(ticket=ticket, by=staff, tags=["vip", f"t{i}"], assignee=staff)

    client.force_login(staff)
    fill(3)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("concierge_staff:inbox")).status_code == 200
    fill(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("concierge_staff:inbox")).status_code == 200


def test_the_ops_console_shows_the_inbox_at_a_glance(client, customer, staff, clock):
    ticket_open(customer=customer, email="", subject="late", body="x", channel="account")
    clock.advance(minutes=61)
    client.force_login(staff)
    page = client.get("/ops/").content.decode()
    support = page.split('id="support"')[1].split("</section>")[0]
    assert reverse("concierge_staff:inbox") in support
    assert '<td class="num bad">1</td>' in support  # past a target
