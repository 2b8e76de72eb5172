"""The customer's support pages: their tickets, a new one (from the account or a booking),
one ticket's conversation with a reply form, and its files. Signed-in customers only, and
only their own tickets: another's is the same 404 as none."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from midas.accounts.models import User
from midas.accounts.ratelimit import Limit, by_user, too_many_requests
from midas.bookings.selectors import booking_of_customer, bookings_of
from midas.concierge import selectors, services
from midas.concierge.forms import ReplyForm, TicketForm, uploads
from midas.concierge.models import TicketChannel, TicketKind
from midas.core.meta import PageMeta
from midas.errors import AppError, ErrorCode

account_required = login_required(login_url="accounts:login")
GET_POST = require_http_methods(["GET", "HEAD", "POST"])

# Tickets and replies a signed-in customer may send (settings.RATE_LIMITS may override).
TICKET_CREATE = Limit("ticket_create", limit=10, window=60 * 60)
TICKET_REPLY = Limit("ticket_reply", limit=60, window=60 * 60)


def _page(
    request: HttpRequest, template: str, title: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    meta = PageMeta(title=title, description=title, path=request.path)
    return render(request, template, {"meta": meta, **context}, status=status)


def signed_in(request: HttpRequest) -> User:
    """The signed-in user of a page behind ``login_required``."""
    user = request.user
    assert isinstance(user, User)
    return user


def _ticket(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.ticket_of_customer(pk, signed_in(request))
    except AppError:
        raise Http404 from None


@never_cache
@account_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    tickets = selectors.tickets_of(signed_in(request))
    return _page(request, "concierge/list.html", "Your conversations", {"tickets": tickets})


@never_cache
@account_required
@GET_POST
def ticket_new(request: HttpRequest) -> HttpResponse:
    """A new ticket; ``?booking=REF&kind=chauffeur`` starts a concierge request about one
    booking."""
    customer = signed_in(request)
    bookings = [
        (b.reference, f"{b.reference} · {b.asset.name}") for b in bookings_of(customer)[:50]
    ]
    initial = {
        "booking": request.GET.get("booking", "").upper(),
        "kind": request.GET.get("kind")
        or (TicketKind.BOOKING if request.GET.get("booking") else TicketKind.QUESTION),
    }
    form = TicketForm(
        request.POST or None, request.FILES or None, initial=initial, bookings=bookings
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            TICKET_CREATE.hit(by_user(request))
            booking = booking_of_customer(data["booking"], customer) if data["booking"] else None
            ticket = services.ticket_open(
                customer=customer,
                email=customer.email,
                subject=data["subject"],
                body=data["body"],
                kind=data["kind"],
                booking=booking,
                channel=TicketChannel.ACCOUNT,
                attachments=uploads(data["attachments"]),
            )
        except AppError as exc:
            if exc.code == ErrorCode.RATE_LIMITED:
                return too_many_requests(request, exc)
            form.add_app_error(exc)
        else:
            messages.success(request, f"Ticket #{ticket.pk} is with your concierge.")
            return redirect(ticket)
    status = 400 if form.errors else 200
    return _page(request, "concierge/new.html", "Ask your concierge", {"form": form}, status)


@never_cache
@account_required
@GET_POST
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            TICKET_REPLY.hit(by_user(request))
            services.ticket_reply(
                ticket=ticket,
                user=signed_in(request),
                body=form.cleaned_data["body"],
                channel=TicketChannel.ACCOUNT,
                attachments=uploads(form.cleaned_data["attachments"]),
            )
        except AppError as exc:
            if exc.code == ErrorCode.RATE_LIMITED:
                return too_many_requests(request, exc)
            form.add_app_error(exc)
        else:
            messages.success(request, "Your answer is with your concierge.")
            return redirect(ticket)
    context = {
        "ticket": ticket,
        "thread": selectors.public_messages(ticket),
        "form": form,
    }
    status = 400 if form.errors else 200
    return _page(
        request, "concierge/detail.html", f"#{ticket.pk} {ticket.subject}", context, status
    )


@account_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    try:
        found = selectors.attachment_of_customer(pk, signed_in(request))
    except AppError:
        raise Http404 from None
    return attachment_response(found)


def attachment_response(found: Any) -> FileResponse:
    """A stored file, sent as what it is (its type was checked when it came in); PDFs and
    images inline, never sniffed, never framed, no script."""
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=False,
        filename=found.filename,
    )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
