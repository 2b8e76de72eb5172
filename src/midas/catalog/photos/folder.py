"""Photos from a folder, matched to assets by file name: ``midas demo photos DIR``.

``bugatti-chiron.jpg``, ``bugatti-chiron-2.jpg`` and ``bugatti-chiron_3.png`` all go to the
asset whose slug is ``bugatti-chiron`` (the longest slug that the name starts with, followed
by nothing or by a separator and a number), in name order, the first one the cover if the
asset had no photo. Each is published with the asset's name as its alt text (``Bugatti
Chiron``, ``Bugatti Chiron, photo 2``): staff should write better ones. A photo already on
its asset is skipped, so running it twice changes nothing; a file that matches no asset or
is not a picture is reported and the others still load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from midas.catalog.models import Asset
from midas.catalog.photos.services import photo_upload
from midas.errors import AppError, ErrorCode

SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".avif"}
NUMBERED = re.compile(r"^(?:[-_ .]\(?\d+\)?)?$")


@dataclass
class FolderReport:
    loaded: list[tuple[str, str]] = field(default_factory=list)  # (file, asset slug)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def asset_for(stem: str, slugs: list[str]) -> str | None:
    """The slug ``stem`` names: the longest one it starts with, then nothing or a number."""
    stem = stem.lower()
    for slug in slugs:  # longest first
        if stem.startswith(slug) and NUMBERED.match(stem[len(slug) :]):
            return slug
    return None


def natural(path: Path) -> list[str | int]:
    """Sort key: by stem, numbers compared as numbers (``x`` < ``x-2`` < ``x-10``)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.stem)]


def load_folder(directory: Path, *, actor: object = "cli:demo-photos") -> FolderReport:
    if not directory.is_dir():
        raise AppError(ErrorCode.INVALID_INPUT, f"{directory} is not a folder.")
    assets = {a.slug: a for a in Asset.objects.all()}
    slugs = sorted(assets, key=len, reverse=True)
    report = FolderReport()
    files = sorted(
        (p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=natural,  # slug.jpg, slug-2.jpg, ..., slug-10.jpg
    )
    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            report.skipped.append((path.name, "not a JPEG, PNG, WebP or AVIF file name"))
            continue
        slug = asset_for(path.stem, slugs)
        if slug is None:
            report.skipped.append((path.name, "no asset has this slug"))
            continue
        asset = assets[slug]
        count = asset.images.exclude(original="").count()
        alt = asset.name if count == 0 else f"{asset.name}, photo {count + 1}"
        try:
            photo_upload(
                asset=asset, data=path.read_bytes(), filename=path.name, alt=alt, actor=actor
            )
        except AppError as exc:
            report.skipped.append((path.name, exc.message))
            continue
        report.loaded.append((path.name, slug))
    return report
