"""The status page over the SLO engine's real probe history (midas.slo), not a stub."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from midas.slo.models import ProbeResult
from midas.status import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_probes(monkeypatch):
    monkeypatch.undo()  # drop the autouse stub: the adapter talks to midas.slo
    cache.clear()
    yield
    cache.clear()


def probe(component: str, at: dt.datetime, *, ok: bool = True, latency_ms: float = 150.0):
    minute = at.replace(second=0, microsecond=0)
    return ProbeResult(
        component=component,
        target="home",
        ok=ok,
        status=200 if ok else 503,
        latency_ms=latency_ms,
        at=at,
        minute=minute,
    )


def test_states_and_bars_from_recorded_probes(real_probes):
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = now - dt.timedelta(days=1)
    rows = [probe("website", yesterday + dt.timedelta(minutes=m)) for m in range(60)]
    rows += [probe("website", yesterday + dt.timedelta(minutes=60 + m), ok=False) for m in range(3)]
    rows += [probe("website", now - dt.timedelta(minutes=2) + dt.timedelta(seconds=30))]
    rows += [
        probe("booking", now - dt.timedelta(days=3) + dt.timedelta(minutes=m), ok=False)
        for m in range(30)
    ]
    rows += [probe("payments", now - dt.timedelta(seconds=40), ok=False)]
    rows += [probe("api", now - dt.timedelta(seconds=40), latency_ms=4000)]
    ProbeResult.objects.bulk_create(rows)

    views = {v.component.key: v for v in selectors.component_states(now=now)}
    assert views["website"].status == "operational" and views["website"].source == "probe"
    assert views["payments"].status == "major_outage"
    assert views["api"].status == "degraded_performance"
    assert views["email"].source == "no_data"

    website = views["website"].bars
    assert len(website) == 90 and website[-1].date == now.date()
    assert website[-2].state == "partial_outage"  # 3 down minutes yesterday
    assert (website[-2].down_minutes, website[-2].measured_minutes) == (3, 63)
    assert views["booking"].bars[-4].state == "major_outage"  # 30 down minutes
    assert views["booking"].bars[-1].state == "no_data"
