"""The writes of live chat, one function per state change. Each runs in one transaction,
locks the conversation's row before it adds a message (so that, inside a conversation,
message ids commit in the order they were given: a stream that has seen id N never misses a
smaller one committed later) and publishes on the bus after the commit (``bus.publish``),
which only wakes the open streams: they read the messages from the database."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from midas.accounts.models import User
from midas.concierge.chat import bus
from midas.concierge.chat.models import (
    BODY_MAX,
    NAME_MAX,
    PAGE_MAX,
    Author,
    ChatMessage,
    Conversation,
    ConversationStatus,
    Duty,
    token_hash,
)
from midas.concierge.models import TicketChannel
from midas.concierge.services import ticket_answer, ticket_open
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode


def _text(value: str, name: str, limit: int) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise AppError(ErrorCode.INVALID_INPUT, f"The {name} is empty.", field=name)
    if len(value) > limit:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"The {name} is longer than {limit} characters.", field=name
        )
    return value


# the pages whose links carry a secret in their path (accounts' verify and reset, the
# concierge's rating link, the launch's invitations and acknowledgements)
SECRET_PATHS = ("/account/", "/support/rate/", "/launch/")


def _page(page: str) -> str:
    """A same-site path only (never another site's address, nor ``/\\host``, which browsers
    read as ``//host``), cut to its limit. Under ``SECRET_PATHS`` only the prefix is kept:
    a verification, password-reset, rating or invitation link carries its secret in the
    path."""
    page = (page or "").strip()
    if (
        not page.startswith("/")
        or page.startswith("//")
        or "\\" in page
        or any(c < " " or c == "\x7f" for c in page)
    ):
        return ""
    for prefix in SECRET_PATHS:
        if page.startswith(prefix):
            return prefix
    return page[:PAGE_MAX]


def _staff(user: User | None) -> User:
    if user is None or not (user.is_active and user.is_staff):
        raise AppError(ErrorCode.FORBIDDEN, "Only the concierge team does this.")
    return user


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _add(
    conversation: Conversation,
    *,
    author: str,
    body: str,
    now: dt.datetime,
    user: User | None = None,
) -> ChatMessage:
    message = ChatMessage.objects.create(
        conversation=conversation, author=author, user=user, body=body, created_at=now
    )
    conversation.last_message_at = now
    transaction.on_commit(lambda: bus.publish(conversation.pk, message.pk))
    return message


def _open(conversation: Conversation) -> None:
    if conversation.status == ConversationStatus.CLOSED:
        raise AppError(ErrorCode.INVALID_STATE, "This conversation is closed.")


@transaction.atomic
def chat_start(
    *,
    body: str,
    page: str = "",
    customer: User | None = None,
    name: str = "",
    email: str = "",
    now: dt.datetime | None = None,
) -> tuple[Conversation, str]:
    """A visitor starts a conversation with its first message. A signed-in customer is known
    by their account; anyone else leaves a name and an e-mail address (where a ticket's
    answer would go) and gets a secret token (returned once, kept hashed) that reaches this
    conversation and no other. Returns the conversation and the token ('' for a customer)."""
    now = now or timezone.now()
    body = _text(body, "message", BODY_MAX)
    token = ""
    if customer is None:
        name = _text(" ".join((name or "").split()), "name", NAME_MAX)
        email = (email or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            raise AppError(
                ErrorCode.INVALID_INPUT, "Enter a valid e-mail address.", field="email"
            ) from None
        token = secrets.token_urlsafe(32)
    else:
        name, email = "", ""
    conversation = Conversation.objects.create(
        customer=customer,
        name=name,
        email=email,
        token_hash=token_hash(token) if token else "",
        page=_page(page),
        created_at=now,
        last_message_at=now,
    )
    _add(conversation, author=Author.VISITOR, body=body, now=now, user=customer)
    audit("chat.conversation.started", actor=customer or f"email:{email}", obj=conversation)
    return conversation, token


@transaction.atomic
def chat_say(
    *,
    conversation: Conversation,
    body: str,
    by: User | None = None,
    staff: bool = False,
    now: dt.datetime | None = None,
) -> ChatMessage:
    """A line from the visitor (``staff=False``; access was checked by the caller) or from a
    member of staff (``staff=True``, ``by`` staff): a staff line in a waiting conversation
    takes it."""
    now = now or timezone.now()
    body = _text(body, "message", BODY_MAX)
    if staff:
        _staff(by)
    conversation = _locked(conversation)
    _open(conversation)
    if staff and conversation.status == ConversationStatus.WAITING:
        _take(conversation, by=by, now=now)  # type: ignore[arg-type]
    message = _add(
        conversation,
        author=Author.STAFF if staff else Author.VISITOR,
        body=body,
        now=now,
        user=by,
    )
    conversation.save(update_fields=["last_message_at", "status", "taken_by"])
    return message


def _take(conversation: Conversation, *, by: User, now: dt.datetime) -> None:
    conversation.status = ConversationStatus.ACTIVE
    conversation.taken_by = by
    name = by.first_name or by.get_full_name() or "The concierge"
    _add(conversation, author=Author.SYSTEM, body=f"{name} has joined the conversation.", now=now)
    audit("chat.conversation.taken", actor=by, obj=conversation)


@transaction.atomic
def chat_take(
    *, conversation: Conversation, by: User, now: dt.datetime | None = None
) -> Conversation:
    """A member of staff takes a waiting conversation. Taken by someone else already:
    ``invalid_state`` (409); by the same person: nothing changes."""
    now = now or timezone.now()
    _staff(by)
    conversation = _locked(conversation)
    _open(conversation)
    if conversation.status == ConversationStatus.ACTIVE:
        if conversation.taken_by_id == by.pk:
            return conversation
        raise AppError(ErrorCode.INVALID_STATE, "Someone else has taken this conversation.")
    _take(conversation, by=by, now=now)
    conversation.save(update_fields=["status", "taken_by", "last_message_at"])
    return conversation


@transaction.atomic
def chat_close(
    *, conversation: Conversation, by: User | None = None, now: dt.datetime | None = None
) -> Conversation:
    """The visitor (``by`` None or the customer) or staff end the conversation. Closing a
    closed conversation changes nothing."""
    now = now or timezone.now()
    conversation = _locked(conversation)
    if conversation.status == ConversationStatus.CLOSED:
        return conversation
    who = "The concierge" if by is not None and by.is_staff else "The visitor"
    _close(conversation, body=f"{who} closed the conversation.", now=now)
    conversation.save(update_fields=["status", "closed_at", "last_message_at"])
    audit("chat.conversation.closed", actor=by, obj=conversation)
    return conversation


def _close(conversation: Conversation, *, body: str, now: dt.datetime) -> None:
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = now
    _add(conversation, author=Author.SYSTEM, body=body, now=now)


def transcript(conversation: Conversation) -> str:
    lines = []
    for message in conversation.messages.select_related("user").order_by("id"):
        if message.author == Author.VISITOR:
            who = conversation.visitor_name
        elif message.author == Author.STAFF:
            who = message.user.get_full_name() if message.user else "Concierge"
        else:
            who = "—"
        lines.append(f"[{message.created_at:%Y-%m-%d %H:%M} UTC] {who}: {message.body}")
    return "\n".join(lines)


@transaction.atomic
def chat_to_ticket(*, conversation: Conversation, by: User, now: dt.datetime | None = None) -> int:
    """Staff turn a conversation into a support ticket (the transcript as its first message,
    the visitor acknowledged by e-mail, a note naming the chat) and close the conversation.
    Returns the ticket's id. Once only: ``invalid_state`` (409) the second time."""
    now = now or timezone.now()
    _staff(by)
    conversation = _locked(conversation)
    if conversation.ticket_id is not None:
        raise AppError(ErrorCode.INVALID_STATE, "This conversation is already a ticket.")
    email = conversation.visitor_email
    if not email:
        raise AppError(ErrorCode.INVALID_STATE, "The visitor left no e-mail address.")
    ticket = ticket_open(
        email=email,
        name=conversation.visitor_name,
        customer=conversation.customer,
        subject=f"Live chat #{conversation.pk}",
        body=transcript(conversation)[-20_000:],
        channel=TicketChannel.STAFF,
        now=now,
    )
    ticket_answer(
        ticket=ticket,
        by=by,
        body=f"Opened from live chat #{conversation.pk} (page: {conversation.page or '-'}).",
        internal=True,
        now=now,
    )
    conversation.ticket_id = ticket.pk
    if conversation.status != ConversationStatus.CLOSED:
        _close(
            conversation,
            body=f"This conversation is now ticket #{ticket.pk}: the answer will come by e-mail.",
            now=now,
        )
    conversation.save(update_fields=["ticket_id", "status", "closed_at", "last_message_at"])
    audit("chat.conversation.ticketed", actor=by, obj=conversation, ticket=ticket.pk)
    return ticket.pk


@transaction.atomic
def chat_page(*, conversation: Conversation, page: str) -> None:
    """The visitor's current page, as they browse (shown to staff; no message, no wake)."""
    page = _page(page)
    if page:
        Conversation.objects.filter(pk=conversation.pk).update(page=page)


def duty_seconds() -> int:
    return settings.CHAT_DUTY_SECONDS


@transaction.atomic
def duty_on(*, user: User, now: dt.datetime | None = None) -> Duty:
    """Go on duty, or stay on it (the console's heartbeat): on until ``CHAT_DUTY_SECONDS``
    from now."""
    now = now or timezone.now()
    _staff(user)
    until = now + dt.timedelta(seconds=duty_seconds())
    duty, created = Duty.objects.get_or_create(
        user=user, defaults={"until": until, "started_at": now}
    )
    if not created:
        if duty.until <= now:
            duty.started_at = now
            audit("chat.duty.on", actor=user, obj=duty)
        duty.until = until
        duty.save(update_fields=["until", "started_at"])
    else:
        audit("chat.duty.on", actor=user, obj=duty)
    return duty


@transaction.atomic
def duty_off(*, user: User, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if Duty.objects.filter(user=user, until__gt=now).update(until=now):
        audit("chat.duty.off", actor=user, obj=("chat.duty", user.pk))
