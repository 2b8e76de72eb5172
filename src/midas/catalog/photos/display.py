"""What a page needs to show a photo: its URLs, ``srcset`` per format, the fallback.

Reads only the row (``variants`` holds each file's name, format, width and height), so a
page renders its photos without touching the storage or the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from midas.catalog.photos.storage import photo_storage

if TYPE_CHECKING:
    from midas.catalog.models import AssetImage

FALLBACK = "jpg"  # every browser; the modern format comes first in <picture>
MIME = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}


def variant_url(name: str) -> str:
    return photo_storage().url(name)


def of_format(image: AssetImage, fmt: str) -> list[dict[str, Any]]:
    """The variants of ``image`` in ``fmt``, narrowest first."""
    return sorted((v for v in image.variants if v["format"] == fmt), key=lambda v: v["width"])


def srcset(image: AssetImage, fmt: str) -> str:
    return ", ".join(f"{variant_url(v['name'])} {v['width']}w" for v in of_format(image, fmt))


def sources(image: AssetImage) -> list[dict[str, str]]:
    """``<source>`` elements for the formats other than the fallback, best first."""
    formats = sorted({v["format"] for v in image.variants} - {FALLBACK})
    return [{"type": MIME[fmt], "srcset": srcset(image, fmt)} for fmt in formats]


def photo_url(image: AssetImage) -> str:
    """The widest fallback variant: the plain ``src``, the API's URL, ``og:image``."""
    widest = of_format(image, FALLBACK)
    return variant_url(widest[-1]["name"]) if widest else ""
