"""The launch plan's job (every minute, once a launch date is set): run the checklist's
automatic checks (``plan.services.checks_run``), then carry out launch day's due steps
(``plan.services.schedule_run_due``, exactly once each even with several workers)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(minutes=1), name="launch_plan")
@task()
def launch_plan() -> int:
    """Returns how many checklist items changed status plus how many steps were carried
    out (0 without a launch date)."""
    from midas.launch.plan import services as plan_services
    from midas.launch.state.selectors import launch_state

    if launch_state(fresh=True).launch_date is None:
        return 0
    changed = plan_services.checks_run()
    steps = plan_services.schedule_run_due()
    return len(changed) + len(steps)
