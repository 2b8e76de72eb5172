"""Reads of the concierge: a customer's tickets (their own only), the staff inbox and its
timers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, IntegerField, Q, QuerySet, Value, When

from midas.accounts.models import User
from midas.bookings.models import Booking
from midas.catalog.models import Asset
from midas.concierge.models import (
    ACTIVE_STATUSES,
    Review,
    ReviewStatus,
    SavedReply,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from midas.errors import AppError, ErrorCode


def mine(customer: User | None, prefix: str = "") -> Q:
    """A customer's tickets: theirs, and those written from their address before they had
    an account, once they have proved the address (``email_verified_at``)."""
    if customer is None or not customer.pk:
        return Q(pk__in=[])
    found = Q(**{f"{prefix}customer": customer})
    if customer.is_email_verified:
        found |= Q(**{f"{prefix}customer__isnull": True, f"{prefix}email__iexact": customer.email})
    return found


def tickets_of(customer: User | None) -> QuerySet[Ticket]:
    """A customer's tickets, latest activity first."""
    return Ticket.objects.filter(mine(customer)).select_related("booking")


def ticket_of_customer(ticket_id: int, customer: User | None) -> Ticket:
    """The customer's ticket; someone else's, or none, is the same ``not_found``."""
    ticket = tickets_of(customer).filter(pk=ticket_id).first()
    if ticket is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no ticket {ticket_id}")
    return ticket


def public_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    """What the customer sees of the thread: everything but staff notes."""
    return ticket.messages.filter(internal=False).prefetch_related("attachments")


def attachment_of_customer(attachment_id: int, customer: User | None) -> TicketAttachment:
    found = (
        TicketAttachment.objects.filter(mine(customer, "message__ticket__"))
        .filter(pk=attachment_id, message__internal=False)
        .select_related("message")
        .first()
    )
    if found is None:
        raise AppError(ErrorCode.NOT_FOUND, "no such file")
    return found


PRIORITY_ORDER = [
    TicketPriority.URGENT,
    TicketPriority.HIGH,
    TicketPriority.NORMAL,
    TicketPriority.LOW,
]
INBOX_VIEWS = {
    "active": "New, open and waiting",
    "mine": "Assigned to me",
    "unassigned": "Unassigned",
    "late": "Past a target",
    "resolved": "Resolved",
    "closed": "Closed",
    "all": "All",
}


def inbox(
    *, view: str, user: User, now: dt.datetime, tag: str = "", query: str = ""
) -> QuerySet[Ticket]:
    """The staff inbox: one of ``INBOX_VIEWS``, optionally one tag and a search (subject,
    address, name, or ``#id``); the most urgent first."""
    tickets = Ticket.objects.select_related("assignee", "booking").prefetch_related("tags")
    active = Q(status__in=ACTIVE_STATUSES)
    filters = {
        "active": active,
        "mine": active & Q(assignee=user),
        "unassigned": active & Q(assignee__isnull=True),
        "late": active
        & (
            Q(first_response_at__isnull=True, first_response_due__lt=now)
            | Q(resolution_due__lt=now)
        ),
        "resolved": Q(status=TicketStatus.RESOLVED),
        "closed": Q(status=TicketStatus.CLOSED),
        "all": Q(),
    }
    tickets = tickets.filter(filters.get(view, active))
    if tag:
        tickets = tickets.filter(tags__name=tag)
    query = query.strip()
    if query:
        if query.lstrip("#").isdigit():
            tickets = tickets.filter(pk=int(query.lstrip("#")))
        else:
            tickets = tickets.filter(
                Q(subject__icontains=query)
                | Q(email__icontains=query)
                | Q(name__icontains=query)
                | Q(booking__reference__iexact=query)
                | Q(booking__legacy_reference__iexact=query)  # the old site's booking id
            )
    rank = Case(
        *(When(priority=value, then=Value(n)) for n, value in enumerate(PRIORITY_ORDER)),
        default=Value(len(PRIORITY_ORDER)),
        output_field=IntegerField(),
    )
    return tickets.annotate(priority_rank=rank).order_by(
        "priority_rank", "first_response_due", "-last_message_at"
    )


@dataclass(frozen=True)
class Timer:
    """One target of a ticket: when it is due, when it was met, and whether it is late."""

    due: dt.datetime
    met_at: dt.datetime | None
    late: bool


def timers(ticket: Ticket, now: dt.datetime) -> dict[str, Timer]:
    return {
        "first_response": Timer(
            ticket.first_response_due, ticket.first_response_at, ticket.first_response_late(now)
        ),
        "resolution": Timer(ticket.resolution_due, ticket.resolved_at, ticket.resolution_late(now)),
    }


def inbox_counts(*, user: User, now: dt.datetime) -> dict[str, int]:
    return {view: inbox(view=view, user=user, now=now).count() for view in INBOX_VIEWS}


def saved_replies() -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(active=True)


# --- Reviews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingSummary:
    average: float | None  # approved reviews only; None without any
    count: int


def approved_reviews(asset: Asset, *, limit: int = 20) -> list[Review]:
    return list(
        Review.objects.filter(asset=asset, status=ReviewStatus.APPROVED).order_by(
            "-created_at", "-id"
        )[:limit]
    )


def rating_summary(asset: Asset) -> RatingSummary:
    found = Review.objects.filter(asset=asset, status=ReviewStatus.APPROVED).aggregate(
        average=Avg("rating"), count=Count("id")
    )
    average = found["average"]
    return RatingSummary(
        average=round(float(average), 2) if average is not None else None, count=found["count"]
    )


def review_of_booking(booking: Booking) -> Review | None:
    return Review.objects.filter(booking=booking).first()


# --- Support figures (for the insights and the launch report) -------------------------------


@dataclass(frozen=True)
class SupportFigures:
    """Tickets opened in ``[start, end)`` and how they were served; satisfaction from the
    "how did we do" scores given in the period and the reviews written in it."""

    tickets_opened: int
    first_responses: int  # of those opened, how many were answered
    first_response_avg_minutes: float | None
    first_response_on_target: int  # answered within CONCIERGE_FIRST_RESPONSE_MINUTES
    resolved: int
    satisfaction_avg: float | None  # tickets' scores, 1-5
    satisfaction_count: int
    review_avg: float | None  # reviews (any moderation state but rejected), 1-5
    review_count: int


def support_figures(*, start: dt.datetime, end: dt.datetime) -> SupportFigures:
    opened = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    answered = [
        (created, first, due)
        for created, first, due in opened.filter(first_response_at__isnull=False).values_list(
            "created_at", "first_response_at", "first_response_due"
        )
        if first is not None
    ]
    minutes = [(first - created).total_seconds() / 60 for created, first, _ in answered]
    scores = Ticket.objects.filter(
        satisfaction_at__gte=start, satisfaction_at__lt=end, satisfaction__isnull=False
    ).aggregate(avg=Avg("satisfaction"), n=Count("id"))
    reviews = (
        Review.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=ReviewStatus.REJECTED)
        .aggregate(avg=Avg("rating"), n=Count("id"))
    )
    return SupportFigures(
        tickets_opened=opened.count(),
        first_responses=len(answered),
        first_response_avg_minutes=round(sum(minutes) / len(minutes), 1) if minutes else None,
        first_response_on_target=sum(1 for _, first, due in answered if first <= due),
        resolved=opened.filter(resolved_at__isnull=False).count(),
        satisfaction_avg=round(float(scores["avg"]), 2) if scores["avg"] is not None else None,
        satisfaction_count=scores["n"],
        review_avg=round(float(reviews["avg"]), 2) if reviews["avg"] is not None else None,
        review_count=reviews["n"],
    )


def inbox_summary(*, now: dt.datetime) -> dict[str, int]:
    """The inbox at a glance (one query): active tickets, unassigned, past a target."""
    active = Q(status__in=ACTIVE_STATUSES)
    late = active & (
        Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(resolution_due__lt=now)
    )
    return Ticket.objects.aggregate(
        active=Count("id", filter=active),
        unassigned=Count("id", filter=active & Q(assignee__isnull=True)),
        late=Count("id", filter=late),
    )
