"""The concierge's chat console (``/staff/chat/``): who is waiting, one's own conversations,
on/off duty; one conversation with the visitor's current page and (for a customer) their
bookings, live replies, close, turn into a ticket. Staff only, as the ticket inbox: anonymous
visitors go to the login page, everyone else gets a 404. The pages work without script
(plain forms); ``chat/staff.js`` makes them live (the stream, the heartbeat that keeps the
member on duty and refreshes the waiting list)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from midas.bookings.selectors import bookings_of
from midas.concierge.chat import selectors, services
from midas.concierge.chat.models import Conversation
from midas.concierge.chat.views.visitor import json_endpoint
from midas.concierge.views.customer import signed_in
from midas.concierge.views.staff import staff_required
from midas.errors import AppError


def _conversation(pk: int, request: HttpRequest) -> Conversation:
    try:
        return selectors.conversation_for(pk, user=signed_in(request), staff=True)
    except AppError:
        raise Http404 from None


def _context(request: HttpRequest, title: str, **more: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **more}


def _waiting_data() -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "name": c.visitor_name,
            "page": c.page,
            "since": c.created_at.isoformat(),
            "url": reverse("chat_staff:conversation", args=[c.pk]),
        }
        for c in selectors.waiting()
    ]


@never_cache
@require_GET
@staff_required
def console(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    duty = selectors.on_duty().filter(user=user).first()
    context = _context(
        request,
        "Live chat",
        duty=duty,
        waiting=selectors.waiting(),
        mine=selectors.taken_by(user),
        closed=selectors.recent_closed(),
        on_duty_count=selectors.on_duty().count(),
    )
    return render(request, "chat/staff/console.html", context)


@never_cache
@require_GET
@staff_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    found = _conversation(pk, request)
    lines = list(found.messages.select_related("user").order_by("id"))
    bookings = list(bookings_of(found.customer)[:10]) if found.customer_id else []
    context = _context(
        request,
        f"Chat #{found.pk}",
        conversation=found,
        lines=lines,
        last_id=lines[-1].pk if lines else 0,
        bookings=bookings,
        mine=found.taken_by_id == signed_in(request).pk,
        on_duty=selectors.on_duty().filter(user=signed_in(request)).exists(),
    )
    return render(request, "chat/staff/conversation.html", context)


def _back(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        return redirect("chat_staff:console")
    return redirect("chat_staff:conversation", pk=pk)


@require_POST
@staff_required
def take(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.chat_take(conversation=_conversation(pk, request), by=signed_in(request))
    except AppError as exc:
        messages.error(request, exc.message)
    return _back(request, pk)


@require_POST
@staff_required
def say(request: HttpRequest, pk: int) -> HttpResponse:
    """A reply: JSON for the console's script (201), a redirect for a plain form."""
    found = _conversation(pk, request)
    body = request.POST.get("body", "")
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        message = services.chat_say(
            conversation=found, body=body, by=signed_in(request), staff=True
        )
    except AppError as exc:
        if wants_json:
            return JsonResponse(exc.as_dict(), status=exc.status)
        messages.error(request, exc.message)
        return _back(request, pk)
    if wants_json:
        return JsonResponse({"id": message.pk}, status=201)
    return _back(request, pk)


@require_POST
@staff_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    services.chat_close(conversation=_conversation(pk, request), by=signed_in(request))
    return _back(request, pk)


@require_POST
@staff_required
def to_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ticket_id = services.chat_to_ticket(
            conversation=_conversation(pk, request), by=signed_in(request)
        )
    except AppError as exc:
        messages.error(request, exc.message)
        return _back(request, pk)
    messages.success(request, f"Ticket #{ticket_id} opened from this conversation.")
    return redirect("concierge_staff:ticket", pk=ticket_id)


@require_POST
@staff_required
def duty(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if request.POST.get("on") == "1":
        services.duty_on(user=user)
    else:
        services.duty_off(user=user)
    return redirect(request.POST.get("next") or reverse("chat_staff:console"))


@require_POST
@staff_required
@json_endpoint
def heartbeat(request: HttpRequest) -> HttpResponse:
    """The console's heartbeat (every ~20 s): keeps its member on duty (when they are), and
    answers the waiting list and, for ``conversation``, the visitor's page and status."""
    user = signed_in(request)
    on_duty = selectors.on_duty().filter(user=user).exists()
    if on_duty:
        services.duty_on(user=user)
    data: dict[str, Any] = {"on_duty": on_duty, "waiting": _waiting_data()}
    pk = request.POST.get("conversation", "")
    if pk.isdigit():
        found = Conversation.objects.filter(pk=int(pk)).values("page", "status").first()
        if found is not None:
            data["conversation"] = found
    data["at"] = timezone.now().isoformat()
    return JsonResponse(data)
