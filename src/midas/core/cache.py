"""A Redis cache that keeps answering from this process's memory while Redis is away.

``FailSoftRedisCache`` is Django's ``RedisCache`` (settings.py uses it when ``REDIS_URL`` is
set) with one difference: an operation that meets ``redis.exceptions.ConnectionError`` or
``TimeoutError`` (Redis stopped, refusing, unreachable, or silent past the socket timeout)
is answered by a per-process local-memory store instead of raising. So while Redis is down
the page cache serves and stores pages per process, the rate limits and sign-in lockouts
count per process (they fail open to per-process limits, not to none), and nothing answers
500 because of the cache. Every other error (a value that does not pickle, ``incr`` of a
missing key, a Redis error reply) is raised as before.

A circuit breaker, one per Redis location and key prefix in each process, keeps a stopped
Redis from costing every request a connection attempt: after a failure every operation goes
straight to process memory for ``RETRY_SECONDS`` (5); then one operation, in one thread, tries
Redis again: an answer closes the breaker (and empties the process's store, so nothing
written while Redis was away resurfaces later), another failure opens it for another
interval. Each change of state is one log line: WARNING when Redis is lost, INFO when it is
back; no traceback, and nothing per request in between.

Configured in ``CACHES``; ``OPTIONS`` go to redis-py as for ``RedisCache`` (settings.py sets
``socket_connect_timeout`` and ``socket_timeout``, so a hung Redis cannot hold a request
longer than that), except three of this backend's own: ``RETRY_SECONDS``, and
``MAX_ENTRIES`` / ``CULL_FREQUENCY`` for the process's store (Django's ``LocMemCache``
defaults: 300 entries). See docs/explanation/page-cache.md, "When Redis stops".
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache  # imports redis-py when first used

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 5.0
OWN_OPTIONS = ("RETRY_SECONDS", "MAX_ENTRIES", "CULL_FREQUENCY")

# The breaker's clock (monotonic seconds); tests replace it to move time without sleeping.
clock: Callable[[], float] = time.monotonic


class Breaker:
    """Whether this process uses Redis now (closed) or its own memory (open).

    Shared by the cache objects of every thread of the process (Django makes one per thread)
    that talk to the same Redis with the same key prefix."""

    def __init__(self, name: str, retry_seconds: float, on_close: Callable[[], None]) -> None:
        self.name = name
        self.retry_seconds = retry_seconds
        self.on_close = on_close
        self.opened_at: float | None = None  # None: closed
        self.retry_at = 0.0
        self.trying = False  # one operation is trying Redis again
        self.reason = ""  # the last failure, "ConnectionError: Error 111 connecting ..."
        self.outages = 0  # times it opened in this process
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def open_for(self) -> float:
        """Seconds since Redis was lost (0 while closed)."""
        opened = self.opened_at
        return 0.0 if opened is None else max(0.0, clock() - opened)

    def allows(self) -> bool:
        """Whether this operation should go to Redis: always while closed; while open, only
        the first one after ``retry_at`` (the trial)."""
        if self.opened_at is None:
            return True
        with self._lock:
            if self.opened_at is None:
                return True
            if self.trying or clock() < self.retry_at:
                return False
            self.trying = True
            return True

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = clock()
            self.trying = False
            self.retry_at = now + self.retry_seconds
            self.reason = f"{type(error).__name__}: {error}"
            if self.opened_at is not None:
                return
            self.opened_at = now
            self.outages += 1
        logger.warning(
            "cache unavailable, serving from process memory: Redis at %s (%s); "
            "trying it again every %g s",
            self.name,
            self.reason,
            self.retry_seconds,
        )

    def succeeded(self) -> None:
        if self.opened_at is None:
            return
        with self._lock:
            if self.opened_at is None:
                return
            away = clock() - self.opened_at
            self.opened_at = None
            self.trying = False
            self.reason = ""
        self.on_close()
        logger.info(
            "cache available again: Redis at %s answers, after %.0f s from process memory",
            self.name,
            away,
        )

    def gave_up(self) -> None:
        """The trial ended in an error that says nothing about reaching Redis (a value that
        does not pickle, ``incr`` of a missing key): let the next operation try."""
        if self.trying:
            with self._lock:
                self.trying = False


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breakers() -> list[Breaker]:
    """This process's breakers, one per fail-soft cache location (for metrics)."""
    with _breakers_lock:
        return list(_breakers.values())


def serving_locally(store: BaseCache) -> bool:
    """Whether ``store`` (a cache, or the ``django.core.cache.cache`` proxy) answers from
    this process's memory now, Redis being unreachable."""
    breaker = getattr(store, "breaker", None)  # the proxy passes attributes on, not its type
    return isinstance(breaker, Breaker) and breaker.is_open


def _public_name(server: str) -> str:
    """``redis://host:port/db`` without credentials or query, for logs and names."""
    parts = urlsplit(server)
    if not parts.hostname:
        return parts.path or server.split("?")[0].rsplit("@", 1)[-1]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def unreachable() -> tuple[type[Exception], ...]:
    """What "Redis cannot be reached" looks like (AuthenticationError and BusyLoadingError
    are ConnectionErrors too); everything else is raised as it comes. Imported here, not at
    the top: a site without Redis never loads redis-py (~6 MB a process)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


class FailSoftRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        own = {name: options.pop(name) for name in OWN_OPTIONS if name in options}
        super().__init__(server, {**params, "OPTIONS": options})
        self.unreachable = unreachable()
        first = re.split("[;,]", server)[0] if isinstance(server, str) else server[0]
        name = _public_name(first)  # the server written to, as RedisCache splits them
        prefix = params.get("KEY_PREFIX", "")
        fallback_options = {k: v for k, v in own.items() if k != "RETRY_SECONDS"}
        # LocMemCache keeps its data per name, so every thread's copy shares one store
        self.local = LocMemCache(
            f"midas.core.cache:{name}:{prefix}", {**params, "OPTIONS": fallback_options}
        )
        key = f"{name} (prefix {prefix!r})" if prefix else name
        with _breakers_lock:
            if key not in _breakers:
                retry = float(own.get("RETRY_SECONDS", RETRY_SECONDS))
                _breakers[key] = Breaker(key, retry, on_close=self.local.clear)
            self.breaker = _breakers[key]

    def _either(self, remote: Callable[[], T], local: Callable[[], T]) -> T:
        """``remote()`` on Redis when the breaker allows and Redis answers, else ``local()``
        on the process's store."""
        if self.breaker.allows():
            try:
                result = remote()
            except self.unreachable as error:
                self.breaker.failed(error)
            except BaseException:
                self.breaker.gave_up()
                raise
            else:
                self.breaker.succeeded()
                return result
        return local()

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._either(
            partial(RedisCache.add, self, key, value, timeout, version),
            partial(self.local.add, key, value, timeout, version),
        )

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._either(
            partial(RedisCache.get, self, key, default, version),
            partial(self.local.get, key, default, version),
        )

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._either(
            partial(RedisCache.set, self, key, value, timeout, version),
            partial(self.local.set, key, value, timeout, version),
        )

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._either(
            partial(RedisCache.touch, self, key, timeout, version),
            partial(self.local.touch, key, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._either(
            partial(RedisCache.delete, self, key, version),
            partial(self.local.delete, key, version),
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._either(
            partial(RedisCache.get_many, self, keys, version),
            partial(self.local.get_many, keys, version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._either(
            partial(RedisCache.has_key, self, key, version),
            partial(self.local.has_key, key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # both raise ValueError for a missing key, as Django's API says
        return self._either(
            partial(RedisCache.incr, self, key, delta, version),
            partial(self.local.incr, key, delta, version),
        )

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        return self._either(
            partial(RedisCache.set_many, self, data, timeout, version),
            partial(self.local.set_many, data, timeout, version),
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._either(
            partial(RedisCache.delete_many, self, keys, version),
            partial(self.local.delete_many, keys, version),
        )

    def clear(self) -> None:
        self.local.clear()
        self._either(partial(RedisCache.clear, self), lambda: None)
