"""``launch_response`` (every minute): the rollback triggers, then the escalation tick
(docs/explanation/launch-triggers-escalation.md)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(minutes=1), name="launch_response")
@task()
def launch_response() -> int:
    """Returns how many firings and escalation notices this run made."""
    from midas.launch.response.escalation import escalation_tick
    from midas.launch.response.services import triggers_evaluate

    fired = triggers_evaluate()
    told = escalation_tick()
    return len(fired) + len(told)
