"""What was sent, and what is still to send, kept apart from a database restore
(``midas.backups.keep``).

A restore puts the business data back to a backup, but a message that went out cannot be
called back, and one queued after the backup (a rollback's own announcements, the team's
escalation e-mails, a page) must still go. Without this a restore would:

- lose every message queued since the backup and not yet delivered;
- put messages delivered since the backup back to *pending*, so the worker sends them again;
- forget the pages sent (``pages_resolve`` would never resolve their alerts) and the dedupe
  keys that stop a second copy.

``save(since)`` reads the outbox messages created or changed since the restored backup was
taken, with their attempts, and the local mailbox's messages delivered since;
``put_back(saved)`` replaces those rows in the restored database by the saved ones, keys
kept, in the backups' transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import serializers
from django.db.models import Q

from midas.backups.keep import as_json, insert_raw, reset_sequences
from midas.notifications.models import MailboxMessage, OutboxAttempt, OutboxMessage

KEEPER = "notifications"


def save(since: dt.datetime) -> dict[str, Any]:
    messages = list(
        OutboxMessage.objects.filter(
            Q(created_at__gte=since) | Q(updated_at__gte=since) | Q(sent_at__gte=since)
        ).order_by("pk")
    )
    attempts = list(OutboxAttempt.objects.filter(message__in=messages).order_by("pk"))
    mailbox = list(MailboxMessage.objects.filter(created_at__gte=since).order_by("pk"))
    return {
        "outbox": as_json(serializers.serialize("python", messages)),
        "attempts": as_json(serializers.serialize("python", attempts)),
        "mailbox": as_json(serializers.serialize("python", mailbox)),
    }


def put_back(saved: dict[str, Any]) -> str:
    counts = []
    for key, model in (
        ("outbox", OutboxMessage),
        ("attempts", OutboxAttempt),
        ("mailbox", MailboxMessage),
    ):
        objs = [d.object for d in serializers.deserialize("python", saved.get(key, []))]
        # the restored copies of these rows go (a message's attempts with it); the saved
        # ones come back as they were
        model._base_manager.filter(pk__in=[o.pk for o in objs]).delete()
        if model is OutboxMessage:
            messages = [o for o in objs if isinstance(o, OutboxMessage)]
            kept_keys = [o.dedupe_key for o in messages if o.dedupe_key]
            kept_ids = [o.message_id for o in messages]
            # a row the restore brought back under a key a kept row holds (cannot happen
            # unless a key was reused): the kept one wins
            OutboxMessage.objects.filter(
                Q(dedupe_key__in=kept_keys) | Q(message_id__in=kept_ids)
            ).delete()
        insert_raw(model, objs)
        counts.append(len(objs))
    reset_sequences([OutboxMessage, OutboxAttempt, MailboxMessage])
    outbox, attempts, mailbox = counts
    return (
        f"{outbox} outbox message(s) queued or sent since the backup put back as they were "
        f"({attempts} attempt(s)); {mailbox} local mailbox message(s)"
    )


def register() -> None:
    from midas.backups.keep import keep_through_restore

    keep_through_restore(KEEPER, save=save, put_back=put_back)
