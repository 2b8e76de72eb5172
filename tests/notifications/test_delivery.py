"""The worker's side of the outbox: SMTP delivery, outages, backoff, give-up, crashes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from midas.notifications.delivery import (
    backoff_delay,
    deliver_due,
    outbox_claim,
    outbox_retry_now,
    retry_schedule,
)
from midas.notifications.models import AttemptOutcome, OutboxMessage, OutboxStatus
from midas.notifications.services import email_enqueue

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def enqueue(context, to="ana@example.com", **kwargs) -> OutboxMessage:
    return email_enqueue(to=to, template="test_message", context=context, **kwargs)


def test_backoff_doubles_with_equal_jitter_and_a_cap(settings):
    settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 30, 600
    low, high = (lambda: 0.0), (lambda: 1.0)
    assert backoff_delay(1, rand=high) == dt.timedelta(seconds=30)
    assert backoff_delay(1, rand=low) == dt.timedelta(seconds=15)
    assert backoff_delay(2, rand=high) == dt.timedelta(seconds=60)
    assert backoff_delay(4, rand=high) == dt.timedelta(seconds=240)
    assert backoff_delay(9, rand=high) == dt.timedelta(seconds=600)  # capped
    assert backoff_delay(9, rand=low) == dt.timedelta(seconds=300)
    for attempt in range(1, 12):
        assert (
            backoff_delay(attempt, rand=low)
            <= backoff_delay(attempt)
            <= backoff_delay(attempt, rand=high)
        )


def test_the_retry_schedule_lists_every_wait_before_the_last_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    schedule = retry_schedule()
    assert [n for n, _, _ in schedule] == [1, 2, 3]
    assert schedule[2][1:] == (dt.timedelta(seconds=60), dt.timedelta(seconds=120))


def test_smtp_delivers_headers_bodies_and_attachments(smtp, context, now):
    smtp.start()
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    queued = enqueue(context, attachments=[("booking.ics", ics, "text/calendar")])

    report = deliver_due(now=now)

    assert (report.claimed, report.sent, report.retrying, report.failed) == (1, 1, 0, 0)
    [(mail_from, rcpt_tos, received)] = smtp.recorder.received
    assert mail_from == "concierge@midas.example" and rcpt_tos == ["ana@example.com"]
    assert received["Subject"] == "Your booking MD-7K2Q & more"
    assert received["From"] == "Midas The Lifestyle <concierge@midas.example>"
    assert received["To"] == "ana@example.com"
    assert received["Reply-To"] == "concierge@midas.example"
    assert received["Message-ID"] == queued.message_id
    assert "Hello Ana <Reyes> & Co" in received.get_body(("plain",)).get_content()
    assert "Hello Ana &lt;Reyes&gt; &amp; Co" in received.get_body(("html",)).get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "booking.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_payload(decode=True).decode() == ics

    queued.refresh_from_db()
    assert queued.status == OutboxStatus.SENT and queued.sent_at == now and queued.attempts == 1
    [attempt] = queued.attempt_log.all()
    assert attempt.outcome == AttemptOutcome.SENT and attempt.finished_at == now


def test_smtp_down_messages_wait_with_backoff_then_all_go_out_once(smtp, context, now):
    queued = [enqueue(context, to=f"guest{i}@example.com") for i in range(5)]

    first = deliver_due(now=now, rand=lambda: 1.0)  # nobody listens on the port

    assert (first.claimed, first.sent, first.retrying) == (5, 0, 5)
    for message in OutboxMessage.objects.all():
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert message.next_attempt_at == now + dt.timedelta(seconds=30)
        assert "Connection refused" in message.last_error or "Errno" in message.last_error
        [attempt] = message.attempt_log.all()
        assert attempt.outcome == AttemptOutcome.ERROR and attempt.error

    assert deliver_due(now=now + dt.timedelta(seconds=29)).claimed == 0  # still backing off

    second = deliver_due(now=now + dt.timedelta(seconds=30), rand=lambda: 1.0)
    assert (second.claimed, second.retrying) == (5, 5)
    assert {m.next_attempt_at for m in OutboxMessage.objects.all()} == {
        now + dt.timedelta(seconds=90)  # second failure: 60 s more
    }

    smtp.start()
    third = deliver_due(now=now + dt.timedelta(seconds=90))
    assert (third.claimed, third.sent) == (5, 5)
    assert deliver_due(now=now + dt.timedelta(days=1)).claimed == 0

    delivered = sorted(message["Message-ID"] for message in smtp.messages)
    assert delivered == sorted(m.message_id for m in queued)  # none lost, none twice
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert {m.attempt_log.count() for m in OutboxMessage.objects.all()} == {3}


def test_an_outage_stops_the_run_early_so_later_messages_keep_their_attempts(
    smtp, context, now, settings
):
    for i in range(25):
        enqueue(context, to=f"guest{i}@example.com")
    report = deliver_due(now=now)
    assert report.claimed == 10  # the first claim failed to connect: the rest wait untouched
    assert OutboxMessage.objects.filter(attempts=0).count() == 15


def test_after_max_attempts_a_message_is_failed_and_visible_then_retry_now(
    smtp, context, now, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = enqueue(context)
    clock = now
    for _ in range(3):
        deliver_due(now=clock, rand=lambda: 1.0)
        clock += dt.timedelta(hours=2)

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert message.last_error
    assert deliver_due(now=clock + dt.timedelta(days=30)).claimed == 0  # given up

    smtp.start()
    assert outbox_retry_now(message=message, now=clock)
    report = deliver_due(now=clock)
    assert report.sent == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 4
    assert not outbox_retry_now(message=message, now=clock)  # sent stays sent
    assert len(smtp.messages) == 1


def test_a_worker_that_dies_mid_send_loses_nothing(context, now):
    message = enqueue(context)
    [_attempt] = outbox_claim(now=now, worker_id="crashed")  # ... and never reports back
    assert deliver_due(now=now + dt.timedelta(seconds=299), worker_id="w2").claimed == 0

    report = deliver_due(now=now + dt.timedelta(seconds=300), worker_id="w2")

    assert report.sent == 1
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [message.message_id]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2
    outcomes = list(message.attempt_log.values_list("worker_id", "outcome"))
    assert outcomes == [("crashed", AttemptOutcome.ABANDONED), ("w2", AttemptOutcome.SENT)]


def test_a_message_abandoned_on_its_last_attempt_is_failed(context, now, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = enqueue(context)
    outbox_claim(now=now, worker_id="crashed")
    deliver_due(now=now + dt.timedelta(hours=1))
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and not mail.outbox


def test_a_refused_recipient_fails_alone(smtp, context, now, monkeypatch):
    smtp.start()
    enqueue(context, to="ok@example.com")
    enqueue(context, to="refused@example.com")
    enqueue(context, to="ok2@example.com")
    original = smtp.recorder.handle_DATA

    async def refuse_one(server, session, envelope):
        if "refused@example.com" in envelope.rcpt_tos:
            return "550 No such user"
        return await original(server, session, envelope)

    monkeypatch.setattr(smtp.recorder, "handle_DATA", refuse_one)
    report = deliver_due(now=now)
    assert (report.sent, report.retrying) == (2, 1)
    assert OutboxMessage.objects.get(to="refused@example.com").status == OutboxStatus.PENDING


def test_wrong_smtp_credentials_are_an_attempt_and_the_password_is_never_recorded(
    smtp, context, now, settings
):
    smtp.start()
    settings.EMAIL_HOST_PASSWORD = "wrong-password"
    message = enqueue(context)
    report = deliver_due(now=now)
    assert report.retrying == 1
    message.refresh_from_db()
    assert "Authentication" in message.last_error or "535" in message.last_error
    assert "wrong-password" not in message.last_error
    assert not smtp.messages


def test_the_mailbox_backend_keeps_what_the_worker_sends(settings, context, now):
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    from midas.notifications.selectors import latest_message

    message = enqueue(context, attachments=[("booking.ics", "BEGIN:VCALENDAR", "text/calendar")])
    deliver_due(now=now)
    stored = latest_message(to="ANA@example.com")
    assert stored is not None and stored.message_id == message.message_id
    assert stored.subject == message.subject
    assert stored.body_text.strip() == message.body_text.strip()
    assert stored.attachments[0]["filename"] == "booking.ics"


def test_a_thread_reply_address_and_headers_go_out_with_the_message(smtp, context, now):
    smtp.start()
    queued = email_enqueue(
        to="ana@example.com",
        template="test_message",
        context=context,
        reply_to="support+7.abc@midas.example",
        headers={"In-Reply-To": "<a@midas.example>", "References": "<a@midas.example>"},
    )

    deliver_due(now=now)

    [(_, _, received)] = smtp.recorder.received
    assert received["Reply-To"] == "support+7.abc@midas.example"
    assert received["In-Reply-To"] == "<a@midas.example>"
    assert received["References"] == "<a@midas.example>"
    assert received["Message-ID"] == queued.message_id


@pytest.mark.parametrize(
    "headers", [{"Message-ID": "<x@y>"}, {"reply-to": "a@b.c"}, {"X-Note": "a\r\nBcc: b@c.d"}]
)
def test_a_caller_cannot_override_the_outbox_headers_or_inject_one(context, headers):
    with pytest.raises(ValueError):
        email_enqueue(
            to="ana@example.com", template="test_message", context=context, headers=headers
        )
    assert not OutboxMessage.objects.exists()
