"""Catalogue writes shared by every write path.

``catalog_version_bump`` is called by each write that changes the catalogue's contents (the
catalogue admin, the inventory import, photos, reviews), ``calendar_version_bump`` by each
that changes a calendar (``reserve``, ``move``, ``release``, a booking), inside the write's
own transaction: the page cache keys on both versions, so the first request after the commit
renders afresh in every process (docs/explanation/page-cache.md).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from midas.catalog.models import CatalogVersion


def catalog_version_bump() -> None:
    """Move the catalogue's contents version on, in the caller's transaction (one
    ``UPDATE``): every cached page and every per-process catalogue read starts afresh."""
    _bump(CatalogVersion.ROW)


def calendar_version_bump() -> None:
    """Move the calendars' version on, in the caller's transaction (one ``UPDATE``): a
    reservation made, moved or released. Cached pages start afresh (the asset page shows its
    calendar); the per-process catalogue reads, which hold no availability, stay."""
    _bump(CatalogVersion.CALENDAR_ROW)


def _bump(row: int) -> None:
    rows = CatalogVersion.objects.filter(pk=row)
    if rows.update(value=F("value") + 1):
        return
    # A fresh or flushed database: the first bump makes the row (or, if a concurrent first
    # bump made it in between, moves it on).
    with transaction.atomic():
        _, created = CatalogVersion.objects.get_or_create(pk=row, defaults={"value": 1})
    if not created:
        rows.update(value=F("value") + 1)
