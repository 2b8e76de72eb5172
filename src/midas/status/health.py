"""Health checks that speak for a component beside its probes (midas.ops.health).

Email has no HTTP probe of its own that says whether messages leave: the outbox backlog
does. A ``warn`` makes the component degraded, a ``fail`` a partial outage; the probe's
state is kept when it is worse."""

from __future__ import annotations

import logging

from django.db import DatabaseError

from midas.status.models import ComponentStatus

log = logging.getLogger(__name__)

FROM_HEALTH = {
    "warn": ComponentStatus.DEGRADED_PERFORMANCE,
    "fail": ComponentStatus.PARTIAL_OUTAGE,
}


def _checks() -> dict[str, list]:
    # Imported late: the health checks live in the ops app and import other apps' selectors.
    from midas.ops.health.outbox import OutboxCheck

    return {"email": [OutboxCheck()]}


def component_health(key: str) -> tuple[str, str] | None:
    """(status, note) when a health check of the component is not passing, else None. A
    database error propagates (the page then serves its snapshot); any other failure of a
    check is logged and ignored, so a broken check never hides the page."""
    worst = None
    try:
        checks = _checks().get(key, [])
    except ImportError:
        return None
    for check in checks:
        try:
            observation = check.observe()
        except DatabaseError:
            raise
        except Exception:
            log.exception("status.health.check_failed check=%s", check.name)
            continue
        status = FROM_HEALTH.get(observation.status)
        if status and (worst is None or status == ComponentStatus.PARTIAL_OUTAGE):
            worst = (status, observation.output)
    return worst
