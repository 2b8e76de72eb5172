"""Reads of live chat: a visitor's own conversation (by account or by token), messages after
an id, the staff console's lists, who is on duty."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from midas.accounts.models import User
from midas.concierge.chat.models import (
    Author,
    ChatMessage,
    Conversation,
    ConversationStatus,
    Duty,
    token_hash,
)
from midas.errors import AppError, ErrorCode

BATCH = 200  # messages read at once by a stream


def _not_found() -> AppError:
    return AppError(ErrorCode.NOT_FOUND, "no such conversation")


def conversation_for(
    pk: int, *, user: User | None, token: str = "", staff: bool = False
) -> Conversation:
    """The conversation ``pk`` if this caller may see it: staff (``staff=True`` with a staff
    user) any; a customer their own; an anonymous visitor the one their token opens.
    Anything else is ``not_found`` (404), whether it exists or not."""
    conversation = Conversation.objects.select_related("customer", "taken_by").filter(pk=pk).first()
    if conversation is None:
        raise _not_found()
    if staff and user is not None and user.is_active and user.is_staff:
        return conversation
    if user is not None and conversation.customer_id is not None:
        if conversation.customer_id == user.pk:
            return conversation
    elif (
        token
        and conversation.token_hash
        and hmac.compare_digest(conversation.token_hash, token_hash(token))
    ):
        return conversation
    raise _not_found()


def open_conversation(*, user: User | None, token: str = "") -> Conversation | None:
    """The visitor's conversation still open (waiting or active), newest first."""
    if user is not None:
        found = Conversation.objects.filter(customer=user)
    elif token:
        found = Conversation.objects.filter(token_hash=token_hash(token))
    else:
        return None
    return found.exclude(status=ConversationStatus.CLOSED).order_by("-created_at").first()


def messages_after(conversation_id: int, after: int, *, limit: int = BATCH) -> list[dict[str, Any]]:
    rows = (
        ChatMessage.objects.filter(conversation_id=conversation_id, id__gt=after)
        .select_related("user")
        .order_by("id")[:limit]
    )
    return [message_data(m) for m in rows]


def message_data(message: ChatMessage) -> dict[str, Any]:
    name = ""
    if message.author == "staff" and message.user is not None:
        name = message.user.first_name or "Concierge"
    return {
        "id": message.pk,
        "author": message.author,
        "name": name,
        "body": message.body,
        "at": message.created_at.isoformat(),
    }


def has_messages_after(conversation_id: int, after: int) -> bool:
    return ChatMessage.objects.filter(conversation_id=conversation_id, id__gt=after).exists()


def last_message_id() -> int:
    return ChatMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0


def messages_since(high: int, *, limit: int = 1000) -> list[tuple[int, int]]:
    """``(id, conversation id)`` of the messages above ``high`` (the poll bus's one query)."""
    rows = ChatMessage.objects.filter(id__gt=high).order_by("id")
    return list(rows.values_list("id", "conversation_id")[:limit])


def status_of(conversation_id: int) -> str:
    return (
        Conversation.objects.filter(pk=conversation_id).values_list("status", flat=True).first()
        or ConversationStatus.CLOSED
    )


def on_duty(*, now: dt.datetime | None = None) -> QuerySet[Duty]:
    now = now or timezone.now()
    return Duty.objects.filter(until__gt=now, user__is_active=True, user__is_staff=True)


def anyone_on_duty(*, now: dt.datetime | None = None) -> bool:
    return on_duty(now=now).exists()


def waiting(*, limit: int = 50) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(status=ConversationStatus.WAITING)
        .select_related("customer")
        .order_by("created_at")[:limit]
    )


def taken_by(user: User) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(status=ConversationStatus.ACTIVE, taken_by=user)
        .select_related("customer")
        .order_by("-last_message_at")
    )


def recent_closed(*, limit: int = 20) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(status=ConversationStatus.CLOSED)
        .select_related("customer", "taken_by")
        .order_by("-last_message_at")[:limit]
    )


@dataclass(frozen=True)
class ChatFigures:
    """Conversations started in a period and how fast a person answered them
    (``CHAT_ANSWER_TARGET_SECONDS``); ``waiting_late``: waiting now, unanswered past it."""

    started: int
    answered: int
    answered_on_target: int
    answer_avg_seconds: float | None
    waiting_late: int


def chat_figures(*, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> ChatFigures:
    target = dt.timedelta(seconds=settings.CHAT_ANSWER_TARGET_SECONDS)
    rows = list(
        Conversation.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(answered_at=Min("messages__created_at", filter=Q(messages__author=Author.STAFF)))
        .values_list("created_at", "answered_at")
    )
    waits = [answered - created for created, answered in rows if answered is not None]
    unanswered = Conversation.objects.filter(
        status=ConversationStatus.WAITING, created_at__lt=now - target
    ).exclude(messages__author=Author.STAFF)
    return ChatFigures(
        started=len(rows),
        answered=len(waits),
        answered_on_target=sum(1 for wait in waits if wait <= target),
        answer_avg_seconds=(
            round(sum(w.total_seconds() for w in waits) / len(waits), 1) if waits else None
        ),
        waiting_late=unanswered.count(),
    )
