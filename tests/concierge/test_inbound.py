"""E-mail answers landing in their thread: SendGrid's Inbound Parse POST (its documented
multipart fields, as SendGrid sends them) and ``midas mail-in`` (a real aiosmtpd server on
loopback, fed by smtplib); quoted text cut off; unknown or forged addresses refused."""

from __future__ import annotations

import base64
import json
import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from midas.concierge import threading
from midas.concierge.inbound import html_text, reply_text
from midas.concierge.mail_in import controller
from midas.concierge.models import Ticket, TicketMessage, TicketStatus
from midas.concierge.services import ticket_open, ticket_update
from midas.concierge.threading import REPLY_MARKER
from tests.concierge.conftest import PDF, PNG

INBOUND = "/api/v1/email/inbound"


def basic(password: str = "inbound-s3cret") -> str:  # noqa: S107 (a test secret)
    return "Basic " + base64.b64encode(f"inbound:{password}".encode()).decode()


def open_ticket(customer):
    return ticket_open(
        customer=customer,
        email=customer.email,
        subject="Chauffeur on Friday",
        body="From the hotel at 7.",
        channel="account",
    )


ANSWER = f"""Yes, 7 sharp please. Two bags.

{REPLY_MARKER}

On Mon, 1 Mar 2027 at 10:00, Midas <support@reply.midas.example> wrote:
> Your concierge answered
> Shall we send the car at 7?
"""


def sendgrid_fields(ticket_id: int, **more: str) -> dict[str, str]:
    """The parsed-mode fields SendGrid posts (docs: Inbound Email Parse Webhook)."""
    to = threading.reply_address(ticket_id)
    fields = {
        "headers": (
            "Received: by mx0047p1mdw1.sendgrid.net\n"
            "From: Ada Lovelace <ada@example.com>\n"
            f"To: {to}\n"
            "Subject: Re: Chauffeur on Friday\n"
            "Message-ID: <CAB1234@mail.example.com>\n"
        ),
        "dkim": "{@example.com : pass}",
        "to": to,
        "from": "Ada Lovelace <ada@example.com>",
        "text": ANSWER,
        "html": "<p>Yes, 7 sharp please. Two bags.</p><blockquote>old</blockquote>",
        "sender_ip": "209.85.223.172",
        "envelope": json.dumps({"to": [to], "from": "ada@example.com"}),
        "attachments": "0",
        "subject": "Re: Chauffeur on Friday",
        "charsets": json.dumps(
            {"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8", "text": "UTF-8"}
        ),
        "SPF": "pass",
    }
    fields.update(more)
    return fields


# --- Quoted text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (ANSWER, "Yes, 7 sharp please. Two bags."),
        ("Fine\n\n-----Original Message-----\nFrom: Midas\nSent: Monday", "Fine"),
        ("Thanks!\n> quoted\n> more", "Thanks!"),
        ("See you\n-- \nAda\n+1 202", "See you"),
        ("Great\n\nSent from my iPhone\n\nOn Mon, Midas wrote:\n> x", "Great"),
        (
            "Line one\nLine two\n\nOn 1 Mar 2027, at 10:00, Midas wrote:\n\n> old",
            "Line one\nLine two",
        ),
    ],
)
def test_the_answer_is_kept_and_what_it_quotes_is_cut(text, kept):
    assert reply_text(text) == kept


def test_an_html_only_answer_becomes_text_without_its_quote():
    html = (
        "<div>Yes please<br>at 7</div><div class='gmail_quote'>On Mon wrote:"
        "<blockquote>old</blockquote></div>"
    )
    assert html_text(html) == "Yes please\nat 7"


# --- SendGrid Inbound Parse -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sendgrid_post_lands_in_the_thread_with_its_attachments(client, customer, staff):
    ticket = open_ticket(customer)
    ticket_update(ticket=ticket, by=staff, status="waiting")
    data = sendgrid_fields(
        ticket.pk,
        **{
            "attachments": "2",
            "attachment-info": json.dumps(
                {
                    "attachment1": {
                        "filename": "luggage.png",
                        "name": "luggage.png",
                        "type": "image/png",
                    },
                    "attachment2": {
                        "filename": "flight.pdf",
                        "name": "flight.pdf",
                        "type": "application/pdf",
                    },
                }
            ),
        },
    )
    data["attachment1"] = SimpleUploadedFile("luggage.png", PNG, content_type="image/png")
    data["attachment2"] = SimpleUploadedFile("flight.pdf", PDF, content_type="application/pdf")

    response = client.post(INBOUND, data, HTTP_AUTHORIZATION=basic())

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "threaded", "ticket": ticket.pk, "reason": ""}
    last = ticket.messages.last()
    assert last.body == "Yes, 7 sharp please. Two bags." and last.channel == "email"
    assert last.message_id == "<CAB1234@mail.example.com>"
    assert [a.filename for a in last.attachments.all()] == ["luggage.png", "flight.pdf"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert "<CAB1234@mail.example.com>" in ticket.email_thread

    again = client.post(INBOUND, sendgrid_fields(ticket.pk), HTTP_AUTHORIZATION=basic())
    assert again.json()["status"] == "duplicate"  # SendGrid retried: the same Message-ID
    assert ticket.messages.count() == 2


@pytest.mark.django_db
def test_the_raw_mime_mode_lands_too(client, customer):
    ticket = open_ticket(customer)
    mime = EmailMessage()
    mime["From"], mime["To"] = "ada@example.com", threading.reply_address(ticket.pk)
    mime["Subject"], mime["Message-ID"] = "Re: Chauffeur", "<raw-1@mail.example.com>"
    mime.set_content("Raw answer\n\n> quoted")
    data = {
        "email": mime.as_string(),
        "envelope": json.dumps(
            {"to": [threading.reply_address(ticket.pk)], "from": "ada@example.com"}
        ),
    }
    response = client.post(INBOUND, data, HTTP_AUTHORIZATION=basic())
    assert response.json()["status"] == "threaded"
    assert ticket.messages.last().body == "Raw answer"


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["", basic("wrong"), "Basic not-base64!", "Bearer inbound-s3cret"])
def test_sendgrid_posts_without_the_secret_are_401_and_write_nothing(client, customer, auth):
    ticket = open_ticket(customer)
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    response = client.post(INBOUND, sendgrid_fields(ticket.pk), **headers)
    assert response.status_code == 401 and response.json()["code"] == "auth_required"
    assert ticket.messages.count() == 1


@pytest.mark.django_db
def test_with_no_secret_configured_the_door_is_closed(client, customer, settings):
    settings.CONCIERGE_INBOUND_SECRET = ""
    ticket = open_ticket(customer)
    response = client.post(INBOUND, sendgrid_fields(ticket.pk), HTTP_AUTHORIZATION=basic())
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_forged_or_unknown_reply_address_is_rejected(client, customer):
    ticket = open_ticket(customer)
    good = threading.reply_address(ticket.pk)
    forged = good.replace(f"+{ticket.pk}.", f"+{ticket.pk + 1}.")
    for to in (forged, "support@reply.midas.example", "someone@else.example"):
        fields = sendgrid_fields(
            ticket.pk, to=to, envelope=json.dumps({"to": [to], "from": "x@y.z"})
        )
        response = client.post(INBOUND, fields, HTTP_AUTHORIZATION=basic())
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
    assert TicketMessage.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_json_or_an_empty_form_is_400(client):
    response = client.post(
        INBOUND, "{}", content_type="application/json", HTTP_AUTHORIZATION=basic()
    )
    assert response.status_code == 400
    response = client.post(INBOUND, {"text": "hi"}, HTTP_AUTHORIZATION=basic())
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


@pytest.mark.django_db
def test_an_answer_to_a_closed_ticket_opens_a_new_one(client, customer, staff):
    ticket = open_ticket(customer)
    ticket_update(ticket=ticket, by=staff, status="closed")
    response = client.post(INBOUND, sendgrid_fields(ticket.pk), HTTP_AUTHORIZATION=basic())
    body = response.json()
    assert body["status"] == "reopened_as_new" and body["ticket"] != ticket.pk
    new = Ticket.objects.get(pk=body["ticket"])
    assert new.customer == customer and new.subject == "Re: Chauffeur on Friday"
    assert f"closed ticket #{ticket.pk}" in new.messages.first().body


# --- midas mail-in (aiosmtpd on loopback) -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_in():
    port = free_port()
    server = controller("127.0.0.1", port)
    server.start()
    yield port
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_mail_in_lands_an_answer_with_a_pdf_and_refuses_forged_recipients(mail_in, customer):
    ticket = open_ticket(customer)
    address = threading.reply_address(ticket.pk)
    message = EmailMessage()
    message["From"], message["To"] = "Ada <ada@example.com>", f"Midas <{address}>"
    message["Subject"], message["Message-ID"] = "Re: Chauffeur", "<smtp-1@mail.example.com>"
    message.set_content(ANSWER)
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="flight.pdf")

    with smtplib.SMTP("127.0.0.1", mail_in, timeout=10) as smtp:
        refused = smtp.sendmail("ada@example.com", [address], message.as_bytes())
        assert refused == {}
        forged = address.replace(f"+{ticket.pk}.", f"+{ticket.pk + 1}.")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
            smtp.sendmail(
                "x@evil.example", [forged, "postmaster@reply.midas.example"], b"Subject: x\r\n\r\nx"
            )
        assert {code for code, _ in caught.value.recipients.values()} == {550}

    last = ticket.messages.order_by("id").last()
    assert last.body == "Yes, 7 sharp please. Two bags."
    assert last.channel == "email" and last.message_id == "<smtp-1@mail.example.com>"
    assert [a.filename for a in last.attachments.all()] == ["flight.pdf"]
    assert ticket.messages.count() == 2


@pytest.mark.django_db(transaction=True)
def test_mail_in_leaves_out_a_file_that_is_not_an_image_nor_a_pdf(mail_in, customer):
    ticket = open_ticket(customer)
    address = threading.reply_address(ticket.pk)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ada@example.com", address, "Re"
    message.set_content("Here is the file")
    message.add_attachment(
        b"MZ\x90\x00evil", maintype="application", subtype="octet-stream", filename="photo.jpg"
    )
    with smtplib.SMTP("127.0.0.1", mail_in, timeout=10) as smtp:
        smtp.sendmail("ada@example.com", [address], message.as_bytes())
    last = ticket.messages.order_by("id").last()
    assert last.body.startswith("Here is the file\n\n[Not kept: photo.jpg is not an image or a PDF")
    assert not last.attachments.exists()


def multipart(fields: dict[str, bytes], boundary: str = "xYzZY") -> tuple[bytes, str]:
    """A multipart/form-data body of raw bytes, as SendGrid sends a field in the e-mail's
    own charset (the test client would encode every value as UTF-8)."""
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db
def test_each_field_is_read_in_the_charset_sendgrid_names(client, customer):
    ticket = open_ticket(customer)
    fields = {
        key: value.encode()
        for key, value in sendgrid_fields(ticket.pk).items()
        if key not in ("text", "html", "charsets")
    }
    fields["text"] = "Très bien, à vendredi. Grüße\n\n> Déjà".encode("iso-8859-1")
    fields["charsets"] = json.dumps(
        {"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8", "text": "iso-8859-1"}
    ).encode()
    body, content_type = multipart(fields)
    response = client.post(INBOUND, body, content_type=content_type, HTTP_AUTHORIZATION=basic())
    assert response.json()["status"] == "threaded", response.content
    assert ticket.messages.last().body == "Très bien, à vendredi. Grüße"


@pytest.mark.django_db
def test_a_raw_mime_message_keeps_its_own_bytes(client, customer):
    ticket = open_ticket(customer)
    address = threading.reply_address(ticket.pk)
    mime = EmailMessage()
    mime["From"], mime["To"], mime["Subject"] = "ada@example.com", address, "Re"
    mime["Message-ID"] = "<raw-8bit@mail.example.com>"
    mime.set_content("Ça marche, merci ✓", cte="8bit")
    body, content_type = multipart(
        {"email": mime.as_bytes(), "envelope": json.dumps({"to": [address]}).encode()}
    )
    response = client.post(INBOUND, body, content_type=content_type, HTTP_AUTHORIZATION=basic())
    assert response.json()["status"] == "threaded"
    assert ticket.messages.last().body == "Ça marche, merci ✓"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["Auto-Submitted: auto-replied", "Precedence: auto_reply", "X-Autoreply: yes"]
)
def test_an_out_of_office_answer_is_ignored(client, customer, staff, header):
    ticket = open_ticket(customer)
    ticket_update(ticket=ticket, by=staff, status="waiting")
    fields = sendgrid_fields(ticket.pk)
    fields["headers"] += header + "\n"
    response = client.post(INBOUND, fields, HTTP_AUTHORIZATION=basic())
    assert response.json()["status"] == "ignored"
    ticket.refresh_from_db()
    assert ticket.status == "waiting" and ticket.messages.count() == 1


@pytest.mark.django_db(transaction=True)
def test_mail_in_ignores_an_out_of_office(mail_in, customer):
    ticket = open_ticket(customer)
    address = threading.reply_address(ticket.pk)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ada@example.com", address, "Away"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("I am away until Monday.")
    with smtplib.SMTP("127.0.0.1", mail_in, timeout=10) as smtp:
        smtp.send_message(message)
    assert ticket.messages.count() == 1


@pytest.mark.django_db
def test_sendgrid_needs_no_csrf_token(customer):
    from django.test import Client

    ticket = open_ticket(customer)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(INBOUND, sendgrid_fields(ticket.pk), HTTP_AUTHORIZATION=basic())
    assert response.status_code == 200 and response.json()["status"] == "threaded"
