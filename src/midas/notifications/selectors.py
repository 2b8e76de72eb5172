"""Reads of the notifications app: the local mailbox and the state of the outbox."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from midas.notifications.models import (
    MailboxMessage,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
)


def mailbox_messages(*, to: str = "", limit: int | None = None) -> QuerySet[MailboxMessage]:
    """Newest first; only ``to``'s mailbox when given (case-insensitive)."""
    messages = MailboxMessage.objects.order_by("-created_at", "-id")
    if to:
        messages = messages.filter(recipient=to.strip().lower())
    return messages[:limit] if limit else messages


def latest_message(*, to: str) -> MailboxMessage | None:
    """The newest message delivered to ``to`` by the ``mailbox://`` backend."""
    return mailbox_messages(to=to).first()


def mailbox_message(*, pk: int) -> MailboxMessage | None:
    return MailboxMessage.objects.filter(pk=pk).first()


def slack_messages(*, limit: int = 20) -> QuerySet[OutboxMessage]:
    """The newest launch-channel (Slack) messages of the outbox, whatever their state."""
    return OutboxMessage.objects.filter(channel=OutboxChannel.SLACK).order_by("-created_at", "-id")[
        :limit
    ]


def pagerduty_messages(*, limit: int = 20) -> QuerySet[OutboxMessage]:
    """The newest PagerDuty events of the outbox (pages, acknowledgements, resolutions)."""
    return OutboxMessage.objects.filter(channel=OutboxChannel.PAGERDUTY).order_by(
        "-created_at", "-id"
    )[:limit]


def sms_messages(*, limit: int = 20) -> QuerySet[OutboxMessage]:
    """The newest text messages (SMS through Twilio) of the outbox, whatever their state."""
    return OutboxMessage.objects.filter(channel=OutboxChannel.SMS).order_by("-created_at", "-id")[
        :limit
    ]


def outbox_counts() -> dict[str, int]:
    """How many outbox messages are in each state (every state present, zero or not)."""
    counts = dict.fromkeys(OutboxStatus.values, 0)
    for row in OutboxMessage.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def oldest_unsent_age(*, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long the oldest pending or sending message has waited (None when none waits):
    a health check's measure of a stuck worker or a mail server that is down."""
    oldest = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        return None
    return (now or timezone.now()) - oldest
