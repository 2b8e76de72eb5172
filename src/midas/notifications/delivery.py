"""Sending the outbox: claim due rows, send each through the configured email backend (or,
for Slack rows, post it to the launch channel's webhook: ``slack.send_claimed``; for
PagerDuty rows, to the Events API: ``pagerduty.send_claimed``), record
every attempt, back off exponentially (with jitter) on failure, give up after
``OUTBOX_MAX_ATTEMPTS``. See docs/explanation/outbox.md for the guarantee.

Claiming is short and transactional; sending happens outside any transaction. A claimed row
is ``sending`` with ``next_attempt_at`` set to the end of its lease: if the worker dies
mid-send, the row falls due again when the lease runs out and another worker sends it (at
least once; the Message-ID stays the same so a receiver can spot the repeat).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.utils import timezone
from django_tasks_db.utils import exclusive_transaction

from midas.notifications.models import (
    AttemptOutcome,
    OutboxAttempt,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
)
from midas.notifications.services import outbox_render

logger = logging.getLogger(__name__)

CLAIM_SIZE = 10  # rows per claim: small, so a slow server cannot outlast a lease
ERROR_LIMIT = 2000


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff_delay(attempt: int, *, rand: Callable[[], float] = random.random) -> dt.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based): the base doubled
    for each earlier failure, capped, then scaled by a random factor in [0.5, 1.0] ("equal
    jitter") so that messages failed together do not retry together."""
    base = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
    ceiling = min(base, settings.OUTBOX_BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=ceiling * (0.5 + rand() / 2))


def retry_schedule() -> list[tuple[int, dt.timedelta, dt.timedelta]]:
    """``(attempt, shortest wait, longest wait)`` after each failed attempt but the last."""
    return [
        (n, backoff_delay(n, rand=lambda: 0.0), backoff_delay(n, rand=lambda: 1.0))
        for n in range(1, settings.OUTBOX_MAX_ATTEMPTS)
    ]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:64]


def outbox_claim(
    *, now: dt.datetime, worker_id: str, limit: int = CLAIM_SIZE
) -> list[OutboxAttempt]:
    """Take up to ``limit`` due rows for this worker and open an attempt on each.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent workers take disjoint
    rows. SQLite: the transaction takes the database's write lock at BEGIN, so claims run one
    after another and the second sees the first's rows already leased.
    """
    lease = dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    max_attempts = settings.OUTBOX_MAX_ATTEMPTS
    claimed: list[OutboxAttempt] = []
    with exclusive_transaction():
        due = OutboxMessage.objects.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        for message in due[:limit]:
            if message.status == OutboxStatus.SENDING:  # its worker died mid-send
                message.attempt_log.filter(outcome=AttemptOutcome.SENDING).update(
                    outcome=AttemptOutcome.ABANDONED,
                    finished_at=now,
                    error="the worker stopped before it reported back (lease expired)",
                )
                if message.attempts >= max_attempts:
                    _give_up(message, now=now, error="abandoned on the last attempt")
                    continue
            message.attempts += 1
            message.status = OutboxStatus.SENDING
            message.claimed_by = worker_id
            message.next_attempt_at = now + lease
            message.save(
                update_fields=["attempts", "status", "claimed_by", "next_attempt_at", "updated_at"]
            )
            claimed.append(
                OutboxAttempt.objects.create(
                    message=message, number=message.attempts, worker_id=worker_id, started_at=now
                )
            )
    return claimed


def deliver_due(
    *,
    now: dt.datetime | None = None,
    worker_id: str = "",
    max_messages: int | None = None,
    rand: Callable[[], float] = random.random,
) -> DeliveryReport:
    """Send what is due, in claims of ``CLAIM_SIZE``, until nothing is due, ``max_messages``
    (default ``OUTBOX_BATCH``) went through, or the mail server cannot be reached.

    ``now`` fixes the clock (tests); by default the real time is read at each step."""
    report = DeliveryReport()
    worker_id = worker_id or default_worker_id()
    budget = max_messages or settings.OUTBOX_BATCH
    while report.claimed < budget:
        attempts = outbox_claim(
            now=now or timezone.now(),
            worker_id=worker_id,
            limit=min(CLAIM_SIZE, budget - report.claimed),
        )
        if not attempts:
            break
        report.claimed += len(attempts)
        reachable = _send_claimed(attempts, now=now, rand=rand, report=report)
        if not reachable:
            break  # the server is down: leave the rest for their turn, don't burn attempts
    return report


def outbox_retry_now(*, message: OutboxMessage, now: dt.datetime | None = None) -> bool:
    """Make a pending or failed message due at once (the admin's "retry now"). A failed
    message gets one more attempt. Sent messages are left alone; returns whether it changed."""
    now = now or timezone.now()
    changed = OutboxMessage.objects.filter(
        pk=message.pk, status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]
    ).update(status=OutboxStatus.PENDING, next_attempt_at=now, updated_at=now)
    if changed:
        from django.db import transaction

        from midas.notifications.services import kick_delivery

        transaction.on_commit(kick_delivery, robust=True)
    return bool(changed)


def build_email(message: OutboxMessage, connection=None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email,
        to=[message.to],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={**(message.headers or {}), "Message-ID": message.message_id},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments:
        email.attach(item["filename"], base64.b64decode(item["content_b64"]), item["mimetype"])
    return email


def _send_claimed(
    attempts: list[OutboxAttempt],
    *,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report: DeliveryReport,
) -> bool:
    """Send a claim: its PagerDuty events, text messages and Slack rows one by one, its
    emails through one connection. False when any could not be reached (the run stops; the
    rest waits its turn)."""
    from midas.notifications import pagerduty, slack, sms

    pages = [a for a in attempts if a.message.channel == OutboxChannel.PAGERDUTY]
    texts = [a for a in attempts if a.message.channel == OutboxChannel.SMS]
    slack_rows = [a for a in attempts if a.message.channel == OutboxChannel.SLACK]
    emails = [
        a
        for a in attempts
        if a.message.channel
        not in (OutboxChannel.SLACK, OutboxChannel.PAGERDUTY, OutboxChannel.SMS)
    ]
    reachable = True
    if pages:
        reachable = pagerduty.send_claimed(pages, now=now, rand=rand, report=report)
    if texts:
        reachable = sms.send_claimed(texts, now=now, rand=rand, report=report) and reachable
    if slack_rows:
        reachable = slack.send_claimed(slack_rows, now=now, rand=rand, report=report) and reachable
    if emails:
        reachable = _send_emails(emails, now=now, rand=rand, report=report) and reachable
    return reachable


def _send_emails(
    attempts: list[OutboxAttempt],
    *,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report: DeliveryReport,
) -> bool:
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # any failure to connect is a failed attempt
        for attempt in attempts:
            _record_failure(attempt, exc, now=now, rand=rand, report=report)
        return False
    try:
        for attempt in attempts:
            try:
                if attempt.message.render_later:  # enqueued unrendered: render it once
                    outbox_render(attempt.message)
                if not build_email(attempt.message, connection).send():
                    raise RuntimeError("the email backend accepted nothing")
            except Exception as exc:  # recorded, retried with backoff
                _record_failure(attempt, exc, now=now, rand=rand, report=report)
            else:
                _record_success(attempt, now=now)
                report.sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # a failed QUIT loses nothing
            logger.debug("closing the mail connection failed", exc_info=True)
    return True


def _record_success(attempt: OutboxAttempt, *, now: dt.datetime | None) -> None:
    when = now or timezone.now()
    with exclusive_transaction():
        OutboxAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.SENT, finished_at=when
        )
        # Sent is final, even if our lease ran out and another worker took the row meanwhile.
        OutboxMessage.objects.filter(pk=attempt.message_id).exclude(
            status=OutboxStatus.SENT
        ).update(status=OutboxStatus.SENT, sent_at=when, last_error="", updated_at=when)


def _record_failure(
    attempt: OutboxAttempt,
    exc: BaseException,
    *,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report: DeliveryReport,
) -> None:
    record_failure(attempt, error=f"{type(exc).__name__}: {exc}", now=now, rand=rand, report=report)


def record_failure(
    attempt: OutboxAttempt,
    *,
    error: str,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report: DeliveryReport,
    permanent: bool = False,
    not_before: dt.datetime | None = None,
) -> None:
    """A failed attempt: retry after the backoff (and no earlier than ``not_before``), or
    give up — after the last attempt, or at once when the failure is ``permanent``."""
    when = now or timezone.now()
    error = error[:ERROR_LIMIT]
    message = attempt.message
    with exclusive_transaction():
        OutboxAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.ERROR, finished_at=when, error=error
        )
        still_ours = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxStatus.SENDING, attempts=attempt.number
        )
        if permanent or attempt.number >= settings.OUTBOX_MAX_ATTEMPTS:
            if still_ours.update(status=OutboxStatus.FAILED, last_error=error, updated_at=when):
                report.failed += 1
                logger.error(
                    "outbox %s to %s failed for good after %d attempt%s: %s",
                    message.pk,
                    message.to,
                    attempt.number,
                    "" if attempt.number == 1 else "s",
                    error,
                )
            return
        retry_at = when + backoff_delay(attempt.number, rand=rand)
        if not_before is not None and not_before > retry_at:
            retry_at = not_before
        if still_ours.update(
            status=OutboxStatus.PENDING, next_attempt_at=retry_at, last_error=error, updated_at=when
        ):
            report.retrying += 1
            logger.warning(
                "outbox %s to %s: attempt %d failed (%s); next at %s",
                message.pk,
                message.to,
                attempt.number,
                error,
                retry_at.isoformat(),
            )


record_success = _record_success


def _give_up(message: OutboxMessage, *, now: dt.datetime, error: str) -> None:
    message.status = OutboxStatus.FAILED
    message.last_error = error
    message.save(update_fields=["status", "last_error", "updated_at"])
