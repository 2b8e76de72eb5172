"""Catalogue housekeeping jobs (the worker runs them: ``midas.jobs.schedule``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from midas.catalog.photos.services import photo_files_prune
from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(hours=24), name="prune_photo_files")
@task()
def prune_photo_files() -> int:
    """Delete photo files no row uses any more (an asset deleted with its photos)."""
    return len(photo_files_prune(now=timezone.now()))
