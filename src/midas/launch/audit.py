"""The launch's audit trail. ``record()`` writes a ``LaunchEvent`` row and an audit log line
(``midas.core.audit``: the action, the actor, the row as its object, the reason and the
details as fields); call it inside the transaction of the change it records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.launch.actors import Actor
from midas.launch.models import LaunchEvent


def record(
    action: str,
    *,
    actor: Actor,
    reason: str = "",
    at: dt.datetime | None = None,
    **details: Any,
) -> LaunchEvent:
    event = LaunchEvent.objects.create(
        at=at or timezone.now(),
        actor=actor.user,
        actor_label=actor.label,
        via=actor.via,
        action=action,
        reason=reason,
        details=details,
    )
    audit(
        action,
        actor=actor.user or actor.label,
        obj=event,
        reason=reason[:200],
        **{"via": actor.via, **details},
    )
    return event


def on_the_record(text: str, *, field: str = "reason", ask: str = "Give a reason") -> str:
    """``text`` stripped; an ``invalid_input`` refusal when empty (every launch change says
    why, and the why is recorded)."""
    text = (text or "").strip()
    if not text:
        raise AppError(ErrorCode.INVALID_INPUT, f"{ask}; it goes on the record.", field=field)
    return text
