"""What a customer's browser gets: <picture> markup, the variant files and their caching."""

from __future__ import annotations

import re

import pytest

from midas.catalog.photos.services import photo_set_alt, photo_upload
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset, make_category, make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset():
    dc = make_location(slug="washington-dc", city="Washington")
    for slug in ("cars", "yachts", "jets", "villas"):
        make_category(slug)
    return make_asset("cars", dc, slug="chiron", name="Bugatti Chiron", is_featured=True)


@pytest.fixture
def photos(asset):
    return [
        photo_upload(asset=asset, data=picture(2400, 1600), alt="Chiron, front three-quarter"),
        photo_upload(asset=asset, data=picture(1200, 800, "PNG"), alt="Chiron, cabin"),
        photo_upload(asset=asset, data=picture(700, 500), alt="Chiron, wheel"),
    ]


def tags(html: str, name: str) -> list[str]:
    return re.findall(rf"<{name}\b[^>]*>", html)


def attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def gallery(html: str) -> str:
    return html[
        html.index('<section class="gallery"') : html.index(
            "</section>", html.index('<section class="gallery"')
        )
    ]


def test_the_asset_page_shows_the_photos_as_responsive_pictures(client, asset, photos):
    html = gallery(client.get(asset.get_absolute_url()).content.decode())
    imgs = tags(html, "img")
    assert [attr(i, "alt") for i in imgs] == [p.alt for p in photos]
    lead, *rest = imgs
    # the largest paint: fetched first, never lazy, exact size
    assert 'fetchpriority="high"' in lead and "loading=" not in lead
    assert (attr(lead, "width"), attr(lead, "height")) == ("2000", "1333")
    assert attr(lead, "src").endswith("-2000.jpg")
    assert attr(lead, "srcset").count("w,") == 4  # 5 JPEG widths
    assert attr(lead, "sizes") == "(min-width: 960px) 48rem, 88vw"
    for img in rest:  # below the fold: lazy, with their own exact sizes and a placeholder
        assert 'loading="lazy"' in img and "fetchpriority" not in img
        assert attr(img, "data-placeholder").startswith("data:image/webp;base64,")
    assert (attr(rest[1], "width"), attr(rest[1], "height")) == ("700", "500")  # not upscaled
    sources = tags(html, "source")
    assert len(sources) == 3 and all(attr(s, "type") == "image/avif" for s in sources)
    assert "/media/photos/v/" in attr(sources[0], "srcset")
    assert attr(sources[0], "srcset").endswith(" 2000w")
    # the gallery can be reached with the keyboard (it scrolls sideways on a phone)
    assert 'tabindex="0"' in tags(html, "ul")[0]
    assert "3 images of the car" in tags(html, "ul")[0]


def test_cards_and_the_home_page_use_the_cover(client, asset, photos):
    listing = client.get("/collection/cars/").content.decode()
    card = listing[listing.index('<article class="card">') :]
    first = tags(card, "img")[0]
    assert attr(first, "alt") == ""  # the card's link names the asset
    assert 'loading="lazy"' in first and photos[0].variants[-1]["name"] in first
    home = client.get("/").content.decode()
    hero = home[home.index('<figure class="hero-figure">') :]
    assert 'fetchpriority="high"' in tags(hero, "img")[0]
    assert attr(tags(hero, "img")[0], "alt") == "Chiron, front three-quarter"
    tiles = home[home.index('class="tile') :]
    tile = tags(tiles, "img")[0]  # the cars tile shows the dearest featured car's cover
    assert photos[0].variants[-1]["name"] in attr(tile, "srcset")
    assert 'loading="lazy"' in tile and (attr(tile, "width"), attr(tile, "height")) == (
        "2000",
        "1333",
    )
    og = re.search(r'<meta property="og:image" content="([^"]+)"', home).group(1)
    assert og.endswith("-2000.jpg")


def test_the_api_gives_the_photo(client, asset, photos):
    body = client.get(f"/api/v1/assets/{asset.slug}").json()
    assert [i["alt"] for i in body["images"]] == [p.alt for p in photos]
    first = body["images"][0]
    assert first["url"].startswith("http://testserver/media/photos/v/")
    assert (first["width"], first["height"]) == (2000, 1333)
    listed = client.get("/api/v1/assets").json()["items"][0]
    assert listed["image"]["url"] == first["url"]


def test_an_upload_changes_the_cached_page(client, asset):
    assert "cars-1.svg" in client.get(asset.get_absolute_url()).content.decode()
    photo = photo_upload(asset=asset, data=picture(900, 600))
    # cached, and the photo has no alt text: still the drawing
    assert "cars-1.svg" in client.get(asset.get_absolute_url()).content.decode()
    photo_set_alt(photo=photo, alt="Chiron at dusk")
    html = client.get(asset.get_absolute_url()).content.decode()
    assert 'alt="Chiron at dusk"' in html and "cars-1.svg" not in gallery(html)


def test_photos_cost_no_extra_query(client, asset, photos, django_assert_max_num_queries):
    for n in range(6):
        other = make_asset("cars", asset.home_location, name=f"Other {n}")
        photo_upload(asset=other, data=picture(640 + n, 480), alt=f"Other {n}")
    # as without photos (tests/web/test_collection.py, test_pages.py)
    with django_assert_max_num_queries(6):
        assert client.get("/collection/cars/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


def test_variants_are_served_with_a_years_immutable_cache(client, photos, photos_dir):
    name = photos[0].variants[0]["name"]
    answer = client.get(f"/media/photos/{name}")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/avif"
    assert answer["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(answer.streaming_content) == (photos_dir / name).read_bytes()
    jpeg = client.get(f"/media/photos/{photos[0].variants[1]['name']}")
    assert jpeg["Content-Type"] == "image/jpeg"


def test_originals_and_other_names_are_not_served(client, photos):
    assert client.get(f"/media/photos/{photos[0].original.name}").status_code == 404
    assert client.get("/media/photos/v/../originals/x.jpg").status_code == 404
    assert client.get("/media/photos/v/0123456789abcdef0123-480.avif").status_code == 404
    assert client.post(f"/media/photos/{photos[0].variants[0]['name']}").status_code == 405
