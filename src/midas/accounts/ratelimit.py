"""Rate limits and the failed-login lockout, counted in Django's cache.

The cache is Redis when ``REDIS_URL`` is set (shared by every app process), else a
per-process local-memory cache; while Redis is unreachable the counters are per process too
(``midas.core.cache``: limits fail open to per-process limits, never to none). Counters are
fixed windows: one key per ``(scope, key, window number)`` incremented atomically (``add``
then ``incr``), so a burst straddling a window edge may reach twice the limit — acceptable
for abuse control, and it keeps ``Retry-After`` exact (the seconds left in the window).

Time comes from ``clock()`` (epoch seconds), never from the cache's own expiry, so tests
move it forward instead of sleeping; cache timeouts only collect old keys.

Use on any view or ninja operation (see docs/accounts.md)::

    BOOKING_CREATE = Limit("booking_create", limit=10, window=60)

    @rate_limit(BOOKING_CREATE, key=by_user)
    def create_booking(request, payload): ...

Exceeding a limit raises ``AppError(rate_limited, retry_after=seconds)``: the API answers
429 with a ``Retry-After`` header; page views turn it into a 429 page with
``too_many_requests``.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from midas.errors import AppError, ErrorCode

F = TypeVar("F", bound=Callable[..., Any])


def clock() -> float:
    """Now, in epoch seconds. Tests replace it (``monkeypatch.setattr(ratelimit, "clock",
    ...)``) to move time without sleeping."""
    return time.time()


def _cache_key(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts[1:]).encode()).hexdigest()[:32]
    return f"rl:{parts[0]}:{digest}"


def _wait_phrase(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        return "in a minute"
    return f"in {minutes} minutes"


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits per ``window`` seconds for one key in ``scope``.

    ``settings.RATE_LIMITS`` may override a scope: ``{"login": (20, 60)}``; and
    ``settings.RATE_LIMITS_ENABLED = False`` turns every limit off (load tests only).
    """

    scope: str
    limit: int
    window: int

    def _config(self) -> tuple[int, int]:
        override = settings.RATE_LIMITS.get(self.scope)
        return tuple(override) if override else (self.limit, self.window)  # type: ignore[return-value]

    def _slot(self, key: str, now: float) -> tuple[str, int, int]:
        limit, window = self._config()
        number = int(now // window)
        retry_after = max(1, math.ceil((number + 1) * window - now))
        return _cache_key(self.scope, key, str(number)), limit, retry_after

    def count(self, key: str) -> int:
        cache_key, _, _ = self._slot(key, clock())
        return int(cache.get(cache_key, 0))

    def add(self, key: str) -> tuple[int, int, int]:
        """Count one hit; returns (count, limit, seconds left in the window)."""
        cache_key, limit, retry_after = self._slot(key, clock())
        _, window = self._config()
        cache.add(cache_key, 0, timeout=window + 60)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # the key expired between add and incr
            cache.set(cache_key, 1, timeout=window + 60)
            count = 1
        return count, limit, retry_after

    def hit(self, key: str, *, message: str = "") -> None:
        """Count one hit, and raise ``rate_limited`` once over the limit."""
        if not settings.RATE_LIMITS_ENABLED:
            return
        count, limit, retry_after = self.add(key)
        if count > limit:
            raise AppError(
                ErrorCode.RATE_LIMITED,
                message or f"Too many attempts. Please try again {_wait_phrase(retry_after)}.",
                retry_after=retry_after,
            )

    def reset(self, key: str) -> None:
        cache_key, _, _ = self._slot(key, clock())
        cache.delete(cache_key)


# --- Who a request is -------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or, behind ``settings.TRUSTED_PROXY_HOPS``
    reverse proxies, the address the outermost trusted proxy saw (``X-Forwarded-For`` read
    from the right, so a client cannot forge it). IPv6 clients count per /64 network."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = int(settings.TRUSTED_PROXY_HOPS or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops > 0 and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if chain:
            address = chain[max(0, len(chain) - hops)]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def by_ip(request: HttpRequest) -> str:
    return "ip:" + client_ip(request)


def by_user(request: HttpRequest) -> str:
    """The signed-in user (session or API token), else the address."""
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return by_ip(request)


def rate_limit(limit: Limit, *, key: Callable[[HttpRequest], str] = by_ip) -> Callable[[F], F]:
    """Decorate a view or a ninja operation: count each call, raise ``rate_limited`` past
    the limit (ninja answers 429 with ``Retry-After``; a page view catches ``AppError``)."""

    def decorate(view: F) -> F:
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            limit.hit(key(request))
            return view(request, *args, **kwargs)

        # ninja reads the view's string annotations (``from __future__ import
        # annotations``) in ``wrapper.__globals__``: give it the view's module globals
        rebound = types.FunctionType(
            wrapper.__code__, view.__globals__, view.__name__, None, wrapper.__closure__
        )
        return functools.update_wrapper(rebound, view)  # type: ignore[return-value]

    return decorate


def too_many_requests(
    request: HttpRequest, error: AppError, template: str = "accounts/429.html"
) -> HttpResponse:
    """A page's 429 answer, with ``Retry-After``."""
    response = render(request, template, {"error": error}, status=429)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


# --- Failed sign-ins ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    """Lock out after repeated failed sign-ins, without letting anyone lock a customer out.

    - the pair (account, address) is locked after ``pair_limit`` failures within
      ``period`` seconds, for ``period`` seconds from the last of them;
    - the address is locked (for every account) after ``ip_limit`` failures within
      ``period``, for ``period`` seconds;
    - the account itself is never locked: the real customer still signs in from any
      other address, so a stranger's guesses cannot shut them out everywhere.

    While locked, the password is not even checked (a guess gains nothing). A successful
    sign-in clears the pair's failures.
    """

    pair_limit: int = 5
    ip_limit: int = 20
    period: int = 15 * 60

    def _keys(self, email: str, ip: str) -> tuple[str, str]:
        return f"{email.strip().lower()}|{ip}", ip

    def _locked_for(self, name: str, key: str, now: float) -> int:
        until = cache.get(_cache_key("lock", name, key))
        return max(0, math.ceil(until - now)) if until else 0

    def check(self, email: str, ip: str) -> None:
        """Raise ``account_locked`` (429, Retry-After) while the pair or the address is
        locked."""
        if not settings.RATE_LIMITS_ENABLED:
            return
        pair, address = self._keys(email, ip)
        now = clock()
        wait = max(self._locked_for("pair", pair, now), self._locked_for("ip", address, now))
        if wait:
            raise AppError(
                ErrorCode.ACCOUNT_LOCKED,
                "Too many failed sign-ins from here. Please try again "
                f"{_wait_phrase(wait)}, or reset your password.",
                retry_after=wait,
            )

    def failed(self, email: str, ip: str) -> list[str]:
        """Record a failed sign-in; lock the pair or the address when over its limit.
        Returns what it locked now ("pair", "ip"), for the security signal."""
        pair, address = self._keys(email, ip)
        now = clock()
        locked = []
        for name, key, limit in (("pair", pair, self.pair_limit), ("ip", address, self.ip_limit)):
            if self._count_failure(name, key, now) >= limit:
                cache.set(_cache_key("lock", name, key), now + self.period, self.period + 60)
                locked.append(name)
        return locked

    def _count_failure(self, name: str, key: str, now: float) -> float:
        """Count one failure; the failures of the last ``period`` seconds, estimated by a
        sliding window over two atomic fixed-window counters (the previous window weighted
        by how much of it still overlaps)."""
        number = int(now // self.period)
        current = _cache_key("fail", name, key, str(number))
        cache.add(current, 0, timeout=2 * self.period + 60)
        try:
            count = cache.incr(current)
        except ValueError:
            cache.set(current, 1, timeout=2 * self.period + 60)
            count = 1
        return count + self._previous(name, key, now)

    def _previous(self, name: str, key: str, now: float) -> float:
        number = int(now // self.period)
        previous = int(cache.get(_cache_key("fail", name, key, str(number - 1)), 0))
        overlap = 1 - (now - number * self.period) / self.period
        return previous * overlap

    def succeeded(self, email: str, ip: str) -> None:
        """A correct password from this address: forget the pair's failures."""
        pair, _ = self._keys(email, ip)
        number = int(clock() // self.period)
        cache.delete_many([_cache_key("fail", "pair", pair, str(n)) for n in (number, number - 1)])


LOGIN_LOCKOUT = Lockout()

# The limits of the sign-in path, per client address.
LOGIN = Limit("login", limit=30, window=5 * 60)
REGISTER = Limit("register", limit=10, window=60 * 60)
TOKEN = Limit("token", limit=30, window=5 * 60)
EMAIL_LINKS = Limit("email_links", limit=10, window=60 * 60)  # reset and resend, per address
EMAIL_LINKS_PER_ACCOUNT = Limit("email_links_account", limit=3, window=60 * 60)
