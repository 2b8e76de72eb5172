"""Tickets' writes: open a ticket, reply to it (customer), answer it (staff), triage it.

Every function is one transaction; each e-mail it causes is an outbox row written in that
transaction (``midas.notifications.services.email_enqueue``). Bad input is an ``AppError``
raised before anything is written. Customer e-mails carry the ticket's reply address and
the thread's headers (``concierge.threading``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.models import Booking
from midas.concierge import threading
from midas.concierge.attachments import CheckedUpload, Upload, uploads_check
from midas.concierge.models import (
    Author,
    SavedReply,
    Tag,
    Ticket,
    TicketAttachment,
    TicketChannel,
    TicketKind,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.notifications.services import email_enqueue, staff_notify

SUBJECT_MAX = 200
BODY_MAX = 20_000
NAME_MAX = 150


# --- Opening ------------------------------------------------------------------------------


@transaction.atomic
def ticket_open(
    *,
    email: str,
    subject: str,
    body: str,
    channel: str,
    customer: User | None = None,
    name: str = "",
    kind: str = TicketKind.QUESTION,
    booking: Booking | None = None,
    attachments: Sequence[Upload] = (),
    strict: bool = True,
    message_id: str = "",
    acknowledge: bool = True,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket with its first message; the customer gets an acknowledgement with the
    ticket's reply address (unless ``acknowledge`` is False: a ticket staff open for
    themselves, e.g. the old site's import), the team a notice. A booking must be the
    customer's own."""
    now = now or timezone.now()
    if customer is not None:
        email, name = customer.email, name or customer.full_name
    email = _address(email)
    subject = checked_text(subject, "subject", SUBJECT_MAX)
    body = checked_text(body, "body", BODY_MAX)
    name = " ".join(name.split())[:NAME_MAX]
    if kind not in TicketKind.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"unknown kind {kind!r}", field="kind")
    if channel not in TicketChannel.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"unknown channel {channel!r}", field="channel")
    if booking is not None and (customer is None or booking.customer_id != customer.pk):
        raise AppError(ErrorCode.NOT_FOUND, "no such booking", field="booking")
    files, refused = uploads_check(list(attachments), strict=strict)
    if refused:
        body += "\n\n[Not kept: " + "; ".join(refused) + "]"
    if customer is None:  # an account whose owner proved the address
        customer = User.objects.filter(
            email__iexact=email, is_active=True, email_verified_at__isnull=False
        ).first()
    ticket = Ticket.objects.create(
        customer=customer,
        name=name,
        email=email,
        subject=subject,
        kind=kind,
        booking=booking,
        channel=channel,
        first_response_due=now + dt.timedelta(minutes=settings.CONCIERGE_FIRST_RESPONSE_MINUTES),
        resolution_due=now + dt.timedelta(hours=settings.CONCIERGE_RESOLUTION_HOURS),
        last_message_at=now,
        email_thread=[message_id] if message_id else [],
    )
    first = _add_message(
        ticket,
        author=Author.CUSTOMER,
        user=customer,
        channel=channel,
        body=body,
        files=files,
        message_id=message_id,
        now=now,
    )
    if acknowledge:
        _email_customer(ticket, template="ticket_received", message=first)
    staff_notify(template="staff_new_ticket", context=_context(ticket, first))
    audit(
        "concierge.ticket.opened",
        actor=customer or "visitor",  # no address in the logs
        obj=ticket,
        kind=kind,
        channel=channel,
    )
    return ticket


# --- The thread ---------------------------------------------------------------------------


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    channel: str,
    user: User | None = None,
    attachments: Sequence[Upload] = (),
    strict: bool = True,
    message_id: str = "",
    now: dt.datetime | None = None,
) -> TicketMessage:
    """The customer writes again: the ticket is the team's turn again (``open``; a resolved
    one reopens). A closed ticket takes no more messages (``invalid_state``). ``strict``
    False (e-mail): refused attachments are left out and named in the message."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        raise AppError(ErrorCode.INVALID_STATE, "This ticket is closed: please open a new one.")
    body = checked_text(body, "body", BODY_MAX)
    files, refused = uploads_check(list(attachments), strict=strict)
    if refused:
        body += "\n\n[Not kept: " + "; ".join(refused) + "]"
    _thread_add(ticket, message_id)
    message = _add_message(
        ticket,
        author=Author.CUSTOMER,
        user=user or ticket.customer,
        channel=channel,
        body=body,
        files=files,
        message_id=message_id,
        now=now,
    )
    fields = ["last_message_at", "updated_at"]
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
        fields += ["status", "resolved_at"]
    ticket.last_message_at = now
    ticket.save(update_fields=fields)
    to = ticket.assignee.email if ticket.assignee else settings.CONCIERGE_EMAIL
    email_enqueue(to=to, template="staff_ticket_reply", context=_context(ticket, message))
    audit("concierge.ticket.replied", actor=user or ticket.customer, obj=ticket, channel=channel)
    return message


@transaction.atomic
def ticket_answer(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    internal: bool = False,
    status: str = TicketStatus.WAITING,
    attachments: Sequence[Upload] = (),
    now: dt.datetime | None = None,
) -> TicketMessage:
    """A staff member answers (e-mailed to the customer with the reply address) or leaves
    an ``internal`` note (never sent). An answer stops the first-response timer and moves
    the ticket to ``status`` (waiting on the customer by default; resolved to close the
    matter); a note changes nothing but the thread. Unassigned, it becomes the author's."""
    now = now or timezone.now()
    if not by.is_staff:
        raise AppError(ErrorCode.FORBIDDEN, "Only the concierge team answers tickets.")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    body = checked_text(body, "body", BODY_MAX)
    if status not in (TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED):
        raise AppError(ErrorCode.INVALID_INPUT, f"cannot answer into {status!r}", field="status")
    files, _ = uploads_check(list(attachments))
    message = _add_message(
        ticket,
        author=Author.STAFF,
        user=by,
        channel=TicketChannel.STAFF,
        body=body,
        files=files,
        internal=internal,
        message_id="",
        now=now,
    )
    if internal:
        audit("concierge.ticket.noted", actor=by, obj=ticket)
        return message
    fields = ["last_message_at", "updated_at", "status"]
    ticket.last_message_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    if ticket.assignee_id is None:
        ticket.assignee = by
        fields.append("assignee")
    _set_status(ticket, status, now, fields)
    ticket.save(update_fields=fields)
    outbox = _email_customer(ticket, template="ticket_answer", message=message)
    message.message_id = outbox.message_id
    message.save(update_fields=["message_id"])
    audit("concierge.ticket.answered", actor=by, obj=ticket, status=ticket.status)
    return message


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    by: User,
    status: str | None = None,
    priority: str | None = None,
    assignee: User | bool | None = False,
    tags: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Triage: status, priority, assignee (``None`` unassigns; ``False``, the default,
    leaves it) and tags (names; created when new). Resolving e-mails the customer."""
    now = now or timezone.now()
    if not by.is_staff:
        raise AppError(ErrorCode.FORBIDDEN, "Only the concierge team triages tickets.")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    fields = ["updated_at"]
    changes: dict[str, Any] = {}
    if status is not None and status != ticket.status:
        if status not in TicketStatus.values:
            raise AppError(ErrorCode.INVALID_INPUT, f"unknown status {status!r}", field="status")
        changes["status"] = [ticket.status, status]
    if priority is not None and priority != ticket.priority:
        if priority not in TicketPriority.values:
            raise AppError(
                ErrorCode.INVALID_INPUT, f"unknown priority {priority!r}", field="priority"
            )
        changes["priority"] = [ticket.priority, priority]
        ticket.priority = priority
        fields.append("priority")
    if assignee is not False and getattr(assignee, "pk", None) != ticket.assignee_id:
        if assignee is not None and not (assignee.is_staff and assignee.is_active):  # type: ignore[union-attr]
            raise AppError(ErrorCode.INVALID_INPUT, "assign to a staff member", field="assignee")
        changes["assignee"] = [ticket.assignee_id, getattr(assignee, "pk", None)]
        ticket.assignee = assignee  # type: ignore[assignment]
        fields.append("assignee")
    tag_rows = None
    if tags is not None:
        names = sorted({_tag_name(name) for name in tags if name.strip()})
        tag_rows = [Tag.objects.get_or_create(name=name)[0] for name in names]
    if "status" in changes:
        _set_status(ticket, status, now, fields)  # type: ignore[arg-type]
    ticket.save(update_fields=fields)
    if tag_rows is not None:
        ticket.tags.set(tag_rows)
    if "status" in changes and ticket.status == TicketStatus.RESOLVED:
        _email_customer(ticket, template="ticket_resolved", message=None)
    if changes:
        audit("concierge.ticket.updated", actor=by, obj=ticket, changes=changes)
    return ticket


def saved_reply_render(*, reply: SavedReply, ticket: Ticket) -> str:
    """A saved reply's text for this ticket: ``{name}`` and ``{ticket}`` filled in."""
    name = ticket.name.split(" ")[0] if ticket.name else "there"
    return reply.body.replace("{name}", name).replace("{ticket}", f"#{ticket.pk}")


# --- Helpers --------------------------------------------------------------------------------


def _add_message(
    ticket: Ticket,
    *,
    author: str,
    user: User | None,
    channel: str,
    body: str,
    files: list[CheckedUpload],
    message_id: str,
    now: dt.datetime,
    internal: bool = False,
) -> TicketMessage:
    message = TicketMessage.objects.create(
        ticket=ticket,
        created_at=now,
        author=author,
        user=user,
        channel=channel,
        body=body,
        internal=internal,
        message_id=message_id,
    )
    for upload in files:
        attachment = TicketAttachment(
            message=message,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.content),
        )
        attachment.file.save(upload.filename, ContentFile(upload.content), save=False)
        attachment.save()
    return message


def _set_status(ticket: Ticket, status: str, now: dt.datetime, fields: list[str]) -> None:
    ticket.status = status
    if "status" not in fields:
        fields.append("status")
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = ticket.resolved_at or now
        fields.append("resolved_at")
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
        fields += ["closed_at", "resolved_at"]
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]


def _email_customer(ticket: Ticket, *, template: str, message: TicketMessage | None) -> Any:
    """E-mail the customer with the ticket's reply address, in the thread's headers; the
    new Message-ID joins the thread."""
    outbox = email_enqueue(
        to=ticket.email,
        template=template,
        context=_context(ticket, message),
        reply_to=threading.reply_address(ticket.pk),
        headers=threading.thread_headers(ticket.email_thread),
    )
    _thread_add(ticket, outbox.message_id)
    return outbox


def _thread_add(ticket: Ticket, message_id: str) -> None:
    if message_id and message_id not in ticket.email_thread:
        ticket.email_thread = [*ticket.email_thread, message_id]
        Ticket.objects.filter(pk=ticket.pk).update(email_thread=ticket.email_thread)


def _context(ticket: Ticket, message: TicketMessage | None) -> dict[str, Any]:
    return {
        "ticket_id": ticket.pk,
        "subject": ticket.subject,
        "customer_name": ticket.name or ticket.email,
        "kind": ticket.get_kind_display(),
        "booking_reference": ticket.booking.reference if ticket.booking else "",
        "body": message.body if message else "",
        "attachments": [a.filename for a in message.attachments.all()] if message else [],
        "ticket_url": settings.SITE_URL + ticket.get_absolute_url(),
        "staff_url": settings.SITE_URL + reverse("concierge_staff:ticket", args=[ticket.pk]),
        "reply_marker": threading.REPLY_MARKER,
        "first_response_minutes": settings.CONCIERGE_FIRST_RESPONSE_MINUTES,
        "rate_url": settings.SITE_URL
        + reverse("concierge:rate", args=[threading.satisfaction_token(ticket.pk)]),
    }


def _address(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise AppError(
            ErrorCode.INVALID_INPUT, "Enter a valid e-mail address.", field="email"
        ) from None
    return email


def checked_text(value: str, name: str, limit: int) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise AppError(ErrorCode.INVALID_INPUT, f"The {name} is empty.", field=name)
    if len(value) > limit:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"The {name} is longer than {limit} characters.", field=name
        )
    return value


def _tag_name(name: str) -> str:
    from django.utils.text import slugify

    slug = slugify(name)[:40]
    if not slug:
        raise AppError(ErrorCode.INVALID_INPUT, f"not a tag: {name!r}", field="tags")
    return slug


@transaction.atomic
def ticket_rate(
    *, ticket: Ticket, score: int, comment: str = "", now: dt.datetime | None = None
) -> Ticket:
    """The customer's "how did we do" (1 to 5, and a word) on a resolved or closed ticket;
    answering again replaces it. It feeds the satisfaction figure."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise AppError(ErrorCode.INVALID_STATE, "A ticket is rated once it is resolved.")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise AppError(ErrorCode.INVALID_INPUT, "Rate from 1 to 5.", field="score")
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > 2000:
        raise AppError(ErrorCode.INVALID_INPUT, "The comment is too long.", field="comment")
    ticket.satisfaction = score
    ticket.satisfaction_comment = comment
    ticket.satisfaction_at = now
    ticket.save(
        update_fields=["satisfaction", "satisfaction_comment", "satisfaction_at", "updated_at"]
    )
    audit(
        "concierge.ticket.rated",
        actor=ticket.customer or "visitor",
        obj=ticket,
        score=score,
    )
    return ticket
