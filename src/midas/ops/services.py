"""Writes of the ops app: maintenance mode on and off (docs/explanation/maintenance.md)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from midas.ops.models import MaintenanceMode
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
