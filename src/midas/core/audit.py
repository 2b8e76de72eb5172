"""Audit events: who did what to which object, and why, as one ``midas.audit`` log line whose
fields are also JSON keys (docs/explanation/logs.md).

    audit("bookings.booking.cancelled", actor=user, obj=booking, reason="", refund_minor=500)

logs ``bookings.booking.cancelled booking=12 by=user:7 refund_minor=500`` and, with
LOG_FORMAT=json, the keys ``action``, ``actor``, ``object_type``, ``object_id``, ``reason`` and
``details`` (the keyword arguments) next to the usual ones. The record carries them as
``record.audit``; the JSON formatter writes them out.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models

logger = logging.getLogger("midas.audit")

SYSTEM = "system"


def actor_label(actor: object) -> str:
    """``user:<pk>`` for an account, the text itself for a label, ``system`` for nobody."""
    if actor is None:
        return SYSTEM
    if isinstance(actor, str):
        return actor or SYSTEM
    if isinstance(actor, models.Model):
        return f"user:{actor.pk}"
    return str(actor)


def object_key(obj: object) -> tuple[str, str, Any] | None:
    """(type, short name, id) of a model row or of a ``(type, id)`` pair; None for none."""
    if obj is None:
        return None
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, obj._meta.model_name or "object", obj.pk
    if isinstance(obj, tuple) and len(obj) == 2:
        kind = str(obj[0])
        return kind, kind.rsplit(".", 1)[-1], obj[1]
    raise TypeError(f"audit: obj must be a model row or a (type, id) pair, not {obj!r}")


def audit(
    action: str,
    *,
    actor: object,
    obj: object = None,
    reason: str = "",
    level: int = logging.INFO,
    exc_info: bool = False,
    **details: Any,
) -> None:
    """Log the audit event ``action`` (``<app>.<thing>.<what happened>``) done by ``actor``
    (a user, a label such as ``system:release``, or None for the system) to ``obj`` (a model
    row or a ``(type, id)`` pair), with ``reason`` and any ``details``."""
    who = actor_label(actor)
    key = object_key(obj)
    event: dict[str, Any] = {"action": action, "actor": who}
    words = [action]
    if key is not None:
        event["object_type"], event["object_id"] = key[0], key[2]
        words.append(f"{key[1]}={key[2]}")
    words.append(f"by={who}")
    words.extend(f"{name}={value}" for name, value in details.items())
    if reason:
        event["reason"] = reason
        words.append(f"reason={reason!r}")
    if details:
        event["details"] = details
    logger.log(level, "%s", " ".join(words), exc_info=exc_info, extra={"audit": event})
