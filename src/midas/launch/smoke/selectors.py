"""Reads of the smoke runs: the newest finished one (for the console, the plan's checks and
the run itself, which nudges the team when a failing run follows a failing run)."""

from __future__ import annotations

from midas.launch.models import SmokeRun


def latest_smoke(*, passed: bool = True) -> SmokeRun | None:
    """The newest finished run (``passed=True``: the newest that passed; False: any)."""
    runs = SmokeRun.objects.filter(finished_at__isnull=False)
    if passed:
        runs = runs.filter(ok=True)
    return runs.order_by("-started_at", "-id").first()
