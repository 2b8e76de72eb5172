"""Staff upload photos on the asset's admin page, through the panel's endpoints, with real
files made by Pillow; the customer sees them on the asset page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from midas.catalog.models import AssetImage
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset():
    return make_asset("cars", slug="bugatti-chiron", name="Bugatti Chiron")


def url(asset, action: str = "list", photo=None) -> str:
    args = [asset.pk] if photo is None else [asset.pk, photo]
    return reverse(f"catalog-photos:{action}", args=args)


def upload(client, asset, data: bytes, name: str = "front.jpg", mime: str = "image/jpeg"):
    return client.post(url(asset, "upload"), {"file": SimpleUploadedFile(name, data, mime)})


def test_the_change_page_has_the_panel(admin_client, asset):
    page = admin_client.get(reverse("admin:catalog_asset_change", args=[asset.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Drop photos here" in html
    assert f'data-photos-url="{url(asset)}"' in html
    assert "catalog/photos/admin.js" in html and "catalog/photos/admin.css" in html
    # the asset form still saves with the panel on it (its management form has no forms)
    assert 'name="photos-TOTAL_FORMS"' in html


def test_staff_upload_describe_reorder_and_the_page_shows_them(admin_client, client, asset):
    first = upload(admin_client, asset, picture(2400, 1600), "side.jpg")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["photo"]["published"] is False  # no alt text yet
    second = upload(admin_client, asset, picture(1600, 1200, "PNG"), "cabin.png", "image/png")
    ids = [p["id"] for p in second.json()["photos"]]
    assert len(ids) == 2

    # not shown until described: the drawing is still what customers see
    assert "cars-1.svg" in client.get(asset.get_absolute_url()).content.decode()

    for pk, alt in zip(ids, ["Chiron from the side", "The cabin"], strict=True):
        answer = admin_client.post(
            url(asset, "alt", pk), {"alt": alt}, content_type="application/json"
        )
        assert answer.json()["photo"]["published"] is True
    cover = admin_client.post(url(asset, "cover", ids[1]), content_type="application/json")
    assert [p["id"] for p in cover.json()["photos"]] == [ids[1], ids[0]]

    html = client.get(asset.get_absolute_url()).content.decode()
    assert "cars-1.svg" not in html  # photos replace the drawings
    assert html.index('alt="The cabin"') < html.index('alt="Chiron from the side"')

    back = admin_client.post(url(asset, "order"), {"order": ids}, content_type="application/json")
    assert [p["id"] for p in back.json()["photos"]] == ids
    html = client.get(asset.get_absolute_url()).content.decode()
    assert html.index('alt="Chiron from the side"') < html.index('alt="The cabin"')

    gone = admin_client.post(url(asset, "delete", ids[0]), content_type="application/json")
    assert [p["id"] for p in gone.json()["photos"]] == [ids[1]]


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"MZ\x90\x00 not a photo", "setup.exe", 422, "photo_not_an_image"),
        (picture(300, 200, "GIF"), "anim.gif", 415, "photo_unsupported_format"),
    ],
)
def test_bad_uploads_get_a_clear_error_and_nothing_written(
    admin_client, asset, photos_dir, data, name, status, code
):
    answer = upload(admin_client, asset, data, name, "application/octet-stream")
    assert answer.status_code == status
    assert answer.json()["code"] == code and answer.json()["message"]
    assert not AssetImage.objects.exclude(original="").exists()
    assert not photos_dir.exists() or not any(photos_dir.rglob("*.*"))


def test_a_file_over_the_limit_is_refused_before_it_is_read(admin_client, asset, settings):
    settings.PHOTO_MAX_BYTES = 10_000
    answer = upload(admin_client, asset, picture(1600, 1200, "PNG") + b"\0" * 20_000)
    assert answer.status_code == 413
    assert answer.json()["code"] == "photo_too_large"
    assert "limit" in answer.json()["message"]


def test_alt_text_cannot_be_emptied(admin_client, asset):
    pk = upload(admin_client, asset, picture(900, 600)).json()["photo"]["id"]
    answer = admin_client.post(url(asset, "alt", pk), {"alt": " "}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {
        "code": "invalid_input",
        "message": "Describe the photo for people who cannot see it (alt text).",
        "field": "alt",
    }


def test_only_staff_who_may_change_assets(client, asset):
    assert upload(client, asset, picture(900, 600)).status_code == 302  # to the admin login
    client.force_login(make_staff())  # staff without the catalogue permission
    answer = upload(client, asset, picture(900, 600))
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert not AssetImage.objects.exclude(original="").exists()


def test_another_assets_photo_is_not_found(admin_client, asset):
    other = make_asset("cars")
    pk = upload(admin_client, other, picture(900, 600)).json()["photo"]["id"]
    answer = admin_client.post(url(asset, "delete", pk), content_type="application/json")
    assert answer.status_code == 404
    assert AssetImage.objects.filter(pk=pk).exists()
