"""The Server-Sent Events of one conversation, as an async iterator of text chunks.

    retry: 2000                       (once: how long the browser waits to reconnect)
    id: 41 / event: message / data: {"id": 41, "author": "staff", "body": ...}
    event: status / data: {"status": "active"}      (at the start and on every change)
    : keep-alive                      (a comment every CHAT_HEARTBEAT_SECONDS of silence)

It reads the messages after the last id from the database, then waits on the bus (which only
wakes it), and ends after ``CHAT_STREAM_MAX_SECONDS`` (the browser reconnects with
``Last-Event-ID``) or once the conversation is closed. Database reads run in a thread pool
(``Reader``): a connection is taken from a thread for a read, never held by a waiting stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections

from midas.concierge.chat import bus, selectors
from midas.concierge.chat.models import ConversationStatus

T = TypeVar("T")
RETRY_MS = 2000
POLL_RETRY_MS = 3000  # a WSGI process's streams all taken: answer what is new, come back then


class WsgiSlots:
    """How many streams a WSGI process holds open at once (``CHAT_WSGI_STREAMS``): each holds
    one of gunicorn's threads, and a worker whose threads all stream serves no page at all
    (gunicorn gives a worker connections whatever its threads are doing). Past the limit a
    stream answers what is new and ends at once, and the browser comes back after
    ``POLL_RETRY_MS``: the chat goes on at a few seconds' delay, the pages keep a thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0

    def take(self) -> bool:
        with self.lock:
            if self.open >= settings.CHAT_WSGI_STREAMS:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.open = max(0, self.open - 1)


WSGI_SLOTS = WsgiSlots()
_shared: ThreadPoolExecutor | None = None


def _shared_pool() -> ThreadPoolExecutor:
    global _shared
    if _shared is None:
        _shared = ThreadPoolExecutor(max_workers=4, thread_name_prefix="chat-db")
    return _shared


def close_shared() -> None:
    """Stop the shared pool, each of its threads closing its database connection first (a
    process about to end, or a test)."""
    global _shared
    pool, _shared = _shared, None
    if pool is None:
        return
    workers = pool._max_workers
    barrier = threading.Barrier(workers, timeout=5)

    def close() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # one task per thread
        connections.close_all()

    for future in [pool.submit(close) for _ in range(workers)]:
        future.result()
    pool.shutdown(wait=True)


def _with_connection(fn: Callable[..., T], *args: Any) -> T:
    close_old_connections()  # one past its age, or broken: a fresh one (as a request does)
    try:
        return fn(*args)
    finally:
        close_old_connections()


class Reader:
    """Runs the stream's database reads in threads: the process's small shared pool (ASGI),
    or a thread of the stream's own, closed with it (a WSGI server's thread drives it)."""

    def __init__(self, *, own: bool = False) -> None:
        self.own = own
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-db") if own else None

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool or _shared_pool(), _with_connection, fn, *args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.submit(connections.close_all).result()
            self.pool.shutdown(wait=True)


def sse(data: dict[str, Any], *, event: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def events(
    conversation_id: int,
    after: int,
    *,
    reader: Reader,
    max_seconds: float | None = None,
    heartbeat: float | None = None,
    retry_ms: int = RETRY_MS,
) -> AsyncIterator[str]:
    max_seconds = settings.CHAT_STREAM_MAX_SECONDS if max_seconds is None else max_seconds
    heartbeat = settings.CHAT_HEARTBEAT_SECONDS if heartbeat is None else heartbeat
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds

    yield f"retry: {retry_ms}\n\n"
    status = ""
    async with bus.subscribe(conversation_id, reader) as subscription:
        while True:
            batch = await reader(selectors.messages_after, conversation_id, after)
            for message in batch:
                yield sse(message, event="message", event_id=message["id"])
                after = message["id"]
            if len(batch) >= selectors.BATCH:
                continue
            now_status = await reader(selectors.status_of, conversation_id)
            if now_status != status:
                status = now_status
                yield sse({"status": status}, event="status")
            if status == ConversationStatus.CLOSED:
                return
            left = deadline - loop.time()
            if left <= 0:
                return
            if not await subscription.wait(after, min(heartbeat, left)):
                yield ": keep-alive\n\n"


def blocking(chunks: AsyncIterator[str], reader: Reader) -> Iterator[str]:
    """The same stream for a WSGI server: the thread that serves the request drives an event
    loop of its own for it (the stream holds that thread while it is open)."""
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                yield loop.run_until_complete(chunks.__anext__())  # type: ignore[attr-defined]
            except StopAsyncIteration:
                return
    finally:
        try:
            loop.run_until_complete(chunks.aclose())  # type: ignore[attr-defined]
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            reader.close()


def wsgi_events(conversation_id: int, after: int, *, reader: Reader) -> Iterator[str]:
    """The stream under WSGI, within the process's ``WSGI_SLOTS``: a slot is taken when the
    server starts sending (never for a response it drops unsent) and given back at the end;
    with none free, what is new now, and the browser comes back after ``POLL_RETRY_MS``."""
    slot = WSGI_SLOTS.take()
    try:
        if slot:
            chunks = events(conversation_id, after, reader=reader)
        else:
            chunks = events(
                conversation_id, after, reader=reader, max_seconds=0, retry_ms=POLL_RETRY_MS
            )
        yield from blocking(chunks, reader)
    finally:
        if slot:
            WSGI_SLOTS.give_back()
