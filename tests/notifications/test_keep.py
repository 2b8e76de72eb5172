"""A database restore keeps the outbox as it really is (midas.notifications.keep): a message
sent since the backup is not sent again, one queued since the backup still goes, the local
mailbox keeps what it received. SQLite and PostgreSQL, through a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import close_old_connections
from django.test import override_settings

from midas.backups.services import backup_create, backup_restore
from midas.notifications.delivery import deliver_due
from midas.notifications.models import MailboxMessage, OutboxMessage, OutboxStatus
from midas.notifications.services import email_enqueue
from tests.pinned import pin_now

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


def _enqueue(context, to: str) -> OutboxMessage:
    return email_enqueue(to=to, template="test_message", context=context, dedupe_key=f"k:{to}")


def _restore_case(monkeypatch, tmp_path, smtp, context) -> None:
    clock = pin_now(monkeypatch, T0)
    smtp.start()
    with override_settings(BACKUP_DIR=tmp_path / "backups"):
        delivered = _enqueue(context, "before@example.com")
        deliver_due(worker_id="w")
        clock.advance(minutes=1)
        waiting = _enqueue(context, "queued-before@example.com")  # pending at the backup
        clock.advance(minutes=1)
        backup = backup_create(kind="manual")
        clock.advance(minutes=5)
        deliver_due(worker_id="w")  # sent after the backup
        queued = _enqueue(context, "after@example.com")  # queued after it, not yet sent
        clock.advance(minutes=1)
        notes: list[str] = []
        backup_restore(backup_id=backup.id, force=True, notes=notes)
        close_old_connections()

    assert any(n.startswith("notifications: 2 outbox message(s)") for n in notes), notes
    status = dict(OutboxMessage.objects.values_list("to", "status"))
    assert status == {
        "before@example.com": OutboxStatus.SENT,
        "queued-before@example.com": OutboxStatus.SENT,  # not back to pending
        "after@example.com": OutboxStatus.PENDING,  # not lost
    }
    assert OutboxMessage.objects.get(pk=waiting.pk).attempt_log.count() == 1
    assert {delivered.pk, waiting.pk, queued.pk} == set(
        OutboxMessage.objects.values_list("pk", flat=True)
    )

    deliver_due(worker_id="w")
    recipients = sorted(to for _, rcpt, _ in smtp.recorder.received for to in rcpt)
    assert recipients == ["after@example.com", "before@example.com", "queued-before@example.com"]
    # the dedupe key still holds: asking again sends nothing new
    assert _enqueue(context, "queued-before@example.com").pk == waiting.pk
    # a new message after the restore gets a key of its own (the sequence moved on)
    assert _enqueue(context, "later@example.com").pk > queued.pk


@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_outbox_as_it_really_is(monkeypatch, tmp_path, smtp, context):
    _restore_case(monkeypatch, tmp_path, smtp, context)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_outbox_as_it_really_is_on_postgresql(
    monkeypatch, tmp_path, smtp, context
):
    _restore_case(monkeypatch, tmp_path, smtp, context)


@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_local_mailbox(monkeypatch, tmp_path, settings, context):
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    pin_now(monkeypatch, T0)
    with override_settings(BACKUP_DIR=tmp_path / "backups"):
        backup = backup_create(kind="manual")
        _enqueue(context, "ana@example.com")
        deliver_due(worker_id="w")
        backup_restore(backup_id=backup.id, force=True)
        close_old_connections()
    assert list(MailboxMessage.objects.values_list("recipient", flat=True)) == ["ana@example.com"]
