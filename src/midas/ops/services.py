"""Writes of the ops app: maintenance mode on and off, and scheduled maintenance windows
(docs/explanation/maintenance.md)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from midas.core.ranges import require_range
from midas.errors import AppError, ErrorCode
from midas.ops.models import MaintenanceMode, MaintenanceWindow
from midas.ops.selectors import DEFAULT_RETRY_AFTER, MaintenanceState, read_state, remember

logger = logging.getLogger(__name__)


def _remember_new_state() -> None:
    """This process serves the new state at once (and again after commit); other processes
    within CACHE_SECONDS."""
    remember(read_state())
    transaction.on_commit(lambda: remember(read_state()))


@transaction.atomic
def maintenance_enable(
    *, message: str, retry_after: int = DEFAULT_RETRY_AFTER, user=None
) -> MaintenanceState:
    if retry_after < 0:
        raise ValueError("retry_after must not be negative")
    row, _ = MaintenanceMode.objects.select_for_update().get_or_create(pk=1)
    if not row.enabled:
        row.started_at = timezone.now()
    row.enabled, row.message, row.retry_after, row.changed_by = True, message, retry_after, user
    row.save()
    _remember_new_state()
    logger.warning("ops.maintenance.enabled retry_after=%s", retry_after)
    return read_state()


@transaction.atomic
def maintenance_disable(*, user=None) -> MaintenanceState:
    row, _ = MaintenanceMode.objects.select_for_update().get_or_create(pk=1)
    row.enabled, row.started_at, row.changed_by = False, None, user
    row.save(update_fields=["enabled", "started_at", "changed_by", "updated_at"])
    _remember_new_state()
    logger.warning("ops.maintenance.disabled")
    return read_state()


START_GRACE = dt.timedelta(minutes=1)  # "now" typed a moment ago is not the past


def maintenance_window_check(
    *, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime | None = None
) -> None:
    """Refuse (``AppError``) a window that does not end after it starts, starts in the past
    or overlaps another planned window."""
    now = now or timezone.now()
    require_range(starts_at, ends_at)
    if starts_at < now - START_GRACE:
        raise AppError(
            ErrorCode.START_IN_PAST,
            f"the start {starts_at:%Y-%m-%d %H:%M} UTC is in the past "
            "(for maintenance now: midas maintenance on)",
            field="start",
        )
    overlapping = (
        MaintenanceWindow.objects.active()
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .first()
    )
    if overlapping is not None:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"overlaps window #{overlapping.pk} ({overlapping}); cancel it first",
            field="start",
        )


@transaction.atomic
def maintenance_window_schedule(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    message: str = "",
    user=None,
    now: dt.datetime | None = None,
) -> MaintenanceWindow:
    """Plan maintenance for ``[starts_at, ends_at)``: customers get the maintenance page
    during it, and the status page announces it until it ends. Refused (``AppError``): an
    end not after the start, a start in the past, an overlap with another planned window."""
    # The switch's row is the lock: two schedules at once cannot both pass the overlap check.
    MaintenanceMode.objects.select_for_update().get_or_create(pk=1)
    maintenance_window_check(starts_at=starts_at, ends_at=ends_at, now=now)
    window = MaintenanceWindow.objects.create(
        starts_at=starts_at, ends_at=ends_at, message=message.strip(), created_by=user
    )
    _remember_new_state()
    logger.warning(
        "ops.maintenance.window_scheduled id=%s starts_at=%s ends_at=%s",
        window.pk,
        starts_at.isoformat(),
        ends_at.isoformat(),
    )
    return window


@transaction.atomic
def maintenance_window_cancel(
    *, window_id: int, user=None, now: dt.datetime | None = None
) -> MaintenanceWindow:
    """Cancel a planned window; one in progress ends now (customers are served again unless
    the manual switch is on). Refused: unknown, already cancelled, already over."""
    now = now or timezone.now()
    window = MaintenanceWindow.objects.select_for_update().filter(pk=window_id).first()
    if window is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no maintenance window #{window_id}")
    if window.cancelled_at is not None:
        raise AppError(ErrorCode.INVALID_STATE, f"window #{window_id} is already cancelled")
    if window.ends_at <= now:
        raise AppError(ErrorCode.INVALID_STATE, f"window #{window_id} is already over")
    window.cancelled_at = now
    window.save(update_fields=["cancelled_at"])
    _remember_new_state()
    logger.warning(
        "ops.maintenance.window_cancelled id=%s by=%s", window.pk, getattr(user, "pk", "")
    )
    return window
