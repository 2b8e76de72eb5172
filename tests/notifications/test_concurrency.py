"""Several workers at once: every message is claimed by exactly one (real threads, each with
its own database connection; SKIP LOCKED on PostgreSQL, the write lock on SQLite)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections

from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxAttempt, OutboxMessage, OutboxStatus
from midas.notifications.services import email_enqueue

SENT: list[str] = []
SENT_LOCK = threading.Lock()


class SlowRecordingBackend(BaseEmailBackend):
    """Takes a moment per message, so workers overlap; records each Message-ID sent."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            time.sleep(0.003)
            with SENT_LOCK:
                SENT.append(message.extra_headers["Message-ID"])
        return len(email_messages)


def run_workers(count: int, target) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_one_message_twice(settings, context, now):
    settings.EMAIL_BACKEND = f"{__name__}.SlowRecordingBackend"
    SENT.clear()
    queued = [
        email_enqueue(to=f"guest{i}@example.com", template="test_message", context=context)
        for i in range(60)
    ]

    def worker(index: int) -> None:
        while deliver_due(now=now, worker_id=f"worker-{index}", max_messages=10).claimed:
            pass

    errors = run_workers(4, worker)

    assert not errors, errors
    counts = Counter(SENT)
    assert sorted(counts) == sorted(m.message_id for m in queued)  # none lost
    assert set(counts.values()) == {1}  # none twice
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    workers = set(OutboxAttempt.objects.values_list("worker_id", flat=True))
    assert len(workers) >= 2  # they really did share the work
