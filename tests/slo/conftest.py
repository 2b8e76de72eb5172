from __future__ import annotations

import datetime as dt

import pytest

from midas.slo.models import BUCKET_FIELDS, ProbeResult, RequestMinute

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # recorded data starts here


def add_minute(minute: dt.datetime, *, process: str = "web-1:1", errors: int = 0, **buckets):
    """A RequestMinute with ``buckets`` given as ``le_50=3, le_inf=1`` (per bucket); the
    duration sum defaults to each request at its bucket's upper bound (10 s for +Inf)."""
    counts = {name: buckets.pop(name, 0) for name in BUCKET_FIELDS}
    duration = buckets.pop("duration_ms_sum", None)
    assert not buckets, buckets
    if duration is None:
        bounds = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 10000]
        duration = sum(b * counts[f] for b, f in zip(bounds, BUCKET_FIELDS, strict=True))
    return RequestMinute.objects.create(
        minute=minute,
        process=process,
        count=sum(counts.values()),
        errors=errors,
        duration_ms_sum=duration,
        **counts,
    )


def add_probe(
    at: dt.datetime,
    component: str = "website",
    *,
    ok: bool = True,
    latency=40.0,
    target: str = "home",
    maintenance: bool = False,
):
    """A probe result; ``maintenance``: one that met the maintenance page (503, not ok)."""
    ok = ok and not maintenance
    return ProbeResult.objects.create(
        component=component,
        target=target,
        ok=ok,
        status=200 if ok else 503,
        latency_ms=latency,
        at=at,
        minute=at.replace(second=0, microsecond=0),
        maintenance=maintenance,
    )


def probe_minute(at: dt.datetime, *, maintenance: bool) -> None:
    """One run of the probes as the worker records it: the pages and the quote meet the
    maintenance page while it is on (``maintenance``); /readyz stays open and answers."""
    for component, target in [
        ("website", "home"),
        ("website", "asset"),
        ("booking", "quote"),
        ("api", "quote"),
    ]:
        add_probe(at, component, target=target, maintenance=maintenance)
    add_probe(at, "payments", target="readyz")
    add_probe(at, "email", target="readyz")


@pytest.fixture
def t0() -> dt.datetime:
    return T0
