"""``benchmarks/booking_bench.py``'s verdicts on issue 14's targets (nothing is served)."""

from __future__ import annotations

from benchmarks.booking_bench import Phase, verdicts


def test_each_target_is_judged_from_the_phases() -> None:
    phases = [
        Phase("SQLite", "book, distinct slots", per_s=320.0, p99_ms=80.0),
        Phase("SQLite", "pay, distinct slots", per_s=100.0, p99_ms=140.0),
        Phase("SQLite", "book, one slot", per_s=500.0, p99_ms=60.0, winners=2),
        Phase("PostgreSQL", "book, distinct slots", per_s=450.0, p99_ms=90.0, errors=1),
    ]
    rows = {what: met for what, _, met in verdicts(phases)}
    assert rows["SQLite bookings/s >= 300"] is True
    assert rows["PostgreSQL bookings/s >= 500"] is False
    assert rows["pay, distinct slots: p99 <= 100 ms, 0 errors"] is False
    assert rows["one slot: exactly one winner"] is False
    judged = verdicts(phases)
    assert ("book, distinct slots: p99 <= 100 ms, 0 errors", "90.0 ms, 1 error(s)", False) in judged
