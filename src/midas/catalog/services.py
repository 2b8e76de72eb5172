"""Catalogue writes shared by every write path.

``catalog_version_bump`` is called by each write that changes what the public pages show
(the catalogue admin, the inventory import, ``reserve`` and ``release``), inside the
write's own transaction: the page cache keys on the version, so the first request after the
commit renders afresh in every process (docs/explanation/page-cache.md).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from midas.catalog.models import CatalogVersion


def catalog_version_bump() -> None:
    """Move the catalogue version on, in the caller's transaction (one ``UPDATE``)."""
    rows = CatalogVersion.objects.filter(pk=CatalogVersion.ROW)
    if rows.update(value=F("value") + 1):
        return
    # A fresh or flushed database: the first bump makes the row (or, if a concurrent first
    # bump made it in between, moves it on).
    with transaction.atomic():
        _, created = CatalogVersion.objects.get_or_create(
            pk=CatalogVersion.ROW, defaults={"value": 1}
        )
    if not created:
        rows.update(value=F("value") + 1)
