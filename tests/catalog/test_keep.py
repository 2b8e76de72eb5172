"""A restore moves the catalogue version past every value seen, so no cached page or
catalogue read made between the backup and the restore is served for new contents."""

from __future__ import annotations

import pytest
from django.db import close_old_connections
from django.test import override_settings

from midas.backups.services import backup_create, backup_restore
from midas.catalog.selectors import catalog_version
from midas.catalog.services import catalog_version_bump
from tests.factories import make_asset, make_city


@pytest.mark.django_db(transaction=True)
def test_a_restore_moves_the_catalogue_version_past_all_it_had(client, tmp_path):
    car = make_asset("cars", make_city("dubai"), base_rate_minor=1_000_000)
    catalog_version_bump()
    with override_settings(BACKUP_DIR=tmp_path / "backups"):
        backup = backup_create(kind="manual")
        at_backup = catalog_version()
        # after the backup: a price change, shown (and cached) at the next versions
        car.base_rate_minor = 1_500_000
        car.save(update_fields=["base_rate_minor"])
        catalog_version_bump()
        catalog_version_bump()
        before_restore = catalog_version()
        assert "15,000" in client.get(car.get_absolute_url()).content.decode()
        notes: list[str] = []
        backup_restore(backup_id=backup.id, force=True, notes=notes)
        close_old_connections()

    assert catalog_version() == before_restore + 1 > at_backup
    assert any(n.startswith("catalog-version: catalogue version") for n in notes), notes
    assert any("; calendar version" in n for n in notes), notes
    # the restored price is what a customer sees, not the page cached after the backup
    page = client.get(car.get_absolute_url()).content.decode()
    assert "10,000" in page and "15,000" not in page
    # and the next write reaches a value no cache has seen either
    catalog_version_bump()
    assert catalog_version() == before_restore + 2
