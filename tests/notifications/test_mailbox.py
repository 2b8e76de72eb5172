"""The local mailbox: the backend, `midas mailbox`, the staff pages and the admin."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.urls import reverse

from midas import cli
from midas.notifications.backends import MailboxBackend
from midas.notifications.delivery import deliver_due
from midas.notifications.models import MailboxMessage, OutboxMessage, OutboxStatus
from midas.notifications.selectors import latest_message
from midas.notifications.services import email_enqueue

pytestmark = pytest.mark.django_db

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"


@pytest.fixture
def delivered(mailbox, context, now) -> list[MailboxMessage]:
    """Three messages through the outbox into the mailbox: two for Ana, one for Ben."""
    email_enqueue(to="ana@example.com", template="test_message", context=context)
    email_enqueue(to="ben@example.com", template="test_message", context=context)
    email_enqueue(
        to="Ana@Example.com",
        template="test_message",
        context={**context, "reference": "MD-NEWEST", "link": "https://midas.example/verify/abc/"},
        attachments=[("booking.ics", ICS, "text/calendar")],
    )
    assert deliver_due(now=now).sent == 3
    return list(MailboxMessage.objects.order_by("id"))


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        return 0  # accepted nothing, raised nothing


def staff_user():
    return get_user_model().objects.create_user("staff@example.com", "pw-123456789", is_staff=True)


def assert_email_document(response) -> None:
    """An email's own document (notifications.views.email_document): the email may style
    itself inline, nothing else runs, only our own pages may frame it, its links open in a
    new tab, and the doctype stays first."""
    policy = response["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'unsafe-inline';")
    assert "frame-ancestors 'self'" in policy and "sandbox allow-popups" in policy
    assert "script-src" not in policy  # default-src 'none' covers scripts
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert 0 < html.index('<base target="_blank">') < html.index("<body")


def test_the_backend_stores_one_copy_per_recipient_and_echoes(settings):
    settings.MAILBOX_ECHO = True
    out = io.StringIO()
    message = EmailMultiAlternatives(
        "Hi", "text", "from@midas.example", ["a@example.com"], cc=["b@example.com"]
    )
    message.attach_alternative("<p>hi</p>", "text/html")
    assert MailboxBackend(stream=out).send_messages([message]) == 1
    assert sorted(MailboxMessage.objects.values_list("recipient", flat=True)) == [
        "a@example.com",
        "b@example.com",
    ]
    stored = latest_message(to="b@example.com")
    assert stored.cc == "b@example.com" and stored.body_html.strip() == "<p>hi</p>"
    assert "Subject: Hi" in out.getvalue() and "text" in out.getvalue()


def test_latest_message_is_the_newest_for_that_address(delivered):
    newest = latest_message(to="ana@example.com")
    assert newest is not None and "MD-NEWEST" in newest.subject
    assert latest_message(to="nobody@example.com") is None


def test_mailbox_list_shows_newest_first_and_filters(delivered):
    out = io.StringIO()
    call_command("mailbox", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 and "MD-NEWEST" in lines[1]

    out = io.StringIO()
    call_command("mailbox", "list", "--to", "BEN@example.com", "--limit", "5", stdout=out)
    assert "ben@example.com" in out.getvalue() and "ana@" not in out.getvalue()

    out = io.StringIO()
    call_command("mailbox", "list", "--to", "nobody@example.com", stdout=out)
    assert "No messages for nobody@example.com" in out.getvalue()


def test_mailbox_show_prints_the_whole_message(delivered):
    out = io.StringIO()
    call_command("mailbox", "show", "--to", "ana@example.com", stdout=out)
    text = out.getvalue()
    assert "From: Midas The Lifestyle <concierge@midas.example>" in text
    assert "To: Ana@Example.com" in text
    assert "Subject: Your booking MD-NEWEST & more" in text
    assert "Message-ID: <" in text
    assert "Hello Ana <Reyes> & Co" in text  # the text body, unescaped
    assert "booking.ics (text/calendar, 45 bytes)" in text
    assert "<html" not in text  # HTML only with --html

    out = io.StringIO()
    call_command("mailbox", "show", str(delivered[1].pk), "--html", stdout=out)
    assert "ben@example.com" in out.getvalue() and "--- HTML ---" in out.getvalue()

    with pytest.raises(CommandError, match=r"No message for nobody@example\.com"):
        call_command("mailbox", "show", "--to", "nobody@example.com")
    with pytest.raises(CommandError):
        call_command("mailbox", "show", str(delivered[1].pk), "--to", "ana@example.com")


def test_midas_mailbox_is_a_command_of_its_own(delivered, capsys):
    assert cli.main(["mailbox", "show", "--to", "ana@example.com"]) == 0
    assert "https://midas.example/verify/abc/" in capsys.readouterr().out


def test_the_mailbox_pages_are_for_staff_only(client, delivered):
    pages = [
        reverse("mailbox:list"),
        reverse("mailbox:detail", args=[delivered[0].pk]),
        reverse("mailbox:html", args=[delivered[0].pk]),
        reverse("mailbox:attachment", args=[delivered[2].pk, 0]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url

    customer = get_user_model().objects.create_user("ana@example.com", "pw-123456789")
    client.force_login(customer)
    for url in pages:
        assert client.get(url).status_code == 404, url


def test_staff_read_the_mailbox_with_html_sandboxed(client, delivered):
    client.force_login(staff_user())
    listing = client.get(reverse("mailbox:list"), {"to": "ana@example.com"})
    assert listing.status_code == 200
    assert b"MD-NEWEST" in listing.content and b"ben@example.com" not in listing.content

    newest = delivered[2]
    detail = client.get(reverse("mailbox:detail", args=[newest.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in body
    html_url = reverse("mailbox:html", args=[newest.pk])
    assert f'src="{html_url}"' in body and "<table role=" not in body  # framed, never inline
    assert "Hello Ana &lt;Reyes&gt; &amp; Co" in body  # the text body, escaped
    assert "booking.ics" in body

    document = client.get(html_url)
    assert document.status_code == 200 and "<table role=" in document.content.decode()
    assert_email_document(document)

    attachment = client.get(reverse("mailbox:attachment", args=[newest.pk, 0]))
    assert attachment["Content-Disposition"] == 'attachment; filename="booking.ics"'
    assert attachment.content.decode() == ICS
    assert client.get(reverse("mailbox:attachment", args=[newest.pk, 1])).status_code == 404
    assert client.get(reverse("mailbox:detail", args=[99999])).status_code == 404
    assert client.post(reverse("mailbox:list")).status_code == 405


def test_admin_outbox_lists_attempts_and_retries_now(client, context, settings, now):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    admin = get_user_model().objects.create_superuser("boss@example.com", "pw-123456789")
    client.force_login(admin)
    message = email_enqueue(to="ana@example.com", template="test_message", context=context)
    settings.OUTBOX_MAX_ATTEMPTS = 1
    deliver_due(now=now)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED

    changelist = client.get("/admin/notifications/outboxmessage/", {"status__exact": "failed"})
    assert changelist.status_code == 200 and b"ana@example.com" in changelist.content
    change = client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert change.status_code == 200
    assert b"the email backend accepted nothing" in change.content  # the attempt, inline
    assert b"sandbox=" in change.content and b"srcdoc" not in change.content
    document = client.get(f"/admin/notifications/outboxmessage/{message.pk}/html/")
    assert document.status_code == 200
    assert_email_document(document)
    client.logout()
    assert client.get(f"/admin/notifications/outboxmessage/{message.pk}/html/").status_code == 302
    client.force_login(admin)

    response = client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "retry_now", "_selected_action": [message.pk]},
        follow=True,
    )
    assert b"1 message(s) will be sent now" in response.content
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING


def test_admin_mailbox_is_read_only(client, delivered):
    admin = get_user_model().objects.create_superuser("boss@example.com", "pw-123456789")
    client.force_login(admin)
    url = f"/admin/notifications/mailboxmessage/{delivered[0].pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b"sandbox=" in page.content
    assert b'name="_save"' not in page.content
    assert client.get("/admin/notifications/mailboxmessage/add/").status_code == 403
    assert client.post(url, {}).status_code == 403
