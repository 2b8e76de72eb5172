"""Feature flags: a small registry of known flags, one read helper, and the writes.

Reading (``flag_enabled``, ``flag_on``, the ``{% flag %}`` tag) pays no query on a warm
process: every flag is loaded at once into a per-process memo, trusted for
``FRESH_SECONDS``; after that, with a shared cache (Redis), the memo is kept as long as the
version key in the cache has not moved, otherwise (a per-process cache) the rows are read
again. ``flag_set`` and ``flags_restore_last_good`` bump the version on commit, so every
process sees a change within ``FRESH_SECONDS`` (docs/explanation/launch-flags-freeze.md).

States: off, staff (active staff accounts), beta (staff and ``User.is_beta`` accounts),
percent (staff, and visitors whose bucket 0..9999 is below ``percent * 100``: the access
gate's visitor bucket, else a hash of the user id; anonymous without a bucket: off), on.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.shortcuts import render

from midas.errors import AppError, ErrorCode
from midas.launch.models import Flag, FlagState

logger = logging.getLogger(__name__)

FRESH_SECONDS = 5.0  # a process trusts its memo this long without looking anywhere
VERSION_KEY = "launch:flags:version"
BUCKETS = 10_000


@dataclass(frozen=True)
class FlagSpec:
    key: str
    description: str
    default: str = FlagState.ON
    percent: int = 0


REGISTRY: dict[str, FlagSpec] = {}


def register(key: str, description: str, default: str = FlagState.ON) -> FlagSpec:
    """Declare a flag in code (its row, when there is one, overrides the default)."""
    if default not in FlagState.values:
        raise ValueError(f"unknown flag state {default!r}")
    spec = FlagSpec(key=key, description=description, default=default)
    REGISTRY[key] = spec
    return spec


register("registration", "New customer accounts: the register page and POST auth/register.")
register("booking", "Creating bookings: the checkout page, POST bookings and the Book buttons.")
register("payments", "Paying for bookings: the pay page and POST bookings/{ref}/pay.")
register(
    "live_chat",
    "Live chat with the concierge. Off: the feature does not exist yet; nothing reads it.",
    FlagState.OFF,
)
register(
    "reviews",
    "Customer reviews. Off: the feature does not exist yet; nothing reads it.",
    FlagState.OFF,
)
register(
    "vip_services",
    "VIP services. Off: the feature does not exist yet; nothing reads it.",
    FlagState.OFF,
)


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    states: dict[str, tuple[str, int]]  # key -> (state, percent)
    version: str | None
    fresh_until: float


_memo: Loaded | None = None
_warned: set[str] = set()
_clock = time.monotonic  # tests replace it to move time on


def forget() -> None:
    """Drop this process's memo (after a change commits; tests between cases)."""
    global _memo
    _memo = None


def remember(states: dict[str, tuple[str, int]] | None = None) -> None:
    """Hold ``states`` (default: the registry's defaults) as this process's memo with no
    expiry: tests start from it so a request pays no query for flags."""
    global _memo
    _memo = Loaded(states=states or _defaults(), version=None, fresh_until=float("inf"))


def _shared_cache() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def _cached_version() -> str | None:
    try:
        return cache.get(VERSION_KEY)
    except Exception as exc:  # the cache server away: read the rows instead
        logger.warning("flags: cache unreadable (%s)", type(exc).__name__)
        return None


def bump_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception as exc:
        logger.warning("flags: version not bumped (%s); others see it within the TTL", exc)
    forget()


def _defaults() -> dict[str, tuple[str, int]]:
    return {key: (spec.default, spec.percent) for key, spec in REGISTRY.items()}


def _load() -> Loaded:
    version = _cached_version()
    if version is None:
        version = uuid.uuid4().hex
        try:
            cache.add(VERSION_KEY, version, None)
            version = cache.get(VERSION_KEY) or version
        except Exception as exc:  # no shared version: this process still reads the rows
            logger.warning("flags: version not kept (%s)", type(exc).__name__)
    states = _defaults()
    try:
        for key, state, percent in Flag.objects.values_list("key", "state", "percent"):
            states[key] = (state, percent)
    except DatabaseError as exc:
        logger.warning("flags unreadable (%s); using the defaults", type(exc).__name__)
        if _memo is not None:
            return Loaded(_memo.states, _memo.version, _clock() + FRESH_SECONDS)
    return Loaded(states=states, version=version, fresh_until=_clock() + FRESH_SECONDS)


def flag_states() -> dict[str, tuple[str, int]]:
    """Every flag's ``(state, percent)``, from the memo when it may be trusted."""
    global _memo
    memo = _memo
    now = _clock()
    if memo is not None and memo.fresh_until > now:
        return memo.states
    if memo is not None and _shared_cache() and memo.version == _cached_version():
        _memo = Loaded(memo.states, memo.version, now + FRESH_SECONDS)
        return memo.states
    _memo = _load()
    return _memo.states


def user_bucket(user) -> int:
    """A stable bucket 0..9999 for a signed-in user without a visitor bucket."""
    digest = hashlib.sha256(f"midas-flags:user:{user.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def flag_enabled(key: str, *, user=None, bucket: int | None = None) -> bool:
    """Whether ``key`` is on for ``user`` / the visitor in ``bucket``. Unknown key: False
    (logged once per process). No query with a warm memo; the user is looked at only for
    the staff, beta and percent states."""
    found = flag_states().get(key)
    if found is None:
        if key not in _warned:
            _warned.add(key)
            logger.warning("unknown feature flag %r read: treated as off", key)
        return False
    state, percent = found
    if state == FlagState.ON:
        return True
    if state == FlagState.OFF:
        return False
    signed_in = _signed_in(user)
    if signed_in and user.is_staff:
        return True
    if state == FlagState.BETA:
        return signed_in and bool(getattr(user, "is_beta", False))
    if state == FlagState.PERCENT:
        if bucket is None and signed_in:
            bucket = user_bucket(user)
        return bucket is not None and bucket < percent * 100
    return False  # staff


def request_bucket(request) -> int | None:
    visitor = getattr(request, "visitor", None)
    bucket = getattr(visitor, "bucket", None)
    return bucket if isinstance(bucket, int) else None


def flag_on(request, key: str) -> bool:
    """The one helper views, templates and the API use: ``key`` for this request's user and
    visitor bucket. ``request.user`` is only touched when the state needs it."""
    found = flag_states().get(key)
    if found is None or found[0] in (FlagState.ON, FlagState.OFF):
        return flag_enabled(key)
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    return flag_enabled(key, user=user, bucket=request_bucket(request))


def flag_require(request, key: str) -> None:
    """Raise ``AppError(feature_disabled)`` (503) when ``key`` is off for this request."""
    if not flag_on(request, key):
        raise AppError(
            ErrorCode.FEATURE_DISABLED,
            f"{key.replace('_', ' ').capitalize()} is temporarily unavailable. "
            "Please try again a little later.",
        )


def flag_page(key: str):
    """Decorate a page view: when ``key`` is off for this request, a friendly "temporarily
    unavailable" page with status 503 instead of the view."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if flag_on(request, key):
                return view(request, *args, **kwargs)
            from midas.web.meta import PageMeta

            title = "Temporarily unavailable"
            context = {"meta": PageMeta(title=title, description=title, path=request.path)}
            response = render(
                request, "launch/feature_off.html", {**context, "key": key}, status=503
            )
            response["Retry-After"] = "300"
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate


# The writes live in flag_services; importable from here (the contract's names).
from midas.launch.flag_services import (  # noqa: E402
    flag_create,
    flag_set,
    flags_list,
    flags_restore_last_good,
    flags_snapshot,
    last_good_snapshot,
)

__all__ = [
    "REGISTRY",
    "flag_create",
    "flag_enabled",
    "flag_on",
    "flag_page",
    "flag_require",
    "flag_set",
    "flags_list",
    "flags_restore_last_good",
    "flags_snapshot",
    "last_good_snapshot",
    "register",
]
