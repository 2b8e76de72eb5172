"""Writes to an asset's photos: upload, alt text, order, cover, delete.

Each one moves the catalogue version on in its own transaction, so the cached pages show
the change on the next request (docs/explanation/page-cache.md), and logs an audit event.
The cover is the first photo in ``position`` order.

An upload is processed in the request, synchronously: about 1-2 s for a 12-megapixel photo
(docs/how-to/photos.md), and the admin sends one request per file. The files are written
before the row; if the row cannot be saved they are removed again, and a bad file is refused
before anything is written. Files left without a row (an asset deleted with its photos) are
removed by the daily ``prune_photo_files`` job (``catalog.tasks``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from midas.catalog.models import Asset, AssetImage
from midas.catalog.photos.storage import ORIGINALS, VARIANTS, photo_storage
from midas.catalog.photos.variants import make_variants
from midas.catalog.services import catalog_version_bump
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode

ALT_MAX = 200  # AssetImage.alt's max_length
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WebP": "webp", "AVIF": "avif"}
PRUNE_AFTER = dt.timedelta(hours=1)  # an upload's files are older than its row by seconds


def photo_upload(
    *, asset: Asset, data: bytes, filename: str = "", alt: str = "", actor: object = None
) -> AssetImage:
    """Add the photo in ``data`` as the last of ``asset``'s photos. Without ``alt`` it is
    kept but not shown until alt text is given (``photo_set_alt``)."""
    alt = clean_alt(alt, required=False)
    processed = make_variants(data)  # AppError for a bad file, before any write
    original = f"{ORIGINALS}{processed.digest}.{EXTENSIONS[processed.source_format]}"
    if AssetImage.objects.filter(asset=asset, original=original).exists():
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"{filename or 'This photo'} is already in this asset's photos.",
            field="file",
        )
    storage = photo_storage()
    written = [
        name
        for name, content in [(original, data), *((v.name, v.data) for v in processed.variants)]
        if write_once(name, content)
    ]
    try:
        with transaction.atomic():
            last = AssetImage.objects.filter(asset=asset).aggregate(Max("position"))
            photo = AssetImage.objects.create(
                asset=asset,
                alt=alt,
                original=original,
                variants=[v.as_dict() for v in processed.variants],
                placeholder=processed.placeholder,
                width=processed.width,
                height=processed.height,
                position=(last["position__max"] + 1) if last["position__max"] is not None else 0,
            )
            catalog_version_bump()
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    audit(
        "catalog.photo.uploaded",
        actor=actor,
        obj=photo,
        asset=asset.slug,
        file=PurePosixPath(filename).name[:80],
        variants=len(processed.variants),
    )
    return photo


def write_once(name: str, content: bytes) -> bool:
    """Store ``content`` under ``name`` unless it is there already (names are derived from
    the content); True when written now."""
    storage = photo_storage()
    if storage.exists(name):
        return False
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # the storage chose another name: never expected with these names
        storage.delete(saved)
        raise RuntimeError(f"photo storage renamed {name} to {saved}")
    return True


def clean_alt(alt: str, *, required: bool) -> str:
    alt = " ".join((alt or "").split())
    if required and not alt:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "Describe the photo for people who cannot see it (alt text).",
            field="alt",
        )
    if len(alt) > ALT_MAX:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"Keep the alt text under {ALT_MAX} characters.", field="alt"
        )
    return alt


@transaction.atomic
def photo_set_alt(*, photo: AssetImage, alt: str, actor: object = None) -> AssetImage:
    """Set the alt text that publishes the photo (an empty one is refused)."""
    photo.alt = clean_alt(alt, required=True)
    photo.save(update_fields=["alt"])
    catalog_version_bump()
    audit("catalog.photo.described", actor=actor, obj=photo)
    return photo


@transaction.atomic
def photos_reorder(*, asset: Asset, order: list[int], actor: object = None) -> list[AssetImage]:
    """Put ``asset``'s photos in ``order`` (their ids, each exactly once): the first is the
    cover. Drawings keep their places after the photos."""
    photos = {p.pk: p for p in AssetImage.objects.select_for_update().filter(asset=asset)}
    photo_ids = {pk for pk, p in photos.items() if p.is_photo}
    if sorted(order) != sorted(photo_ids) or len(set(order)) != len(order):
        raise AppError(
            ErrorCode.INVALID_INPUT, "Give every photo of this asset once.", field="order"
        )
    for position, pk in enumerate(order):
        photos[pk].position = position
    AssetImage.objects.bulk_update([photos[pk] for pk in order], ["position"])
    catalog_version_bump()
    audit("catalog.photo.reordered", actor=actor, obj=asset, order=order)
    return [photos[pk] for pk in order]


def photo_make_cover(*, photo: AssetImage, actor: object = None) -> list[AssetImage]:
    """Make ``photo`` the first of its asset's photos."""
    order = list(
        AssetImage.objects.filter(asset_id=photo.asset_id)
        .exclude(original="")
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    order.remove(photo.pk)
    return photos_reorder(asset=photo.asset, order=[photo.pk, *order], actor=actor)


def photo_delete(*, photo: AssetImage, actor: object = None) -> None:
    """Delete the photo's row, then its files unless another row uses the same photo."""
    name = photo.original.name
    variants = [v["name"] for v in photo.variants]
    pk = photo.pk
    with transaction.atomic():
        photo.delete()
        catalog_version_bump()
    if not AssetImage.objects.filter(original=name).exists():
        storage = photo_storage()
        for each in [name, *variants]:
            storage.delete(each)
    audit("catalog.photo.deleted", actor=actor, obj=("catalog.assetimage", pk))


def photo_files_prune(*, now: dt.datetime, older_than: dt.timedelta = PRUNE_AFTER) -> list[str]:
    """Delete the stored files no row uses any more (an asset deleted with its photos, an
    upload whose row was never saved), if older than ``older_than`` so an upload in flight
    (files written, row not yet committed) keeps its own. Returns the names deleted."""
    storage = photo_storage()
    used: set[str] = set()
    rows = AssetImage.objects.exclude(original="").values_list("original", "variants")
    for original, variants in rows.iterator():
        used.add(original)
        used.update(v["name"] for v in variants)
    cutoff = now - older_than
    removed: list[str] = []
    for folder in (ORIGINALS, VARIANTS):
        try:
            _, files = storage.listdir(folder.rstrip("/"))
        except FileNotFoundError:
            continue
        for file in files:
            name = folder + file
            if name not in used and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                removed.append(name)
    if removed:
        audit("catalog.photo.files_pruned", actor=None, files=len(removed))
    return removed
