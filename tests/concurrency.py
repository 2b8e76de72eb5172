"""Run one attempt in many threads at once: the harness of the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def race(count: int, attempt: Callable[[int], T]) -> list[T | str]:
    """``attempt(i)`` for ``i`` in ``range(count)``, each in its own thread, all released
    together by a barrier. Each thread closes its database connections when done. An
    exception is not raised but recorded as ``"error: <repr>"`` among the results, so the
    test's assertions show every outcome."""
    from django.db import connections

    barrier = threading.Barrier(count)
    results: list[T | str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        outcome: T | str
        try:
            barrier.wait()
            outcome = attempt(i)
        except Exception as exc:  # anything unexpected is a failure of the rule under test
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
