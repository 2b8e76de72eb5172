"""``launch_response`` (every minute): firings told during a database outage recorded, the
rollback triggers, then the escalation tick (docs/explanation/launch-triggers-escalation.md);
and ``launch_downtime_alert``, the downtime trigger while the database is down."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.outage import during_outage
from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(minutes=1), name="launch_response")
@task()
def launch_response() -> int:
    """Returns how many firings and escalation notices this run made."""
    from midas.launch.response.escalation import escalation_tick
    from midas.launch.response.outage import record_offline_firings
    from midas.launch.response.services import triggers_evaluate

    record_offline_firings()  # told while the database was down: recorded at their times
    fired = triggers_evaluate()
    told = escalation_tick()
    return len(fired) + len(told)


@during_outage(every=dt.timedelta(minutes=1), name="launch_downtime_alert")
def downtime_during_outage(now: dt.datetime) -> None:
    """The database is down: the downtime trigger decides from the spooled probes."""
    from midas.launch.response.outage import downtime_alert

    downtime_alert(now)
