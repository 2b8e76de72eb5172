"""What each page says about itself to browsers, search engines and link previews."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.templatetags.static import static

from midas.core.site import SITE_NAME
from midas.core.urls import absolute_url

DEFAULT_IMAGE = "midas/og-default.jpg"


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str
    path: str  # canonical path, without the query string
    image: str = ""  # a URL; the brand card when empty
    kind: str = "website"  # og:type
    image_alt: str = ""

    @property
    def full_title(self) -> str:
        if self.title == SITE_NAME or self.title.startswith(SITE_NAME):
            return self.title
        return f"{self.title} · {SITE_NAME}"

    @cached_property
    def canonical(self) -> str:
        return absolute_url(self.path)

    @cached_property
    def image_url(self) -> str:
        return absolute_url(self.image or static(DEFAULT_IMAGE))

    @property
    def image_description(self) -> str:
        return self.image_alt or SITE_NAME
