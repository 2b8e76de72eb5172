"""The inventory (midas inventory import/export, the demo) carries the drawings only: an
import that rewrites an asset's images keeps its uploaded photos, and an export leaves them
out (they are files, not rows to type)."""

from __future__ import annotations

import pytest

from midas.catalog.inventory import InventoryError, export_data, import_data
from midas.catalog.photos.services import photo_upload
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def described(data: dict) -> dict:
    """The factories leave descriptions empty; the importer wants them."""
    for section in ("categories", "assets"):
        for row in data[section]:
            row["description"] = row.get("description") or "Described."
    return data


def test_an_import_keeps_the_photos_and_an_export_leaves_them_out(photos_dir):
    asset = make_asset("cars", slug="chiron")
    photo = photo_upload(asset=asset, data=picture(900, 600), alt="Chiron")
    data = export_data()
    row = next(a for a in data["assets"] if a["slug"] == "chiron")
    assert row["images"] == [
        {"src": "midas/art/cars-1.svg", "alt": asset.name, "width": 1200, "height": 800}
    ]
    row["images"] = [
        {"src": "midas/art/cars-2.svg", "alt": "Drawing", "width": 1200, "height": 800}
    ]
    import_data(described(data))
    images = list(asset.images.order_by("id"))
    assert [(i.src, i.is_photo) for i in images] == [("", True), ("midas/art/cars-2.svg", False)]
    assert (photos_dir / photo.original.name).exists()
    asset.refresh_from_db()
    assert [i.alt for i in type(asset).objects.get(pk=asset.pk).gallery] == ["Chiron"]


def test_an_inventory_image_needs_its_src_and_alt():
    asset = make_asset("cars", slug="chiron")
    data = export_data()
    row = next(a for a in data["assets"] if a["slug"] == asset.slug)
    row["images"] = [{"src": "", "alt": "", "width": 1200, "height": 800}]
    with pytest.raises(InventoryError) as caught:
        import_data(described(data))
    assert any("images[0]: src: required" in p for p in caught.value.problems)
    assert any("images[0]: alt: required" in p for p in caught.value.problems)
