"""Reading the feature flags, with no query per read on a warm process.

Every flag is loaded at once into a per-process memo (``midas.core.remembered``), trusted
for ``FRESH_SECONDS``; after that, with a shared cache (Redis), the memo is kept as long as
the version key in the cache has not moved, otherwise (a per-process cache) the rows are
read again. A write bumps the version on commit (``services``), so every process sees a
change within ``FRESH_SECONDS`` (docs/explanation/launch-flags-freeze.md). An unreadable
database keeps the last states read (or the declared defaults).

States: off, staff (active staff accounts), beta (staff and ``User.is_beta`` accounts),
percent (staff, and visitors whose bucket 0..9999 is below ``percent * 100``: the access
gate's visitor bucket, else a hash of the user id; anonymous without a bucket: off), on.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from midas.core.cache import serving_locally
from midas.core.remembered import Remembered
from midas.flags.models import Flag, FlagState
from midas.flags.registry import defaults

logger = logging.getLogger(__name__)

FRESH_SECONDS = 5.0  # a process trusts its memo this long without looking anywhere
VERSION_KEY = "launch:flags:version"
BUCKETS = 10_000


@dataclass(frozen=True)
class Loaded:
    states: dict[str, tuple[str, int]]  # key -> (state, percent)
    version: str | None


def _shared_cache() -> bool:
    """Whether a version read from the cache is every process's: not with a per-process
    cache, nor while Redis is unreachable and the cache answers from this process's memory
    (another process's bump never reaches it: the rows are read again instead)."""
    backend = str(settings.CACHES["default"]["BACKEND"])
    return not backend.endswith(("LocMemCache", "DummyCache")) and not serving_locally(cache)


def cached_version() -> str | None:
    try:
        value = cache.get(VERSION_KEY)
    except Exception as exc:  # the cache server away: read the rows instead
        logger.warning("flags: cache unreadable (%s)", type(exc).__name__)
        return None
    return value if isinstance(value, str) else None


def _read() -> Loaded:
    version = cached_version()
    if version is None:
        version = uuid.uuid4().hex
        try:
            cache.add(VERSION_KEY, version, None)
            version = cache.get(VERSION_KEY) or version
        except Exception as exc:  # no shared version: this process still reads the rows
            logger.warning("flags: version not kept (%s)", type(exc).__name__)
    states = defaults()
    for key, state, percent in Flag.objects.values_list("key", "state", "percent"):
        states[key] = (state, percent)
    return Loaded(states=states, version=version)


def _still_current(loaded: Loaded) -> bool:
    version = cached_version()  # first: this read may be the one that finds Redis gone
    return _shared_cache() and loaded.version is not None and loaded.version == version


FLAGS: Remembered[Loaded] = Remembered(
    "flags",
    read=_read,
    fallback=lambda: Loaded(states=defaults(), version=None),
    seconds=FRESH_SECONDS,
    keep_last_on_error=True,
    revalidate=_still_current,
)

_warned: set[str] = set()


def flag_states() -> dict[str, tuple[str, int]]:
    """Every flag's ``(state, percent)``, from the memo when it may be trusted."""
    return FLAGS.get().states


def user_bucket(user: Any) -> int:
    """A stable bucket 0..9999 for a signed-in user without a visitor bucket."""
    digest = hashlib.sha256(f"midas-flags:user:{user.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def flag_enabled(key: str, *, user: Any = None, bucket: int | None = None) -> bool:
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


def request_bucket(request: Any) -> int | None:
    """The visitor bucket an access gate put on the request (``request.visitor.bucket``)."""
    visitor = getattr(request, "visitor", None)
    bucket = getattr(visitor, "bucket", None)
    return bucket if isinstance(bucket, int) else None


def flag_on(request: Any, key: str) -> bool:
    """The one helper views, templates and the API use: ``key`` for this request's user and
    visitor bucket. ``request.user`` is only touched when the state needs it."""
    found = flag_states().get(key)
    if found is None or found[0] in (FlagState.ON, FlagState.OFF):
        return flag_enabled(key)
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    return flag_enabled(key, user=user, bucket=request_bucket(request))
