"""``midas worker`` (``midas manage worker``): run background jobs and the scheduler."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from midas.core.checks import log_system_checks
from midas.jobs.worker import MidasWorker


class Command(BaseCommand):
    help = "Run background jobs (django-tasks database queue) and the periodic scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=None, help="idle sleep, seconds")
        parser.add_argument("--queue-name", default="*", help="queues, comma-separated; * = all")
        parser.add_argument("--worker-id", default=None, help="unique id (default: host-pid-…)")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="run tasks only; enqueue no periodic jobs"
        )
        parser.add_argument(
            "--until-idle",
            action="store_true",
            help="exit after the first loop that finds nothing to run (cron, tests)",
        )
        parser.add_argument("--max-loops", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def check(self, *args: Any, **kwargs: Any) -> None:
        """With JSON logs (production) the system checks' findings are log lines, one each,
        not a block of text on stderr; a serious one stops the worker."""
        if settings.LOG_FORMAT != "json":
            return super().check(*args, **kwargs)
        kwargs.pop("display_num_errors", None)
        if not log_system_checks(**kwargs):
            raise SystemExit(1)
        return None

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        quiet = logging.WARNING if verbosity < 2 else logging.DEBUG
        # django_tasks_db announces every batch; django_tasks every task start and finish
        logging.getLogger("django_tasks_db").setLevel(quiet)
        logging.getLogger("django_tasks").setLevel(quiet if verbosity < 2 else logging.INFO)
        logging.getLogger("midas").setLevel(logging.INFO if verbosity else logging.WARNING)
        worker = MidasWorker(
            worker_id=options["worker_id"],
            interval=options["interval"],
            queue_names=options["queue_name"].split(","),
            scheduler=not options["no_scheduler"],
            parent_pid=options["parent_pid"],
        )
        worker.configure_signals()
        from midas.core.signals import process_started

        process_started.send(sender=MidasWorker, role="worker")  # e.g. the freeze: the release
        worker.run(max_loops=options["max_loops"], until_idle=options["until_idle"])
