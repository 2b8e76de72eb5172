"""The worker: runs queued tasks and due periodic jobs, beats, stops cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import OperationalError, transaction
from django_tasks_db.models import DBTaskResult

from midas.jobs.models import WorkerHeartbeat
from midas.jobs.process import start_worker_process, stop_worker_process
from midas.jobs.selectors import heartbeat_age, live_workers, schedule_overdue
from midas.jobs.services import heartbeat_beat, heartbeat_prune, heartbeat_stop
from midas.jobs.worker import MidasWorker
from midas.notifications.models import OutboxMessage, OutboxStatus
from midas.notifications.selectors import latest_message
from midas.notifications.services import email_enqueue

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    settings.MAILBOX_ECHO = False
    settings.CONCIERGE_EMAIL = "concierge@midas.example"


@pytest.fixture
def worker_email(settings, tmp_path):
    """A minimal template set, so this file needs no other app's emails."""
    emails = tmp_path / "emails"
    emails.mkdir()
    (emails / "ping.subject.txt").write_text("Ping for {{ user_name }}")
    (emails / "ping.txt").write_text("Hello {{ user_name }}")
    (emails / "ping.html").write_text("<p>Hello {{ user_name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    def enqueue(to: str = "ana@example.com") -> OutboxMessage:
        return email_enqueue(to=to, template="ping", context={"user_name": "Ana"})

    return enqueue


@pytest.mark.django_db
def test_heartbeat_age_follows_the_live_workers(now):
    assert heartbeat_age(now=now) is None
    heartbeat_beat(worker_id="w1", jobs_done=0, now=now)
    heartbeat_beat(worker_id="w2", jobs_done=0, now=now - 30 * SECOND)
    assert heartbeat_age(now=now + 5 * SECOND) == 5 * SECOND
    heartbeat_beat(worker_id="w1", jobs_done=7, now=now + 5 * SECOND)
    beat = WorkerHeartbeat.objects.get(worker_id="w1")
    assert beat.jobs_done == 7 and beat.started_at == now and beat.pid == os.getpid()

    heartbeat_stop(worker_id="w1", jobs_done=7, now=now + 6 * SECOND)
    assert [w.worker_id for w in live_workers()] == ["w2"]
    assert heartbeat_age(now=now + 6 * SECOND) == 36 * SECOND
    heartbeat_stop(worker_id="w2", jobs_done=0, now=now + 6 * SECOND)
    assert heartbeat_age(now=now + 6 * SECOND) is None
    assert heartbeat_prune(older_than=dt.timedelta(days=1), now=now + dt.timedelta(days=2)) == 2


@pytest.mark.django_db(transaction=True)  # the worker closes connections between loops
def test_one_loop_beats_schedules_and_sends_the_outbox(mailbox, worker_email, now):
    worker_email()
    worker = MidasWorker(worker_id="loop-test")

    ran = worker.run_once()  # schedules send_outbox (new: due at once) and runs it

    assert ran >= 1
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert latest_message(to="ana@example.com").subject == "Ping for Ana"
    assert WorkerHeartbeat.objects.get(worker_id="loop-test").jobs_done == 0  # before the loop
    worker.run_once()
    assert WorkerHeartbeat.objects.get(worker_id="loop-test").jobs_done == worker.jobs_done
    assert schedule_overdue(grace=dt.timedelta(minutes=5)) == []


@pytest.mark.django_db(transaction=True)
def test_a_commit_with_mail_makes_the_next_loop_send_it(mailbox, worker_email):
    worker = MidasWorker(worker_id="kick-test", scheduler=False)
    with transaction.atomic():
        worker_email()
        assert not DBTaskResult.objects.exists()  # nothing before the commit
    assert DBTaskResult.objects.count() == 1  # the kick
    worker.run(until_idle=True)
    assert latest_message(to="ana@example.com") is not None
    beat = WorkerHeartbeat.objects.get(worker_id="kick-test")
    assert beat.stopped_at is not None and beat.jobs_done == 1


@pytest.mark.django_db(transaction=True)  # the worker closes connections between loops
def test_a_worker_whose_parent_is_gone_stops(mailbox):
    worker = MidasWorker(worker_id="orphan", parent_pid=-1, interval=60)
    worker.run()  # returns after one loop instead of sleeping a minute
    assert WorkerHeartbeat.objects.get(worker_id="orphan").stopped_at is not None


def wait_until(condition, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"worker exited early with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_sends_mail_and_stops_cleanly(child_env, mailbox, worker_email):
    """What `midas serve` does: the worker as a child process, stopped with SIGTERM."""
    message = worker_email()
    process = start_worker_process(extra_args=("--interval", "0.2"))
    try:
        wait_until(lambda: live_workers().exists(), process)
        wait_until(
            lambda: OutboxMessage.objects.filter(pk=message.pk, status="sent").exists(), process
        )
        assert heartbeat_age() is not None
    finally:
        code = stop_worker_process(process, timeout=30)
    assert code == 0
    assert not live_workers().exists()  # it said goodbye
    assert latest_message(to="ana@example.com").subject == "Ping for Ana"


@pytest.mark.django_db(transaction=True)
def test_midas_worker_until_idle_exits_by_itself(child_env, mailbox):
    done = subprocess.run(
        [sys.executable, "-m", "midas", "worker", "--until-idle", "--no-scheduler"],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert WorkerHeartbeat.objects.get().stopped_at is not None


def test_a_second_signal_stops_the_worker_at_once():
    worker = MidasWorker(worker_id="signals", scheduler=False)
    worker._shutdown(signal.SIGTERM, None)
    assert worker.stopping and not worker.tasks.running
    with pytest.raises(SystemExit):
        worker._shutdown(signal.SIGTERM, None)


@pytest.mark.django_db(transaction=True)
def test_a_failing_loop_is_logged_and_the_worker_goes_on(mailbox, monkeypatch, caplog):
    worker = MidasWorker(worker_id="flaky", scheduler=False, interval=0)
    calls = []
    real_run_once = worker.run_once

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real_run_once()

    monkeypatch.setattr(worker, "run_once", flaky)
    worker.run(max_loops=3)
    assert len(calls) == 3
    assert "loop failed (1 in a row)" in caplog.text
    assert WorkerHeartbeat.objects.get(worker_id="flaky").stopped_at is not None
