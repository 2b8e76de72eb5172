"""The access gate's jobs: tell the waitlist when the doors open (every 5 minutes: once the
gate is public at 100 %, each address once, through the outbox), and forget visitors not
seen for ``VISITOR_RETENTION_DAYS`` who hold nothing worth keeping (daily)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic

VISITOR_RETENTION_DAYS = 90


@periodic(every=dt.timedelta(minutes=5), name="launch_waitlist_notify")
@task()
def launch_waitlist_notify() -> int:
    """How many waitlisted addresses were told (0 while the doors are not open)."""
    from midas.launch.access.services import waitlist_notify

    return waitlist_notify()


@periodic(every=dt.timedelta(days=1), name="launch_visitors_prune")
@task()
def launch_visitors_prune() -> int:
    from midas.launch.access.services import visitors_prune

    return visitors_prune(days=VISITOR_RETENTION_DAYS)
