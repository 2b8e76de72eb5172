"""The chat's bus: a write wakes the streams of its conversation, in every process.

The bus carries no message, only "conversation C has something new (up to id M)": a stream
woken reads the messages after its last id from the database. So a notification lost (Redis
restarting, a listener reconnecting, a process started late) costs a delay, never a message.

Three backends, chosen by ``settings.CHAT_BUS`` (``auto``: the first that applies):

- ``redis`` (``REDIS_URL`` set): ``PUBLISH midas:chat:<C> <M>``; each event loop that holds
  streams keeps one ``redis.asyncio`` connection subscribed to ``midas:chat:*``.
- ``postgres`` (PostgreSQL without Redis): ``pg_notify('midas_chat', 'C:M')``; one psycopg 3
  async connection per event loop ``LISTEN``s.
- ``poll`` (SQLite): nothing is published; each event loop that holds streams asks the
  database every ``CHAT_POLL_SECONDS`` (250 ms), in one query for all its streams, which
  messages have an id above the highest it has seen, and wakes their conversations. SQLite
  commits one writer at a time, so ids commit in order and a high-water mark misses none;
  were a smaller id to commit late (``CHAT_BUS=poll`` forced on PostgreSQL), the stream's
  own read after each heartbeat would still find it.

While a listening connection is down (Redis or PostgreSQL restarting) the streams poll the
database every second, and every stream is woken when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Reader(Protocol):
    """Runs a blocking database read off the event loop (``stream.Reader``)."""

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T: ...


PG_CHANNEL = "midas_chat"
OUTAGE_POLL_SECONDS = 1.0  # how often streams look at the database while the bus is down
RECONNECT_MAX_SECONDS = 5.0


def backend() -> str:
    chosen = settings.CHAT_BUS or "auto"
    if chosen != "auto":
        if chosen not in {"redis", "postgres", "poll"}:
            raise ValueError(f"CHAT_BUS must be auto, redis, postgres or poll, not {chosen!r}")
        return chosen
    if redis_url():
        return "redis"
    if connection.vendor == "postgresql":
        return "postgres"
    return "poll"


def redis_url() -> str:
    return settings.CHAT_REDIS_URL or settings.REDIS_URL


def channel_prefix() -> str:
    return f"{settings.CHAT_BUS_PREFIX}:chat:"


def poll_seconds() -> float:
    return float(settings.CHAT_POLL_SECONDS)


# --- Publishing (sync, after the commit) ---------------------------------------------------

_publishers: dict[str, Any] = {}


def _redis_client(url: str) -> Any:
    client = _publishers.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _publishers[url] = client
    return client


def publish(conversation_id: int, message_id: int) -> None:
    """Wake the streams of ``conversation_id``. Never raises: a notification that does not
    leave is made up for by the streams' polling while the bus is down and by every reconnect."""
    kind = backend()
    try:
        if kind == "redis":
            _redis_client(redis_url()).publish(
                f"{channel_prefix()}{conversation_id}", str(message_id)
            )
        elif kind == "postgres":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_notify(%s, %s)", [PG_CHANNEL, f"{conversation_id}:{message_id}"]
                )
    except Exception as exc:  # the bus is best effort: the message is in the database
        logger.warning("chat: bus publish failed (%s: %s)", type(exc).__name__, exc)


# --- Listening (async, one hub per event loop and backend) ----------------------------------


class Hub:
    """One listening connection for all the streams of one event loop: started by the first
    subscriber, stopped with the last."""

    def __init__(self, kind: str, reader: Reader) -> None:
        self.kind = kind
        self.reader = reader
        self.high = 0  # poll: the highest message id seen
        self.waiters: dict[int, set[asyncio.Event]] = {}
        self.connected = False
        self.task: asyncio.Task[None] | None = None
        self.count = 0
        # read in the event loop's thread, before any listening starts (settings may be
        # overridden per test: they are read now, not later in another thread)
        self.url = redis_url() if kind == "redis" else ""
        self.prefix = channel_prefix()
        self.pg_params = _pg_params() if kind == "postgres" else {}
        self.poll_seconds = poll_seconds()

    def add(self, conversation_id: int) -> asyncio.Event:
        event = asyncio.Event()
        self.waiters.setdefault(conversation_id, set()).add(event)
        self.count += 1
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return event

    async def remove(self, conversation_id: int, event: asyncio.Event) -> None:
        events = self.waiters.get(conversation_id)
        if events is not None:
            events.discard(event)
            if not events:
                del self.waiters[conversation_id]
        self.count -= 1
        if self.count <= 0 and self.task is not None:
            task, self.task = self.task, None
            self.connected = False  # before the await: a new subscriber starts a new task
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def wake(self, conversation_id: int) -> None:
        for event in self.waiters.get(conversation_id, ()):
            event.set()

    def wake_all(self) -> None:
        for events in self.waiters.values():
            for event in events:
                event.set()

    async def _run(self) -> None:
        delay = 0.1
        listen: Callable[[], Awaitable[None]] = {
            "redis": self._listen_redis,
            "postgres": self._listen_postgres,
            "poll": self._poll,
        }[self.kind]
        while True:
            try:
                await listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected:
                    logger.warning("chat: bus connection lost (%s: %s)", type(exc).__name__, exc)
                self.connected = False
                self.wake_all()  # polling from now on, until the bus is back
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _up(self) -> None:
        self.connected = True
        self.wake_all()  # whatever was published while away is in the database: read it

    async def _poll(self) -> None:
        from midas.concierge.chat import selectors

        if not self.connected:
            self.high = await self.reader(selectors.last_message_id)
            self._up()
        while True:
            await asyncio.sleep(self.poll_seconds)
            for message_id, conversation_id in await self.reader(
                selectors.messages_since, self.high
            ):
                self.high = max(self.high, message_id)
                self.wake(conversation_id)

    async def _listen_redis(self) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2, socket_keepalive=True)
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(f"{self.prefix}*")
            self._up()
            idle = 0.0
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if message is None:
                    idle += 5.0
                    if idle >= 15.0:  # a server that hangs answers no ping: reconnect
                        idle = 0.0
                        await asyncio.wait_for(pubsub.ping(), timeout=5.0)
                    continue
                idle = 0.0
                channel = message.get("channel", b"")
                channel = channel.decode() if isinstance(channel, bytes) else str(channel)
                with contextlib.suppress(ValueError):
                    self.wake(int(channel.rsplit(":", 1)[-1]))
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _listen_postgres(self) -> None:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(autocommit=True, **self.pg_params)
        try:
            await conn.execute(f"LISTEN {PG_CHANNEL}")
            self._up()
            while True:
                got = False
                async for notify in conn.notifies(timeout=15.0):
                    got = True
                    with contextlib.suppress(ValueError):
                        self.wake(int(notify.payload.split(":", 1)[0]))
                if not got:  # 15 s of silence: make sure the connection still answers
                    await asyncio.wait_for(conn.execute("SELECT 1"), timeout=5.0)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()


def _pg_params() -> dict[str, Any]:
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    params: dict[str, Any] = {"dbname": connection.settings_dict["NAME"]}
    for key, name in (
        ("USER", "user"),
        ("PASSWORD", "password"),
        ("HOST", "host"),
        ("PORT", "port"),
    ):
        if db.get(key):
            params[name] = db[key]
    params["connect_timeout"] = 5
    return params


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Hub]] = (
    weakref.WeakKeyDictionary()
)


def _hub(kind: str, reader: Reader) -> Hub:
    loop = asyncio.get_running_loop()
    hubs = _hubs.setdefault(loop, {})
    hub = hubs.get(kind)
    if hub is None:
        hub = hubs[kind] = Hub(kind, reader)
    return hub


class Subscription:
    """``async with subscribe(C, reader) as sub: woken = await sub.wait(after, timeout)``: True
    when conversation C may have messages after ``after`` (read them), False on timeout."""

    def __init__(self, conversation_id: int, kind: str, reader: Reader) -> None:
        self.conversation_id = conversation_id
        self.kind = kind
        self.reader = reader
        self.hub: Hub | None = None
        self.event: asyncio.Event | None = None

    async def __aenter__(self) -> Subscription:
        self.hub = _hub(self.kind, self.reader)
        self.event = self.hub.add(self.conversation_id)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.hub is not None and self.event is not None:
            await self.hub.remove(self.conversation_id, self.event)

    async def wait(self, after: int, timeout: float) -> bool:
        assert self.hub is not None and self.event is not None, "use async with"
        if not self.hub.connected and not self.event.is_set():
            return await self._poll(after, timeout, OUTAGE_POLL_SECONDS)
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        self.event.clear()
        return True

    async def _poll(self, after: int, timeout: float, every: float) -> bool:
        """While the hub is away: this stream asks the database itself, every ``every``."""
        from midas.concierge.chat import selectors

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.event is not None and self.event.is_set():
                self.event.clear()
                return True
            if await self.reader(selectors.has_messages_after, self.conversation_id, after):
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(every, left))


def subscribe(conversation_id: int, reader: Reader, *, kind: str | None = None) -> Subscription:
    return Subscription(conversation_id, kind or backend(), reader)
