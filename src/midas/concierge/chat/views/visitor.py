"""The chat panel's JSON endpoints (``/chat/...``), for the visitor's own conversation only.

An anonymous visitor is known by the ``midas_chat`` cookie (HttpOnly, path ``/chat/``: it
never travels with a page request, so the page cache is untouched), a customer by their
account. Every endpoint answers JSON; a business-rule error is ``{"code", "message",
"field"}`` with its status (``midas.errors``), 404 for a conversation that is not theirs,
503 ``feature_disabled`` while the ``live_chat`` flag is off. CSRF applies (the state
endpoint sets the token's cookie).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from midas.accounts.models import User
from midas.accounts.ratelimit import Limit, by_ip
from midas.concierge.chat import selectors, services
from midas.concierge.chat.models import Conversation
from midas.errors import AppError, ErrorCode
from midas.flags.guards import flag_require

COOKIE = "midas_chat"
COOKIE_AGE = 30 * 24 * 3600
# settings.RATE_LIMITS may override these
CHAT_START = Limit("chat_start", limit=5, window=60 * 60)
CHAT_SAY = Limit("chat_say", limit=30, window=60)


def json_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """AppError → its JSON answer (with Retry-After for a rate limit); never cached."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AppError as exc:
            response = JsonResponse(exc.as_dict(), status=exc.status)
            if exc.retry_after:
                response["Retry-After"] = str(exc.retry_after)
            return response

    return never_cache(wrapped)


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _payload(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise AppError(ErrorCode.INVALID_INPUT, "The body is not JSON.") from None
        if not isinstance(data, dict):
            raise AppError(ErrorCode.INVALID_INPUT, "The body must be a JSON object.")
        return {k: v if isinstance(v, str) else str(v) for k, v in data.items()}
    return {k: request.POST.get(k, "") for k in request.POST}


def _mine(request: HttpRequest, pk: int) -> Conversation:
    return selectors.conversation_for(
        pk, user=_user(request), token=request.COOKIES.get(COOKIE, "")
    )


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "events": reverse("chat:events", args=[conversation.pk]),
        "say": reverse("chat:say", args=[conversation.pk]),
        "page": reverse("chat:page", args=[conversation.pk]),
        "close": reverse("chat:close", args=[conversation.pk]),
        "ticket_id": conversation.ticket_id,
    }


@require_GET
@json_endpoint
def state(request: HttpRequest) -> HttpResponse:
    """What the panel shows: whether anyone is on duty, the visitor's open conversation."""
    flag_require(request, "live_chat")
    get_token(request)  # the CSRF cookie for the panel's POSTs
    user = _user(request)
    conversation = selectors.open_conversation(user=user, token=request.COOKIES.get(COOKIE, ""))
    return JsonResponse(
        {
            "on_duty": selectors.anyone_on_duty(),
            "signed_in": user is not None,
            "contact": reverse("web:contact"),
            "conversation": conversation_data(conversation) if conversation else None,
        }
    )


@require_POST
@json_endpoint
def start(request: HttpRequest) -> HttpResponse:
    """Start a conversation (or, with one open already, add the line to it)."""
    flag_require(request, "live_chat")
    data = _payload(request)
    user = _user(request)
    token = request.COOKIES.get(COOKIE, "")
    open_one = selectors.open_conversation(user=user, token=token)
    if open_one is not None:
        CHAT_SAY.hit(f"chat:{open_one.pk}")
        services.chat_say(conversation=open_one, body=data.get("body", ""), by=user)
        return JsonResponse(conversation_data(open_one), status=200)
    CHAT_START.hit(by_ip(request))
    conversation, token = services.chat_start(
        body=data.get("body", ""),
        page=data.get("page", ""),
        customer=user,
        name=data.get("name", ""),
        email=data.get("email", ""),
    )
    response = JsonResponse(conversation_data(conversation), status=201)
    if token:
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_AGE,
            path="/chat/",
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@require_POST
@json_endpoint
def say(request: HttpRequest, pk: int) -> HttpResponse:
    flag_require(request, "live_chat")
    conversation = _mine(request, pk)
    CHAT_SAY.hit(f"chat:{conversation.pk}")
    message = services.chat_say(
        conversation=conversation, body=_payload(request).get("body", ""), by=_user(request)
    )
    return JsonResponse({"id": message.pk}, status=201)


@require_POST
@json_endpoint
def page(request: HttpRequest, pk: int) -> HttpResponse:
    flag_require(request, "live_chat")
    conversation = _mine(request, pk)
    services.chat_page(conversation=conversation, page=_payload(request).get("page", ""))
    return HttpResponse(status=204)


@require_POST
@json_endpoint
def close(request: HttpRequest, pk: int) -> HttpResponse:
    flag_require(request, "live_chat")
    conversation = services.chat_close(conversation=_mine(request, pk), by=_user(request))
    return JsonResponse(conversation_data(conversation))
