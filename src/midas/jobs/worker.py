"""``midas worker``: django-tasks' database worker plus the scheduler and a heartbeat.

Each loop: write the heartbeat, enqueue the periodic jobs that are due (``schedule.py``),
then let django_tasks_db's own ``Worker`` claim and run ready tasks (``SELECT ... FOR UPDATE
SKIP LOCKED`` on PostgreSQL, an exclusive transaction on SQLite) until none is ready or a
batch is done. Idle, it sleeps ``WORKER_INTERVAL`` seconds. The first SIGINT/SIGTERM lets the
running task finish and exits; a second one exits at once (a message being sent is then sent
again later: the outbox is at-least-once).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import uuid
from types import FrameType

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker as TasksWorker

from midas.core.db_errors import is_unavailable
from midas.core.throttle import ThrottledLog
from midas.jobs import schedule
from midas.jobs.outage import OutageRunner
from midas.jobs.services import heartbeat_beat, heartbeat_stop

logger = logging.getLogger(__name__)

TASKS_PER_LOOP = 20  # then the heartbeat and the scheduler get their turn again
MAX_PAUSE = 60.0  # seconds between loops at most, after repeated failures
OUTAGE_PAUSE = 10.0  # seconds between loops while the database cannot be reached


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"[:64]


class MidasWorker:
    def __init__(
        self,
        *,
        worker_id: str | None = None,
        interval: float | None = None,
        queue_names: list[str] | None = None,
        backend_name: str = "default",
        scheduler: bool = True,
        parent_pid: int | None = None,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.interval = settings.WORKER_INTERVAL if interval is None else interval
        self.scheduler = scheduler
        self.parent_pid = parent_pid  # exit when this process is gone (a child of `serve`)
        self.tasks = TasksWorker(
            queue_names=queue_names or ["*"],
            interval=0.2,  # its pause when the database is locked; we sleep between loops
            batch=True,  # return once no task is ready, so the loop below goes on
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        self.stopping = False
        self._wake = threading.Event()
        self.outage = OutageRunner()  # the jobs that run while the database is down
        self._failures = ThrottledLog(logger)

    @property
    def jobs_done(self) -> int:
        return self.tasks._run_tasks

    def run_once(self) -> int:
        """One loop: heartbeat, scheduler, then up to ``TASKS_PER_LOOP`` ready tasks.
        Returns how many tasks ran."""
        heartbeat_beat(worker_id=self.worker_id, jobs_done=self.jobs_done)
        if self.scheduler:
            schedule.enqueue_due()
        before = self.jobs_done
        self.tasks.running = not self.stopping
        self.tasks.max_tasks = before + TASKS_PER_LOOP
        self.tasks.run()
        return self.jobs_done - before

    def run(self, *, max_loops: int | None = None, until_idle: bool = False) -> None:
        jobs = schedule.discover()
        logger.info(
            "worker %s started: periodic jobs %s; email %s",
            self.worker_id,
            ", ".join(sorted(jobs)) or "none",
            settings.EMAIL_DISPLAY or settings.EMAIL_BACKEND,
        )
        loops = failures = 0
        try:
            while not self.stopping:
                loops += 1
                down = False
                try:
                    ran = self.run_once()
                    failures = 0
                    self._database_back()
                except Exception as exc:  # the database away or locked too long: try again
                    ran, failures = 0, failures + 1
                    down = is_unavailable(exc)
                    if down:
                        self._failures.error(
                            "database",
                            f"worker {self.worker_id}: the database cannot be reached "
                            f"({failures} loop(s) in a row); running the outage jobs",
                            exc=exc,
                        )
                        self.outage.tick()
                    else:
                        logger.exception(
                            "worker %s: loop failed (%d in a row)", self.worker_id, failures
                        )
                    close_old_connections()
                if (max_loops and loops >= max_loops) or (until_idle and not ran):
                    break
                if self.parent_pid and os.getppid() != self.parent_pid:
                    logger.warning("worker %s: parent process gone, stopping", self.worker_id)
                    break
                if not ran and not self.stopping:
                    pause = min(self.interval * 2**failures, MAX_PAUSE)
                    self._wake.wait(min(pause, OUTAGE_PAUSE) if down else pause)
        finally:
            self._say_goodbye()

    def _database_back(self) -> None:
        since = self.outage.over()
        if since is not None:
            self._failures.reset("database")
            logger.warning(
                "worker %s: the database answers again (unreachable since %s)",
                self.worker_id,
                since.isoformat(timespec="seconds"),
            )

    def _say_goodbye(self) -> None:
        try:
            heartbeat_stop(worker_id=self.worker_id, jobs_done=self.jobs_done)
        except Exception:  # a stop must not fail on the database; the heartbeat just ages
            logger.exception("worker %s: could not record the stop", self.worker_id)
        logger.info("worker %s stopped after %d job(s)", self.worker_id, self.jobs_done)

    def configure_signals(self) -> None:
        for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._shutdown)

    def _shutdown(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            logger.warning("worker %s: second %s, exiting now", self.worker_id, signum)
            sys.exit(1)
        logger.info("worker %s: stopping after the current task", self.worker_id)
        self.stopping = True
        self.tasks.running = False
        self._wake.set()
