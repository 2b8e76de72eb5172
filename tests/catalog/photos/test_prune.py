from __future__ import annotations

import datetime as dt

import pytest

from midas.catalog.photos.services import photo_files_prune, photo_upload
from midas.catalog.photos.storage import photo_storage
from midas.jobs.schedule import discover
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_files_of_a_deleted_asset_are_pruned_and_used_or_new_ones_kept(photos_dir):
    kept = photo_upload(asset=make_asset("cars"), data=picture(900, 600), alt="Kept")
    gone_asset = make_asset("cars")
    gone = photo_upload(asset=gone_asset, data=picture(901, 600), alt="Gone")
    gone_asset.delete()  # the rows go with the asset; the files stay behind
    written = photo_storage().get_modified_time(gone.original.name)

    # within the hour an upload may still be saving its row: nothing is touched
    assert photo_files_prune(now=written + dt.timedelta(minutes=30)) == []
    removed = photo_files_prune(now=written + dt.timedelta(hours=2))
    assert set(removed) == {gone.original.name, *(v["name"] for v in gone.variants)}
    assert files(photos_dir) == {kept.original.name, *(v["name"] for v in kept.variants)}


def test_an_empty_storage_prunes_nothing():
    assert photo_files_prune(now=dt.datetime(2027, 1, 4, tzinfo=dt.UTC)) == []


def test_the_job_runs_daily():
    assert discover()["prune_photo_files"].every == dt.timedelta(hours=24)
