"""Housekeeping: old task results and heartbeats are pruned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from midas.jobs.models import WorkerHeartbeat
from midas.jobs.services import heartbeat_beat
from midas.jobs.tasks import prune_jobs
from midas.notifications.tasks import send_outbox

pytestmark = pytest.mark.django_db


def test_prune_jobs_forgets_old_results_and_workers():
    old = timezone.now() - dt.timedelta(days=8)
    for status, finished in [
        (TaskResultStatus.SUCCESSFUL, old),
        (TaskResultStatus.FAILED, old),  # failures are kept a month
        (TaskResultStatus.SUCCESSFUL, timezone.now()),
    ]:
        result = send_outbox.enqueue()
        DBTaskResult.objects.filter(id=result.id).update(status=status, finished_at=finished)
    waiting = send_outbox.enqueue()
    heartbeat_beat(worker_id="gone", now=old)
    heartbeat_beat(worker_id="alive")

    assert prune_jobs.call() == 1

    assert DBTaskResult.objects.count() == 3
    assert DBTaskResult.objects.filter(id=waiting.id).exists()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
