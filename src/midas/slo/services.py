"""SLO writes: retention."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from midas.slo.models import ProbeResult, RequestMinute


def slo_prune(*, now: dt.datetime | None = None) -> int:
    """Delete aggregates and probe results past their retention; return rows deleted."""
    now = now or timezone.now()
    request_days = int(settings.SLO_REQUEST_RETENTION_DAYS)
    probe_days = int(settings.SLO_PROBE_RETENTION_DAYS)
    gone, _ = RequestMinute.objects.filter(
        minute__lt=now - dt.timedelta(days=request_days)
    ).delete()
    probes, _ = ProbeResult.objects.filter(minute__lt=now - dt.timedelta(days=probe_days)).delete()
    return gone + probes
