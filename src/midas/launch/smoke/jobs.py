"""Smoke checks by the worker.

- ``launch_smoke`` (every 15 minutes): while a launch is under way (phase freeze, soft
  launch, public, stabilisation or rolled back, and for ``LAUNCH_SMOKE_AFTER_LAUNCH_HOURS``
  after "launched": ``selectors.launch_window_open``) run the smoke checks against this
  deployment (``SITE_URL``) and keep the result; otherwise nothing. Short timeouts: a dead
  site costs the worker one request timeout (later requests fail at once), a slow outbox at
  most ``WORKER_MAIL_WAIT``.
- ``launch_smoke_now``: the same run at once, whatever the phase (the console's "run now").
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic

EVERY = dt.timedelta(minutes=15)
WORKER_TIMEOUT = 5.0  # seconds per request
WORKER_MAIL_WAIT = 15.0


def launch_under_way() -> bool:
    from midas.launch.smoke.selectors import launch_window_open

    return launch_window_open()


def smoke_by_worker(via: str = "worker") -> int:
    from midas.launch.smoke.services import run_smoke

    run = run_smoke(
        None, via=via, timeout=WORKER_TIMEOUT, mail_wait=WORKER_MAIL_WAIT, nudge_after=0.0
    )
    return run.pk


@periodic(every=EVERY, name="launch_smoke")
@task()
def launch_smoke() -> int | None:
    """The id of the run kept, or None when no launch is under way."""
    if not launch_under_way():
        return None
    return smoke_by_worker()


@task()
def launch_smoke_now(via: str = "console") -> int:
    return smoke_by_worker(via)
