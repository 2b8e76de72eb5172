"""The automatic backup before migrations (``BACKUP_BEFORE_MIGRATE``, on in production).

Django sends ``pre_migrate`` once per installed app on every ``migrate`` run, with the plan
of migrations about to apply. The first signal of a run whose plan is not empty, on a
database that already holds applied migrations, takes one backup (kind ``pre-migrate``);
the rest of that run's signals see the same plan and do nothing. ``migrate`` with nothing
to apply, and the first migrate of an empty database, take no backup. A failed backup
stops the migration.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections

_last_plan: list[Any] = [None]  # the plan already backed up for (kept alive, so no id reuse)


def backup_before_migrate(sender: Any, *, using: str = "default", plan=None, **kwargs: Any):
    if not settings.BACKUP_BEFORE_MIGRATE or using != "default" or not plan:
        return None
    if plan is _last_plan[0]:
        return None
    _last_plan[0] = plan
    if "django_migrations" not in connections[using].introspection.table_names():
        return None
    from midas.backups.services import backup_create

    return backup_create(kind="pre-migrate")
