"""email_enqueue and staff_notify: one frozen outbox row, in the caller's transaction."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from midas.notifications.models import OutboxMessage, OutboxStatus
from midas.notifications.services import email_enqueue, render_email, staff_notify
from midas.notifications.tasks import send_outbox

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATES = Path(__file__).parents[2] / "src/midas/notifications/templates/emails"


def test_enqueue_renders_subject_text_and_html_once(context):
    message = email_enqueue(to="ana@example.com", template="test_message", context=context)

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.subject == "Your booking MD-7K2Q & more"  # one line, not escaped
    assert "Hello Ana <Reyes> & Co" in message.body_text  # text is never HTML-escaped
    assert "Rental: $4,200.00" in message.body_text
    assert "MIDAS · THE LIFESTYLE" in message.body_text
    assert "\n\n\n" not in message.body_text
    assert "Hello Ana &lt;Reyes&gt; &amp; Co" in message.body_html  # HTML is
    assert "?a=1&amp;b=2" in message.body_html
    assert "#0b0a08" in message.body_html and "#d4b26a" in message.body_html  # the brand
    assert message.from_email == "Midas The Lifestyle <concierge@midas.example>"
    assert message.reply_to == "concierge@midas.example"
    assert re.fullmatch(r"<[^@>]+@midas\.example>", message.message_id)


def test_the_rendered_message_is_frozen_when_templates_change_later(settings, context, tmp_path):
    message = email_enqueue(to="ana@example.com", template="test_message", context=context)
    (tmp_path / "emails").mkdir()
    for suffix in ("subject.txt", "txt", "html"):
        (tmp_path / "emails" / f"test_message.{suffix}").write_text("changed")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    assert render_email("test_message", context)[0] == "changed"

    message.refresh_from_db()
    assert message.subject == "Your booking MD-7K2Q & more"


def test_attachments_are_stored_whole(context):
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    message = email_enqueue(
        to="ana@example.com",
        template="test_message",
        context=context,
        attachments=[("booking.ics", ics, "text/calendar"), ("a.bin", b"\x00\xff", "x/y")],
    )
    first, second = message.attachments
    assert first["filename"] == "booking.ics" and first["mimetype"] == "text/calendar"
    assert base64.b64decode(first["content_b64"]).decode() == ics
    assert base64.b64decode(second["content_b64"]) == b"\x00\xff"


@pytest.mark.parametrize(
    "attachment", [("", "x", "text/plain"), ("../x.ics", "x", "text/calendar"), ("a", "x", "bad")]
)
def test_bad_attachments_are_refused(context, attachment):
    with pytest.raises(ValueError):
        email_enqueue(
            to="ana@example.com", template="test_message", context=context, attachments=[attachment]
        )
    assert not OutboxMessage.objects.exists()


def test_a_bad_address_is_refused(context):
    with pytest.raises(ValueError, match="not an email address"):
        email_enqueue(to="not-an-address", template="test_message", context=context)


def test_enqueue_inside_a_rolled_back_transaction_writes_nothing(context):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        email_enqueue(to="ana@example.com", template="test_message", context=context)
        assert OutboxMessage.objects.count() == 1  # visible inside the transaction
        raise Boom
    assert not OutboxMessage.objects.exists()


def test_a_repeated_dedupe_key_returns_the_existing_row(context):
    first = email_enqueue(
        to="ana@example.com", template="test_message", context=context, dedupe_key="booking:7:held"
    )
    again = email_enqueue(
        to="ana@example.com",
        template="test_message",
        context={**context, "reference": "CHANGED"},
        dedupe_key="booking:7:held",
    )
    other = email_enqueue(
        to="ana@example.com", template="test_message", context=context, dedupe_key="booking:8:held"
    )
    assert again.pk == first.pk and other.pk != first.pk
    assert OutboxMessage.objects.count() == 2
    assert "CHANGED" not in OutboxMessage.objects.get(pk=first.pk).subject


def test_messages_without_a_dedupe_key_are_never_merged(context):
    email_enqueue(to="ana@example.com", template="test_message", context=context)
    email_enqueue(to="ana@example.com", template="test_message", context=context)
    assert OutboxMessage.objects.count() == 2


def test_a_dedupe_race_lost_inside_the_callers_transaction_keeps_that_transaction(context):
    """The unique key fires on insert (another request committed first): the caller's own
    writes survive, because the insert ran in a savepoint."""
    winner = email_enqueue(
        to="ana@example.com", template="test_message", context=context, dedupe_key="k"
    )
    with transaction.atomic():
        original_filter = OutboxMessage.objects.filter
        seen = []

        def blind_filter(*args, **kwargs):  # the pre-check misses the row, as in a race
            if kwargs.get("dedupe_key") == "k" and not seen:
                seen.append(1)
                return OutboxMessage.objects.none()
            return original_filter(*args, **kwargs)

        OutboxMessage.objects.filter = blind_filter
        try:
            loser = email_enqueue(
                to="ana@example.com", template="test_message", context=context, dedupe_key="k"
            )
        finally:
            del OutboxMessage.objects.filter
        assert OutboxMessage.objects.count() == 1  # the transaction is still usable
    assert loser.pk == winner.pk


def test_staff_notify_writes_to_the_concierge(context):
    message = staff_notify(template="test_message", context=context)
    assert message.to == "concierge@midas.example"
    assert message.reply_to == ""  # no reply-to pointing at itself


def test_a_commit_that_enqueued_mail_kicks_send_outbox_once(
    context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email_enqueue(to="a@example.com", template="test_message", context=context)
        email_enqueue(to="b@example.com", template="test_message", context=context)
    assert len(callbacks) == 1  # one kick per commit, however many rows
    waiting = DBTaskResult.objects.filter(task_path=send_outbox.module_path)
    assert waiting.count() == 1


def test_a_kick_dropped_with_its_savepoint_does_not_stand_for_the_rows_that_commit(
    context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: its row and its kick are rolled back
                email_enqueue(to="a@example.com", template="test_message", context=context)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        email_enqueue(to="b@example.com", template="test_message", context=context)
    assert len(callbacks) == 1
    assert DBTaskResult.objects.filter(task_path=send_outbox.module_path).count() == 1
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["b@example.com"]


def test_a_row_added_in_a_savepoint_after_the_outer_kick_needs_no_kick_of_its_own(
    context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email_enqueue(to="a@example.com", template="test_message", context=context)
        with transaction.atomic():
            email_enqueue(to="b@example.com", template="test_message", context=context)
    assert len(callbacks) == 1


def test_email_templates_load_nothing_from_another_host():
    for path in EMAIL_TEMPLATES.glob("*.html"):
        html = path.read_text()
        assert not re.search(r"<(img|link|script|iframe)\b", html, re.I), path
        assert "@import" not in html and "url(" not in html, path
