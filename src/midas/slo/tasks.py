"""SLO jobs (django-tasks, scheduled by ``midas.jobs``).

- ``slo_probe`` (every minute): the synthetic probes (``midas.slo.probes``), then a flush
  of this process' request buffer (the probes go through the middleware too);
- ``slo_retention`` (hourly): delete ``RequestMinute`` rows older than
  ``SLO_REQUEST_RETENTION_DAYS`` (35) and ``ProbeResult`` rows older than
  ``SLO_PROBE_RETENTION_DAYS`` (92: the status page draws 90 days).
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.outage import during_outage
from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(minutes=1), name="slo_probe")
@task()
def slo_probe() -> int:
    from midas.slo.probes import run_probes
    from midas.slo.recorder import RECORDER

    rows = run_probes()
    RECORDER.flush()
    return sum(1 for row in rows if row.ok)


@periodic(every=dt.timedelta(hours=1), name="slo_retention")
@task()
def slo_retention() -> int:
    from midas.slo.services import slo_prune

    return slo_prune()


@during_outage(every=dt.timedelta(minutes=1), name="slo_probe")
def slo_probe_during_outage(now: dt.datetime) -> None:
    """The database is down: probe anyway; the results wait on disk (midas.slo.spool)."""
    from midas.slo.probes import run_probes

    run_probes(now=now)
