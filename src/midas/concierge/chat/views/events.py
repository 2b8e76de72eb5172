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
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

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


def _access(request: HttpRequest, pk: int) -> None:
    user = request.user  # the session is read here, in the reader's thread
    staff = bool(user.is_authenticated and user.is_active and user.is_staff)
    if not staff and not flag_on(request, "live_chat"):
        raise Http404
    selectors.conversation_for(
        pk,
        user=user if user.is_authenticated else None,  # type: ignore[arg-type]
        token=request.COOKIES.get(COOKIE, ""),
        staff=staff,
    )


async def conversation_events(request: HttpRequest, pk: int) -> HttpResponseBase:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    asgi = isinstance(request, ASGIRequest)
    # Every database read of a stream, the access check included, runs on the reader's few
    # threads (ASGI: the process's pool of 4; WSGI: one of the stream's own): 200 streams
    # opening at once never open 200 database connections (PostgreSQL allows 100).
    reader = stream.Reader(own=not asgi)
    try:
        await reader(_access, request, pk)
    except (AppError, Http404) as exc:
        reader.close()
        if isinstance(exc, Http404):
            raise
        return JsonResponse(exc.as_dict(), status=exc.status)
    finally:
        # whatever the middleware read in this request's own thread goes back now, not when
        # the stream ends minutes later
        await sync_to_async(connections.close_all)()
    after = _last_id(request)
    if asgi:
        body: Any = stream.events(pk, after, reader=reader)
    else:
        body = stream.wsgi_events(pk, after, reader=reader)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
