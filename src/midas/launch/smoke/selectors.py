"""Reads of the smoke runs: the newest finished one (for the console, the plan's checks and
the run itself), the failing streak a run belongs to, and whether the launch window is open
(the worker's periodic smoke runs, and every failure is announced, only then)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from midas.launch.models import SmokeRun

# The launch is under way: the worker's smoke runs every 15 minutes. A rollback keeps it
# running (is the previous release serving customers?), and so does the launch week after
# "launched" (LAUNCH_SMOKE_AFTER_LAUNCH_HOURS).
WINDOW_PHASES = frozenset({"freeze", "soft_launch", "public", "stabilisation", "rolled_back"})


def latest_smoke(*, passed: bool = True) -> SmokeRun | None:
    """The newest finished run (``passed=True``: the newest that passed; False: any)."""
    runs = SmokeRun.objects.filter(finished_at__isnull=False)
    if passed:
        runs = runs.filter(ok=True)
    return runs.order_by("-started_at", "-id").first()


def launch_window_open(now: dt.datetime | None = None) -> bool:
    """Freeze, soft launch, public, stabilisation or rolled back; or launched less than
    ``LAUNCH_SMOKE_AFTER_LAUNCH_HOURS`` ago."""
    from midas.launch.state.selectors import launch_state

    state = launch_state(fresh=True)
    if state.phase in WINDOW_PHASES:
        return True
    if state.phase != "launched" or state.phase_changed_at is None:
        return False
    after = dt.timedelta(hours=settings.LAUNCH_SMOKE_AFTER_LAUNCH_HOURS)
    return (now or timezone.now()) - state.phase_changed_at < after


def failing_streak(run: SmokeRun) -> list[SmokeRun]:
    """The failed runs in a row that end with ``run`` (oldest first): every finished run
    since the last one that passed. Empty when ``run`` passed."""
    if run.ok:
        return []
    before = SmokeRun.objects.filter(finished_at__isnull=False).exclude(pk=run.pk)
    before = before.filter(started_at__lte=run.started_at)
    last_pass = before.filter(ok=True).order_by("-started_at", "-id").first()
    if last_pass is not None:
        before = before.filter(started_at__gte=last_pass.started_at).exclude(pk=last_pass.pk)
    return [*before.order_by("started_at", "id"), run]


def failing_step(run: SmokeRun) -> dict | None:
    """The step that failed first (later ones usually fail with "not run: ..." after it)."""
    return next((step for step in run.steps if not step.get("ok")), None)
