"""Background jobs of the notifications app."""

from __future__ import annotations

import datetime as dt

from django_tasks import TaskResultStatus, task

from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(seconds=30), name="send_outbox")
@task()
def send_outbox() -> int:
    """Send every outbox message that is due; return how many went out."""
    from midas.notifications.delivery import deliver_due

    return deliver_due().sent


def kick_send_outbox() -> None:
    """Enqueue ``send_outbox`` now (after a commit that added mail), unless a run is already
    waiting: that run will pick up the new rows too."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=send_outbox.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        send_outbox.enqueue()
