from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

import pytest

from midas.flags.services import flag_write


@pytest.fixture(autouse=True)
def streams_close_their_connections():
    from midas.concierge.chat.stream import WSGI_SLOTS

    WSGI_SLOTS.open = 0
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from midas.concierge.chat.stream import close_shared

    close_shared()
    # the in-process ASGI client's sync parts ran on asgiref's one thread: its connection too
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture
def chat_on(db):
    flag_write(key="live_chat", state="on")


@pytest.fixture
def quick_streams(settings):
    """Streams that give up soon and poll often, so a test never waits long."""
    settings.CHAT_STREAM_MAX_SECONDS = 5
    settings.CHAT_HEARTBEAT_SECONDS = 1
    settings.CHAT_POLL_SECONDS = 0.05
    settings.CHAT_BUS = "poll"
    return settings


def parse(text: str) -> list[dict[str, str]]:
    """SSE text → its events (dicts of field → value; comments as {"comment": ...})."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event: dict[str, str] = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                event["comment"] = line[1:].strip()
            elif ":" in line:
                name, _, value = line.partition(":")
                event[name] = value.lstrip(" ")
        events.append(event)
    return events


class Collector:
    """Reads an async stream of chunks in the background; ``until`` waits for a condition."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks
        self.text = ""
        self.changed = asyncio.Event()
        self.done = False

    async def run(self) -> None:
        try:
            async for chunk in self.chunks:
                self.text += chunk.decode() if isinstance(chunk, bytes) else chunk
                self.changed.set()
        finally:
            self.done = True
            self.changed.set()

    async def until(self, check, timeout: float = 10.0) -> list[dict[str, str]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check(parse(self.text)):
            if self.done:
                raise AssertionError(f"stream ended first: {self.text!r}")
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out; got {self.text!r}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        return parse(self.text)


def message_ids(events: list[dict[str, str]]) -> list[int]:
    return [int(e["id"]) for e in events if e.get("event") == "message"]


def in_thread(fn, *args, **kwargs):
    """Run ``fn`` in a plain thread (a write from "another request") and wait for it."""
    result: dict[str, object] = {}

    def target() -> None:
        from django.db import connections

        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result.get("value")
