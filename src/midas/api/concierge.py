"""Support tickets over the API: a signed-in customer lists, opens, reads and answers their own
tickets (another's is the same ``404 not_found`` as none); and the door SendGrid's Inbound
Parse posts e-mail answers to (``POST /email/inbound``, multipart, HTTP basic auth with
``CONCIERGE_INBOUND_SECRET``: docs/explanation/concierge.md).

Thin: parse, find the ticket through ``ticket_of_customer``, call one service, shape the
answer.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from midas.accounts.models import User
from midas.accounts.ratelimit import Limit, by_user
from midas.api.auth import BearerAuth
from midas.api.pagination import LimitOffset
from midas.api.schemas import Instant, errors, one_of
from midas.bookings.selectors import booking_of_customer
from midas.concierge import inbound, selectors, services, threading
from midas.concierge.models import Author, Ticket, TicketChannel, TicketKind, TicketStatus
from midas.errors import AppError, ErrorCode

router = Router(tags=["tickets"], auth=BearerAuth())
inbound_router = Router(tags=["email"])

TICKET_CREATE = Limit("ticket_create", limit=10, window=60 * 60)
TICKET_REPLY = Limit("ticket_reply", limit=60, window=60 * 60)

# Text with something besides spaces (the services strip it; Python's whitespace, which
# the schema's \s leaves out \x1c-\x1f of), and no NUL.
GIVEN_TEXT = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"
Subject = Annotated[str, Field(min_length=1, max_length=services.SUBJECT_MAX, pattern=GIVEN_TEXT)]
Body = Annotated[str, Field(min_length=1, max_length=services.BODY_MAX, pattern=GIVEN_TEXT)]
TicketId = Annotated[int, Path(ge=1, le=2_147_483_647, examples=[12])]


# --- Schemas --------------------------------------------------------------------------------


class TicketIn(Schema):
    subject: Subject
    body: Body = Field(description="The first message")
    kind: str = Field(
        TicketKind.QUESTION,
        description=" | ".join(TicketKind.values),
        json_schema_extra=one_of(*TicketKind.values),
    )
    booking: Annotated[str, Field(max_length=16, pattern=r"^[-A-Za-z0-9]*$")] = Field(
        "", description="One of your bookings' references (a concierge request about it)"
    )


class ReplyIn(Schema):
    body: Body


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    author: str = Field(json_schema_extra=one_of(*Author.values))
    body: str
    created_at: Instant
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class TicketOut(Schema):
    id: int
    subject: str
    kind: str = Field(json_schema_extra=one_of(*TicketKind.values))
    status: str = Field(
        description="new | open | waiting (on you) | resolved | closed",
        json_schema_extra=one_of(*TicketStatus.values),
    )
    booking: str | None = Field(description="The booking's reference, if any")
    reply_address: str = Field(description="Answer by e-mail to this address")
    created_at: Instant
    last_message_at: Instant

    @staticmethod
    def resolve_booking(obj: Ticket) -> str | None:
        return obj.booking.reference if obj.booking else None

    @staticmethod
    def resolve_reply_address(obj: Ticket) -> str:
        return threading.reply_address(obj.pk)


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(obj: Ticket) -> list[Any]:
        return list(selectors.public_messages(obj))


class InboundOut(Schema):
    status: str  # threaded | duplicate | ignored | reopened_as_new | rejected
    ticket: int | None
    reason: str


# --- Endpoints ------------------------------------------------------------------------------


@router.get("/tickets", response={200: list[TicketOut], **errors(401)})
@paginate(LimitOffset)
def list_tickets(request: HttpRequest) -> QuerySet[Ticket]:
    """Your tickets, latest activity first."""
    return selectors.tickets_of(_customer(request))


# What a client can do next with the ticket it opened (OpenAPI links, by operationId).
TICKET_LINKS = {
    name: {
        "operationId": f"midas_api_concierge_{operation}",
        "parameters": {"ticket_id": "$response.body#/id"},
    }
    for name, operation in (("GetTicket", "get_ticket"), ("ReplyTicket", "reply_ticket"))
}


@router.post(
    "/tickets",
    response={201: TicketDetailOut, **errors(401, 404, 429)},
    openapi_extra={"responses": {201: {"links": TICKET_LINKS}}},
)
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    """Ask the concierge: **201** with the ticket; the answer comes by e-mail (reply to it)
    and here. With ``booking``, a concierge request about one of your bookings (a
    reference that is not yours is **404**)."""
    TICKET_CREATE.hit(by_user(request))
    booking = booking_of_customer(payload.booking, _customer(request)) if payload.booking else None
    ticket = services.ticket_open(
        customer=_customer(request),
        email=_customer(request).email,
        subject=payload.subject,
        body=payload.body,
        kind=payload.kind,
        booking=booking,
        channel=TicketChannel.API,
    )
    return Status(201, ticket)


@router.get("/tickets/{ticket_id}", response={200: TicketDetailOut, **errors(401, 404)})
def get_ticket(request: HttpRequest, ticket_id: TicketId) -> Ticket:
    """One of your tickets with its conversation."""
    return selectors.ticket_of_customer(ticket_id, _customer(request))


@router.post(
    "/tickets/{ticket_id}/replies",
    response={201: TicketDetailOut, **errors(401, 404, 409, 429)},
)
def reply_ticket(request: HttpRequest, ticket_id: TicketId, payload: ReplyIn) -> Status:
    """Write again in one of your tickets (a resolved one opens again; a closed one is
    **409** ``invalid_state``: open a new ticket)."""
    ticket = selectors.ticket_of_customer(ticket_id, _customer(request))
    TICKET_REPLY.hit(by_user(request))
    services.ticket_reply(
        ticket=ticket, user=_customer(request), body=payload.body, channel=TicketChannel.API
    )
    ticket.refresh_from_db()
    return Status(201, ticket)


@inbound_router.post(
    "/email/inbound",
    response={200: InboundOut, **errors(400, 401, 404)},
    summary="Receive an e-mail answer (SendGrid Inbound Parse)",
    include_in_schema=False,  # SendGrid's door, not the clients' API
)
def email_inbound(request: HttpRequest) -> dict[str, Any]:
    """SendGrid Inbound Parse's POST (multipart/form-data, parsed fields or the raw MIME
    message in ``email``). Authenticated by HTTP basic auth, the password
    ``CONCIERGE_INBOUND_SECRET`` (put it in the destination URL:
    ``https://inbound:SECRET@host/api/v1/email/inbound``); unset, this door is closed (404).
    An e-mail whose reply address is unknown or forged is answered ``rejected`` (200, so
    SendGrid does not retry it) and writes nothing."""
    secret = settings.CONCIERGE_INBOUND_SECRET
    if not secret:
        raise AppError(ErrorCode.NOT_FOUND, "inbound e-mail is not configured")
    if not constant_time_compare(_basic_password(request), secret):
        raise AppError(ErrorCode.AUTH_REQUIRED, "wrong or missing credentials")
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise AppError(ErrorCode.INVALID_INPUT, "send multipart/form-data")
    # SendGrid posts each field in the charset the e-mail used (listed in ``charsets``): read
    # them as Latin-1, which keeps every byte, and let ``from_sendgrid`` decode each one.
    request.encoding = inbound.FORM_BYTES
    fields = {key: request.POST.get(key, "") for key in request.POST}
    if not (fields.get("email") or fields.get("to") or fields.get("envelope")):
        raise AppError(ErrorCode.INVALID_INPUT, "not an Inbound Parse post (no to/envelope)")
    mail = inbound.from_sendgrid(fields, request.FILES)
    outcome = services.email_receive(mail=mail)
    return {"status": outcome.status, "ticket": outcome.ticket_id, "reason": outcome.reason}


def _customer(request: HttpRequest) -> User:
    """The signed-in customer ``BearerAuth`` put on the request."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User)
    return user


def _basic_password(request: HttpRequest) -> str:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]
