"""Where photos live: Django's ``photos`` storage (``settings.STORAGES["photos"]``).

The filesystem under ``MEDIA_ROOT/photos`` by default, served by ``views.photo_file``;
an S3-compatible bucket when ``PHOTOS_S3_BUCKET`` is set (django-storages). Originals are
kept under ``originals/`` and never served; variants under ``v/`` with names derived from
the original's content, so a name never changes what it holds and may be cached forever.
"""

from __future__ import annotations

import re

from django.core.files.storage import Storage, storages

ALIAS = "photos"
ORIGINALS = "originals/"
VARIANTS = "v/"
# v/<content hash>-<width>.<format>: the only names the photo view serves
VARIANT_NAME = re.compile(r"^v/[0-9a-f]{20}-\d{1,5}\.(avif|webp|jpg)$")


def photo_storage() -> Storage:
    """The photos storage (a callable, so ``FileField`` and tests read it when used)."""
    return storages[ALIAS]
