"""Reviews on an asset's page (behind the ``reviews`` flag): the approved ones, their
average, and the schema.org ``Product`` with its ``AggregateRating`` as JSON-LD.

The JSON-LD is a ``<script type="application/ld+json">`` data block: browsers never run it,
so the strict CSP (no inline script) does not apply to it; its text is escaped so that no
``<``, ``>`` or ``&`` from a comment can close the element (as Django's ``json_script``).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from midas.concierge.selectors import RatingSummary, approved_reviews, rating_summary
from midas.core.urls import absolute_url
from midas.flags.selectors import flag_on

SHOWN = 10
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def asset_reviews(request: HttpRequest, asset: Any, image: str = "") -> dict[str, Any]:
    """The asset page's review context; empty (and no query) while ``reviews`` is off."""
    if not flag_on(request, "reviews"):
        return {}
    summary = rating_summary(asset)
    if not summary.count:
        return {"reviews_on": True, "rating": summary, "reviews": []}
    reviews = approved_reviews(asset, limit=SHOWN)
    return {
        "reviews_on": True,
        "rating": summary,
        "reviews": reviews,
        "rating_ld": json_ld(product_ld(asset, summary, reviews, image)),
    }


def product_ld(
    asset: Any, summary: RatingSummary, reviews: list[Any], image: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": asset.name,
        "url": absolute_url(asset.get_absolute_url()),
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": f"{summary.average:.1f}",
            "reviewCount": summary.count,
            "bestRating": "5",
            "worstRating": "1",
        },
        "review": [
            {
                "@type": "Review",
                "reviewRating": {"@type": "Rating", "ratingValue": str(review.rating)},
                "author": {"@type": "Person", "name": review.display_name},
                "datePublished": review.created_at.date().isoformat(),
                **({"reviewBody": review.comment} if review.comment else {}),
            }
            for review in reviews
        ],
    }
    if asset.summary:
        data["description"] = asset.summary
    if asset.brand:
        data["brand"] = {"@type": "Brand", "name": asset.brand}
    if image:
        data["image"] = image
    return data


def json_ld(data: dict[str, Any]) -> SafeString:
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(JSON_ESCAPES))  # noqa: S308 (escaped)
