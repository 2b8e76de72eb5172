"""sitemap.xml: the static pages, the categories and every active asset, on SITE_URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from midas.catalog.models import Asset, Category


class SiteSitemap(Sitemap):
    """Absolute URLs on the configured SITE_URL, whatever host the request came in on."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: object = None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class PagesSitemap(SiteSitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return ["web:home", "web:collection", "web:about", "web:contact", "web:faq", "web:terms"]

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item == "web:home" else 0.5


class CategorySitemap(SiteSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> QuerySet[Category]:
        return Category.objects.all()

    def lastmod(self, item: Category) -> object:
        return item.updated_at


class AssetSitemap(SiteSitemap):
    changefreq = "daily"
    priority = 0.7

    def items(self) -> QuerySet[Asset]:
        return Asset.objects.active().order_by("pk")

    def lastmod(self, item: Asset) -> object:
        return item.updated_at


SITEMAPS = {"pages": PagesSitemap, "categories": CategorySitemap, "assets": AssetSitemap}
