"""The staff inbox (``/staff/tickets/``): tickets by view (active, mine, unassigned, late,
...), one ticket with its whole thread (notes included), the answer form with the saved
replies, triage (status, priority, assignee, tags) and the timers against their targets.
Staff only: anonymous visitors go to the login page, everyone else gets a 404. No script:
a saved reply is picked by a link that fills the answer in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from midas.concierge import selectors, services
from midas.concierge.forms import AnswerForm, TriageForm, uploads
from midas.concierge.models import SavedReply, Ticket, TicketAttachment
from midas.concierge.views.customer import attachment_response, signed_in
from midas.errors import AppError

PAGE_SIZE = 50


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _staff_choices() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
    return [(str(u.pk), u.get_full_name()) for u in users]


def _context(request: HttpRequest, title: str, **more: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **more}


@never_cache
@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    view = request.GET.get("view", "active")
    if view not in selectors.INBOX_VIEWS:
        view = "active"
    tag = request.GET.get("tag", "").strip()[:40]
    query = request.GET.get("q", "").strip()[:200]
    user = signed_in(request)
    tickets = selectors.inbox(view=view, user=user, now=now, tag=tag, query=query)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.inbox_counts(user=user, now=now)
    views = [(key, label, counts[key]) for key, label in selectors.INBOX_VIEWS.items()]
    context = _context(
        request, "Tickets", page=page, view=view, views=views, tag=tag, q=query, now=now
    )
    return render(request, "concierge/staff/inbox.html", context)


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    answer: AnswerForm | None = None,
    triage: TriageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    if answer is None:
        initial = {}
        saved = request.GET.get("saved", "")
        if saved.isdigit():
            reply = SavedReply.objects.filter(pk=int(saved), active=True).first()
            if reply is not None:
                initial["body"] = services.saved_reply_render(reply=reply, ticket=ticket)
        answer = AnswerForm(initial=initial)
    if triage is None:
        triage = TriageForm(
            staff=_staff_choices(),
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee": str(ticket.assignee_id or ""),
                "tags": ", ".join(t.name for t in ticket.tags.all()),
            },
        )
    context = _context(
        request,
        f"Ticket #{ticket.pk}",
        ticket=ticket,
        thread=ticket.messages.select_related("user").prefetch_related("attachments"),
        timers=selectors.timers(ticket, now),
        answer=answer,
        triage=triage,
        saved_replies=selectors.saved_replies(),
        other_tickets=Ticket.objects.filter(email__iexact=ticket.email).exclude(pk=ticket.pk)[:10],
        now=now,
    )
    return render(request, "concierge/staff/ticket.html", context, status=status)


@never_cache
@require_GET
@staff_required
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Ticket.objects.select_related("customer", "booking", "assignee"), pk=pk
    )
    return _ticket_page(request, found)


@require_POST
@staff_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Ticket, pk=pk)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.ticket_answer(
                ticket=found,
                by=signed_in(request),
                body=data["body"],
                internal=data["internal"],
                status=data["status"],
                attachments=uploads(data["attachments"]),
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, "Note added." if data["internal"] else "Answer sent.")
            return redirect("concierge_staff:ticket", pk=found.pk)
    return _ticket_page(request, found, answer=form, status=400)


@require_POST
@staff_required
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Ticket, pk=pk)
    form = TriageForm(request.POST, staff=_staff_choices())
    if form.is_valid():
        data = form.cleaned_data
        assignee = (
            get_user_model().objects.filter(pk=int(data["assignee"])).first()
            if data["assignee"]
            else None
        )
        try:
            services.ticket_update(
                ticket=found,
                by=signed_in(request),
                status=data["status"],
                priority=data["priority"],
                assignee=assignee,
                tags=[name for name in data["tags"].split(",") if name.strip()],
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            messages.success(request, "Ticket updated.")
            return redirect("concierge_staff:ticket", pk=found.pk)
    return _ticket_page(request, found, triage=form, status=400)


@require_GET
@staff_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(get_object_or_404(TicketAttachment, pk=pk))
