from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def meta(html: str, name: str) -> str:
    match = re.search(rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', html)
    assert match, f"no {name} meta tag"
    return match.group(1)


def assert_seo(html: str, title_part: str) -> None:
    title = re.search(r"<title>([^<]+)</title>", html).group(1)
    assert title_part in title
    assert "Midas The Lifestyle" in title
    assert len(meta(html, "description")) > 40
    assert meta(html, "og:title")
    assert meta(html, "og:description")
    assert meta(html, "og:image").startswith("https://midas.example/")
    assert meta(html, "og:url").startswith("https://midas.example/")
    assert meta(html, "twitter:card") == "summary_large_image"
    assert re.search(r'<link rel="canonical" href="https://midas.example/[^"]*">', html)


def test_home_shows_hero_categories_featured_cities_and_promise(client, car, dubai):
    html = client.get("/").content.decode()
    assert_seo(html, "Midas The Lifestyle")
    assert "extraordinary" in html
    for name in ("Cars", "Yachts", "Private jets", "Villas"):
        assert name in html
    assert "Rolls-Royce Cullinan" in html  # featured
    assert "USD 1,500" in html
    assert "Dubai" in html and "Washington DC" in html
    assert "Our promise" in html
    assert 'href="#main"' in html  # skip link
    assert '<main id="main"' in html


def test_home_works_on_an_empty_catalogue(client):
    response = client.get("/")
    assert response.status_code == 200
    assert meta(response.content.decode(), "og:image").endswith("og-default.jpg")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("web:about", "About Midas"),
        ("web:contact", "Contact the concierge"),
        ("web:faq", "Questions and answers"),
        ("web:terms", "Rental terms"),
        ("web:collection", "The collection"),
    ],
)
def test_static_pages(client, name, title, categories):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_seo(response.content.decode(), title)


def test_contact_page_gives_concierge_details(client):
    html = client.get(reverse("web:contact")).content.decode()
    assert "mailto:" in html and "tel:" in html


def test_header_and_footer_link_categories_and_cities(client, car, dubai):
    html = client.get(reverse("web:about")).content.decode()
    assert 'href="/collection/cars/"' in html
    assert 'href="/collection/?city=dubai"' in html
    assert 'href="/collection/?city=washington-dc"' in html
    assert 'href="/terms/"' in html


def test_unknown_category_and_asset_are_branded_404s(client, categories):
    for url in ("/collection/boats/", "/assets/no-such-thing/", "/nowhere/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "This page has moved on" in response.content.decode()


def test_inactive_asset_is_404(client, washington, categories):
    asset = make_asset("cars", washington, is_active=False)
    assert client.get(asset.get_absolute_url()).status_code == 404


def test_500_template_stands_alone():
    html = render_to_string("500.html")
    assert "A moment, please" in html
    assert "{%" not in html


def test_sitemap_lists_pages_categories_and_active_assets(client, car, washington):
    hidden = make_asset("cars", washington, is_active=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "<loc>https://midas.example/</loc>" in xml
    assert "<loc>https://midas.example/faq/</loc>" in xml
    assert "<loc>https://midas.example/collection/cars/</loc>" in xml
    assert f"<loc>https://midas.example{car.get_absolute_url()}</loc>" in xml
    assert hidden.get_absolute_url() not in xml


def test_robots_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: https://midas.example/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_pages_refuse_post(client):
    assert client.post("/").status_code == 405


def test_home_query_count_is_bounded(client, django_assert_max_num_queries, dubai, washington):
    for n in range(8):
        make_asset("cars" if n % 2 else "yachts", dubai if n % 3 else washington, is_featured=True)
    # the catalogue version (page cache), featured, their images, categories, cities
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


def test_pages_load_nothing_from_other_hosts(client, car):
    """No CDN, web font or third-party script: every src and stylesheet is on this site."""
    for url in ("/", "/collection/cars/", car.get_absolute_url(), "/contact/"):
        html = client.get(url).content.decode()
        for attr, value in re.findall(r'\b(src|href)="([^"]+)"', html):
            if attr == "href" and value.startswith(("mailto:", "tel:", "https://midas.example")):
                continue
            assert not value.startswith(("http:", "https:", "//")), (url, value)
        assert "@import" not in html and "fonts.g" not in html
