"""``{% picture image sizes="..." priority=True %}``: one image of an asset as a page shows it.

A photo becomes ``<picture>`` with an AVIF ``<source>`` and a JPEG ``<img>``, each with its
``srcset`` and the given ``sizes``; a drawing stays a plain ``<img>``. Either way the
``<img>`` carries its exact ``width``/``height`` (no layout shift) and is lazy unless it is
the ``priority`` one (the page's largest paint: ``fetchpriority="high"``, never lazy).
``alt=""`` marks a decorative copy (a card, whose link names the asset).
"""

from __future__ import annotations

from typing import Any

from django import template

from midas.catalog.models import AssetImage
from midas.catalog.photos.display import FALLBACK, sources, srcset

register = template.Library()

SIZES = {  # the width each place shows an image at, per the stylesheet's breakpoints
    "card": "(min-width: 1100px) 24rem, (min-width: 640px) 50vw, 100vw",
    "lead": "(min-width: 960px) 48rem, 88vw",
    "thumb": "(min-width: 960px) 24rem, 88vw",
    "hero": "(min-width: 960px) 36rem, 100vw",
}


@register.inclusion_tag("catalog/photos/picture.html")
def picture(
    image: AssetImage, sizes: str = "card", priority: bool = False, alt: str | None = None
) -> dict[str, Any]:
    return {
        "image": image,
        "alt": image.alt if alt is None else alt,
        "priority": priority,
        "sizes": SIZES.get(sizes, sizes),
        "sources": sources(image) if image.is_photo else [],
        "srcset": srcset(image, FALLBACK) if image.is_photo else "",
    }
