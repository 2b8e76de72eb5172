"""Writes of one flag row. Each bumps the flags' version on commit so every process re-reads
them. The launch control plane calls these inside its own permission checks, records and
announcements (the launch's ``flags`` module)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

from midas.core.cache import serving_locally
from midas.errors import AppError, ErrorCode
from midas.flags.models import Flag, FlagState
from midas.flags.registry import REGISTRY
from midas.flags.selectors import FLAGS, VERSION_KEY

logger = logging.getLogger(__name__)


def bump_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception as exc:
        logger.warning("flags: version not bumped (%s); others see it within the TTL", exc)
    else:
        if serving_locally(cache):  # Redis away: the bump stayed in this process
            logger.warning(
                "flags: version bumped in this process only; others see it within the TTL"
            )
    FLAGS.forget()


def _changed() -> None:
    transaction.on_commit(bump_version)
    FLAGS.forget()


def checked_percent(state: str, percent: Any) -> int:
    """``percent`` as stored for ``state`` (0 unless ``percent``), or ``invalid_input``."""
    if state not in FlagState.values:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Unknown state {state!r}: one of {', '.join(FlagState.values)}.",
            field="state",
        )
    try:
        percent = int(percent or 0)
    except (TypeError, ValueError) as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"Not a whole percentage: {percent!r}.", field="percent"
        ) from exc
    if not 0 <= percent <= 100:
        raise AppError(ErrorCode.INVALID_INPUT, "A percentage from 0 to 100.", field="percent")
    if state == FlagState.PERCENT and percent == 0:
        raise AppError(
            ErrorCode.INVALID_INPUT, "Say which share: --percent 1-100.", field="percent"
        )
    return percent if state == FlagState.PERCENT else 0


def flag_row(key: str) -> Flag | None:
    """``key``'s row locked for update, created from its declaration when there is none yet;
    None for a key neither declared nor added."""
    row = Flag.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    spec = REGISTRY.get(key)
    if spec is None:
        return None
    row, _ = Flag.objects.get_or_create(
        key=key,
        defaults={"description": spec.description[:200], "state": spec.default, "percent": 0},
    )
    return row


@transaction.atomic
def flag_write(*, key: str, state: str, percent: int = 0, changed_by: Any = None) -> Flag:
    """Set ``key`` to ``state`` (and ``percent``); ``not_found`` for an unknown key."""
    percent = checked_percent(state, percent)
    row = flag_row(key)
    if row is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No flag {key!r}.", field="key")
    row.state, row.percent, row.changed_by = state, percent, changed_by
    row.save(update_fields=["state", "percent", "changed_by", "updated_at"])
    _changed()
    return row


@transaction.atomic
def flag_add(*, key: str, description: str, state: str, changed_by: Any = None) -> Flag:
    """A flag that code does not declare yet (code reads it by its key)."""
    key = (key or "").strip().lower()
    if not key or not all(c.isalnum() or c in "-_" for c in key) or len(key) > 40:
        raise AppError(
            ErrorCode.INVALID_INPUT, "A key of letters, digits, - and _ (40 at most).", field="key"
        )
    checked_percent(state, 1 if state == FlagState.PERCENT else 0)
    if Flag.objects.filter(key=key).exists() or key in REGISTRY:
        raise AppError(ErrorCode.INVALID_STATE, f"The flag {key!r} exists.", field="key")
    row = Flag.objects.create(
        key=key,
        description=(description or "").strip()[:200],
        state=state,
        percent=1 if state == FlagState.PERCENT else 0,
        changed_by=changed_by,
    )
    _changed()
    return row
