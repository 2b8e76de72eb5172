"""Housekeeping jobs of the queue itself."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django_tasks import task

from midas.jobs.schedule import periodic
from midas.jobs.services import heartbeat_prune

KEEP_SUCCESSFUL_DAYS = 7
KEEP_FAILED_DAYS = 30  # long enough to investigate
KEEP_HEARTBEATS = dt.timedelta(days=7)


@periodic(every=dt.timedelta(hours=6), name="prune_jobs")
@task()
def prune_jobs() -> int:
    """Forget finished task results (send_outbox alone runs thousands of times a day) and
    workers gone for a week. Outbox rows and their attempts are kept."""
    call_command(
        "prune_db_task_results",
        queue_name="*",
        min_age_days=KEEP_SUCCESSFUL_DAYS,
        failed_min_age_days=KEEP_FAILED_DAYS,
        verbosity=0,
    )
    return heartbeat_prune(older_than=KEEP_HEARTBEATS)
