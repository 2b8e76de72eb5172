"""``GET /chat/events/<conversation>?after=<id>``: the conversation's Server-Sent Events.

An async view. Under ASGI (``midas chat-stream``, uvicorn) a waiting stream costs a
coroutine and no thread; under WSGI (``CHAT_STREAM_PORT=0``, the embedded default) the
server's thread drives it through an event loop of its own. The visitor reaches only their
own conversation (the ``midas_chat`` cookie's token, or their account), staff any: anything
else is 404. ``Last-Event-ID`` (the browser's reconnect) wins over ``after``.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from midas.concierge.chat import selectors, stream
from midas.concierge.chat.views.visitor import COOKIE
from midas.errors import AppError
from midas.flags.selectors import flag_on


def _last_id(request: HttpRequest) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def _access(request: HttpRequest, user: Any, pk: int) -> None:
    staff = bool(user.is_authenticated and user.is_active and user.is_staff)
    if not staff and not flag_on(request, "live_chat"):
        raise Http404
    selectors.conversation_for(
        pk,
        user=user if user.is_authenticated else None,
        token=request.COOKIES.get(COOKIE, ""),
        staff=staff,
    )


async def conversation_events(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    user = await request.auser()
    try:
        await sync_to_async(_access)(request, user, pk)
    except AppError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    after = _last_id(request)
    if isinstance(request, ASGIRequest):
        reader = stream.Reader()
        body: Any = stream.events(pk, after, reader=reader)
    else:
        reader = stream.Reader(own=True)
        body = stream.blocking(stream.events(pk, after, reader=reader), reader)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
