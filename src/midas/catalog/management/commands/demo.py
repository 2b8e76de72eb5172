"""``midas demo photos DIR``: load photos from a folder onto the demo assets, matched by file
name to the assets' slugs (``midas.catalog.photos.folder``; docs/how-to/photos.md). The demo
keeps its drawings for every asset without a photo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from midas.catalog.photos.folder import load_folder
from midas.errors import AppError


class Command(BaseCommand):
    help = "Demo data: load photos from a folder onto the assets whose slugs the files name."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        photos = sub.add_parser(
            "photos", help="load DIR/<asset-slug>[-N].jpg|png|webp|avif onto the assets"
        )
        photos.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_folder(options["directory"])
        except AppError as exc:
            raise CommandError(exc.message) from exc
        for name, slug in report.loaded:
            self.stdout.write(f"loaded   {name} -> {slug}")
        for name, why in report.skipped:
            self.stdout.write(f"skipped  {name}: {why}")
        self.stdout.write(
            f"{len(report.loaded)} photo(s) loaded, {len(report.skipped)} skipped. Pages show "
            "them at once; staff can reorder them and improve their alt text in the admin."
        )
