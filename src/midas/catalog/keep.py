"""The catalogue version moves on through a database restore (``midas.backups.keep``).

Cached pages and the per-process catalogue reads are keyed on ``CatalogVersion.value``,
which every catalogue write and every reservation moves on. A restore puts the row back
to the backup's value; the next writes would then reach values the cache already holds
for *other* contents (those written between the backup and the restore), and customers
would be shown a stale price or a slot that is no longer free. So the version is saved
before the restore and put back past it: one value never seen before.
"""

from __future__ import annotations

import datetime as dt

from midas.backups.keep import keep_through_restore
from midas.catalog.models import CatalogVersion
from midas.catalog.selectors import catalog_version

KEEPER = "catalog-version"


def save(since: dt.datetime) -> int:  # a whole state: ``since`` does not matter
    return catalog_version()


def put_back(saved: int) -> str:
    restored = catalog_version()
    if saved <= restored:  # nothing moved it since the backup: the next value is unseen
        return f"catalogue version {restored}, as at the backup"
    value = saved + 1
    moved = CatalogVersion.objects.filter(pk=CatalogVersion.ROW).update(value=value)
    if not moved:
        CatalogVersion.objects.create(pk=CatalogVersion.ROW, value=value)
    return f"catalogue version {restored} restored, moved on to {value} (caches start afresh)"


def register() -> None:
    keep_through_restore(KEEPER, save=save, put_back=put_back)
