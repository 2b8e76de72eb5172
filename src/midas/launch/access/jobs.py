"""The access gate's jobs: tell the waitlist when the doors open (every 5 minutes: once the
launch is public, the gate public at 100 % and a GO stands, each address once, through the
outbox; held without a GO: recorded and said once per situation), and forget visitors not
seen for ``VISITOR_RETENTION_DAYS`` who hold nothing worth keeping (daily)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic

VISITOR_RETENTION_DAYS = 90


@periodic(every=dt.timedelta(minutes=5), name="launch_waitlist_notify")
@task()
def launch_waitlist_notify() -> int:
    """How many waitlisted addresses were told (0 while the doors are not open, and 0 —
    said once to the launch channel — while they are open without a standing GO)."""
    from midas.errors import AppError, ErrorCode
    from midas.launch.access.services import waitlist_notify

    try:
        return waitlist_notify()
    except AppError as exc:
        if exc.code != ErrorCode.GONOGO_REQUIRED:
            raise
        # the refusal is on the record and told to the launch channel as a warning, once
        # per situation (``gonogo.services.refusal_record``), not every 5 minutes
        return 0


@periodic(every=dt.timedelta(days=1), name="launch_visitors_prune")
@task()
def launch_visitors_prune() -> int:
    from midas.launch.access.services import visitors_prune

    return visitors_prune(days=VISITOR_RETENTION_DAYS)
