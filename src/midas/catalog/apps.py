from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def repair_search_index(using: str = "default", **kwargs: Any) -> None:
    """SQLite drops a table's triggers when a migration rebuilds it: put the text search's
    back after every migrate (``midas.catalog.search_index``)."""
    from django.db import connections

    from midas.catalog.search_index import ensure_sqlite_index

    ensure_sqlite_index(connections[using])


class CatalogConfig(AppConfig):
    name = "midas.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        post_migrate.connect(repair_search_index, sender=self, dispatch_uid="catalog-search")
        from midas.catalog import keep

        keep.register()  # the catalogue version moves on through a restore (keep.py)
