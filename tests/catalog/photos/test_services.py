from __future__ import annotations

import pytest
from PIL import Image

from midas.catalog.models import AssetImage, CatalogVersion
from midas.catalog.photos.services import (
    photo_delete,
    photo_make_cover,
    photo_set_alt,
    photo_upload,
    photos_reorder,
)
from midas.errors import AppError, ErrorCode
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def version() -> int:
    row = CatalogVersion.objects.filter(pk=CatalogVersion.ROW).first()
    return row.value if row else 0


def test_an_upload_stores_the_original_and_its_variants(photos_dir):
    asset = make_asset("cars")
    before = version()
    photo = photo_upload(asset=asset, data=picture(3000, 2000), filename="front.jpg", alt="Front")
    assert photo.is_photo and photo.alt == "Front"
    assert (photo.width, photo.height) == (2000, 1333)
    assert (photos_dir / photo.original.name).read_bytes()[:2] == b"\xff\xd8"
    for variant in photo.variants:
        assert (photos_dir / variant["name"]).exists()
    assert photo.placeholder.startswith("data:image/webp;base64,")
    assert version() > before  # cached pages show it on the next request
    # after the drawing the factory made, so the drawing keeps its place
    assert photo.position == 1


def test_the_gallery_shows_published_photos_cover_first_else_the_drawings():
    asset = make_asset("cars")
    drawing = asset.images.get()
    assert asset.gallery == [drawing]
    first = photo_upload(asset=asset, data=picture(900, 600), alt="Side")
    hidden = photo_upload(asset=asset, data=picture(901, 600))  # no alt text yet
    asset.refresh_from_db()
    assert [i.pk for i in asset.gallery] == [first.pk]  # without alt: not published
    photo_set_alt(photo=hidden, alt="  Cabin,   stitched   leather ")
    assert AssetImage.objects.get(pk=hidden.pk).alt == "Cabin, stitched leather"
    photo_make_cover(photo=hidden)
    asset = type(asset).objects.get(pk=asset.pk)
    assert [i.pk for i in asset.gallery] == [hidden.pk, first.pk]


def test_reorder_needs_every_photo_once():
    asset = make_asset("cars")
    a = photo_upload(asset=asset, data=picture(800, 600), alt="A")
    b = photo_upload(asset=asset, data=picture(801, 600), alt="B")
    c = photo_upload(asset=asset, data=picture(802, 600), alt="C")
    photos_reorder(asset=asset, order=[c.pk, a.pk, b.pk])
    asset = type(asset).objects.get(pk=asset.pk)
    assert [i.alt for i in asset.gallery] == ["C", "A", "B"]
    for bad in ([c.pk, a.pk], [c.pk, a.pk, b.pk, b.pk], [a.pk, b.pk, asset.images.first().pk]):
        with pytest.raises(AppError) as caught:
            photos_reorder(asset=asset, order=bad)
        assert caught.value.code == ErrorCode.INVALID_INPUT


def test_alt_text_is_required_to_publish():
    photo = photo_upload(asset=make_asset("cars"), data=picture(800, 600))
    with pytest.raises(AppError) as caught:
        photo_set_alt(photo=photo, alt="   ")
    assert caught.value.field == "alt"
    with pytest.raises(AppError):
        photo_set_alt(photo=photo, alt="x" * 201)


def test_delete_removes_the_files_unless_another_asset_uses_the_same_photo(photos_dir):
    data = picture(1000, 700)
    one = photo_upload(asset=make_asset("cars"), data=data, alt="One")
    two = photo_upload(asset=make_asset("cars"), data=data, alt="Two")
    assert one.original.name == two.original.name  # the same bytes: stored once
    photo_delete(photo=one)
    assert (photos_dir / two.original.name).exists()
    photo_delete(photo=two)
    assert not (photos_dir / two.original.name).exists()
    assert not any((photos_dir / "v").iterdir())


def test_the_same_photo_twice_on_one_asset_is_refused():
    asset = make_asset("cars")
    data = picture(1000, 700)
    photo_upload(asset=asset, data=data, alt="One")
    with pytest.raises(AppError) as caught:
        photo_upload(asset=asset, data=data, filename="again.jpg")
    assert "already" in caught.value.message
    assert asset.images.count() == 2  # the drawing and the first upload


def test_a_failed_save_leaves_no_file(photos_dir, monkeypatch):
    from midas.catalog.photos import services

    def broken() -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "catalog_version_bump", broken)
    asset = make_asset("cars")
    with pytest.raises(RuntimeError):
        photo_upload(asset=asset, data=picture(900, 600), alt="Lost")
    assert not AssetImage.objects.exclude(original="").exists()
    assert [p for p in photos_dir.rglob("*") if p.is_file()] == []


def test_variants_are_upright_and_carry_no_metadata(photos_dir):
    # a portrait taken with the camera on its side: stored 1200x900, EXIF says rotate 90°
    photo = photo_upload(
        asset=make_asset("cars"), data=picture(1200, 900, orientation=6), alt="Portrait"
    )
    assert (photo.width, photo.height) == (900, 1200)
    for variant in photo.variants:
        with Image.open(photos_dir / variant["name"]) as image:
            assert image.size == (variant["width"], variant["height"])
            assert not image.getexif()
            assert "icc_profile" not in image.info
            # the light band was on the left; turned 90° clockwise it is at the top
            assert image.convert("RGB").getpixel((image.width // 2, 2))[1] > 200
