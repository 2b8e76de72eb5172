"""A value read from the database and remembered in this process for a few seconds, so a
request pays no query for it, failing open when the database cannot be read.

Maintenance mode, the launch state and the feature flags each keep one such value:

    MAINTENANCE = Remembered("maintenance", read=read_state, fallback=MaintenanceState)

``get()`` answers from the memo while it is fresh, else reads again. When the read raises
``DatabaseError`` the answer is the last value read (``keep_last_on_error``) or
``fallback()``, and the log says so: the health checks report the database itself.
``revalidate`` may extend an expired memo without a read (the flags compare a version key in
a shared cache). Tests start every case from each value's fallback, remembered for an hour
(``remember_fallbacks``), so no test inherits another's copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from django.db import DatabaseError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Remembered(Generic[T]):
    everything: ClassVar[list[Remembered[Any]]] = []
    clock: ClassVar[Callable[[], float]] = time.monotonic

    def __init__(
        self,
        name: str,
        *,
        read: Callable[[], T],
        fallback: Callable[[], T],
        seconds: float = 5.0,
        keep_last_on_error: bool = False,
        revalidate: Callable[[T], bool] | None = None,
    ) -> None:
        self.name = name
        self.read = read
        self.fallback = fallback
        self.seconds = seconds
        self.keep_last_on_error = keep_last_on_error
        self.revalidate = revalidate
        self._memo: tuple[float, T] | None = None
        Remembered.everything.append(self)

    def get(self, *, fresh: bool = False) -> T:
        memo = self._memo
        now = Remembered.clock()
        if not fresh and memo is not None:
            if memo[0] > now:
                return memo[1]
            if self.revalidate is not None and self.revalidate(memo[1]):
                self._memo = (now + self.seconds, memo[1])
                return memo[1]
        try:
            value = self.read()
        except DatabaseError as exc:
            logger.warning("%s unreadable (%s); failing open", self.name, type(exc).__name__)
            if self.keep_last_on_error and memo is not None:
                self._memo = (now + self.seconds, memo[1])
                return memo[1]
            return self.fallback()
        self._memo = (now + self.seconds, value)
        return value

    def peek(self) -> T | None:
        """The remembered value, fresh or not, without reading (None: nothing remembered)."""
        return self._memo[1] if self._memo is not None else None

    def remember(self, value: T, *, seconds: float | None = None) -> None:
        """Keep ``value`` as this process's answer for ``seconds`` (default: the usual)."""
        ttl = self.seconds if seconds is None else seconds
        self._memo = (Remembered.clock() + ttl, value)

    def forget(self) -> None:
        """Drop this process's copy (a service that changed the row; tests between cases)."""
        self._memo = None

    @classmethod
    def remember_fallbacks(cls, *, seconds: float = 3600.0) -> None:
        """Every value back to its fallback, remembered (the test suite's starting point)."""
        for item in cls.everything:
            item.remember(item.fallback(), seconds=seconds)
