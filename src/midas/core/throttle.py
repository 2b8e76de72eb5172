"""One log line per kind of failure per interval, not one per request.

When a dependency is down every request fails the same way; a traceback per request buries
everything else (about 1.6 MB per server in 100 s of a PostgreSQL outage). ``ThrottledLog``
writes the first failure of a kind in full (with its traceback), then at most one line per
``interval`` saying how many more there were; the count is kept per process."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Kind:
    last_logged: float
    suppressed: int = 0


class ThrottledLog:
    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval: float = 60.0,
        level: int = logging.ERROR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.level = level
        self.clock = clock
        self._kinds: dict[str, _Kind] = {}
        self._lock = threading.Lock()

    def error(self, kind: str, message: str, *, exc: BaseException | None = None) -> bool:
        """Log ``message`` for ``kind`` unless one was logged less than ``interval`` ago;
        True when a line was written."""
        now = self.clock()
        with self._lock:
            known = self._kinds.get(kind)
            if known is not None and now - known.last_logged < self.interval:
                known.suppressed += 1
                return False
            suppressed = known.suppressed if known is not None else 0
            self._kinds[kind] = _Kind(last_logged=now)
        first = known is None
        if suppressed:
            message = f"{message} ({suppressed} more in the last {self.interval:g} s)"
        self.logger.log(
            self.level,
            message,
            exc_info=exc if first else None,
            extra={"failure_kind": kind, "suppressed": suppressed},
        )
        return True

    def reset(self, kind: str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._kinds.clear()
            else:
                self._kinds.pop(kind, None)
