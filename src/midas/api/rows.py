"""The asset list answered from rows serialised once per catalogue version.

``GET /api/v1/assets`` is the catalogue search (``selectors.catalogue_assets``) with each
asset shown as ``AssetSummaryOut``. Validating ~50 assets through pydantic and encoding
them on every request cost most of its time, so each asset's JSON text is made once per
catalogue version, display currency and origin (scheme and host: image URLs are absolute)
and kept in this process (``selectors.api_memo``); a request reads the version, finds
its assets (the catalogue half kept per version too, availability always asked afresh) and
joins the texts of its page. The texts are what the schema path makes (the schema validates
and dumps each asset, ninja's JSON renderer encodes it), so the answer is byte for byte the
one ``@paginate`` with ``response=list[AssetSummaryOut]`` gives; the OpenAPI document still
declares that schema (``paginate_rows`` contributes the same parameters and answer).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial, wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.pagination import PaginationBase, make_response_paginated
from ninja.renderers import JSONRenderer
from ninja.utils import contribute_operation_args, contribute_operation_callback

from midas.api import selectors
from midas.api.schemas import AssetSummaryOut
from midas.catalog.display_prices import DEFAULT_CURRENCY
from midas.catalog.models import Asset
from midas.catalog.selectors import request_catalog_version

CONTENT_TYPE = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}"
ITEM_SEPARATOR = b", "  # json.dumps's, as ninja's renderer writes a list


def encode(data: Any) -> bytes:
    """What ninja's ``JSONRenderer`` writes for ``data``."""
    return json.dumps(
        data, cls=JSONRenderer.encoder_class, **JSONRenderer.json_dumps_params
    ).encode()


def asset_text(asset: Asset, request: HttpRequest) -> bytes:
    """One asset as ``AssetSummaryOut`` in JSON, as ninja's response path makes it."""
    context = {"request": request, "response_status": 200}
    return encode(AssetSummaryOut.model_validate(asset, context=context).model_dump())


def asset_rows(request: HttpRequest, **filters: Any) -> list[bytes]:
    """The JSON text of each asset ``GET /assets`` finds for ``filters``, in order: the
    version read once, the slugs, the catalogue half and the texts kept per version, only
    availability (with dates) asked of the database."""
    version = request_catalog_version(request)
    found = selectors.catalogue_assets(**filters, version=version)
    # An asset's text depends on the asset (its version), the display currency (its
    # approximate day price) and the origin (its image's absolute URL), not on the search
    # that found it: one table for them, filled as assets are met (a race only makes the
    # same text twice); never more than the catalogue's assets.
    origin = request.build_absolute_uri("/")
    currency = filters.get("currency", DEFAULT_CURRENCY)
    texts: dict[int, bytes] = selectors.api_memo.get(version, ("texts", origin, currency), dict)
    rows = []
    for asset in found:
        text = texts.get(asset.pk)
        if text is None:
            text = texts[asset.pk] = asset_text(asset, request)
        rows.append(text)
    return rows


def paginate_rows(paginator_class: type[PaginationBase]) -> Callable[..., Any]:
    """``ninja.pagination.paginate`` for a view that returns its items already serialised
    (a sequence of JSON texts, ``bytes``): the same ``limit``/``offset`` parameters and the
    same declared answer (``Paged<Item>``: ``items`` and ``count``) in the OpenAPI document,
    and the page joined into ``{"items": [...], "count": N}`` as ninja's renderer writes it,
    without validating the items again."""
    paginator = paginator_class()

    def decorate(view: Callable[..., Sequence[bytes]]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def paged(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            pagination: Any = kwargs.pop("ninja_pagination", None) or paginator.Input()
            rows = view(request, **kwargs)
            offset, limit = pagination.offset, pagination.limit
            body = b"".join(
                (
                    b'{"items": [',
                    ITEM_SEPARATOR.join(rows[offset : offset + limit]),
                    b'], "count": ',
                    str(len(rows)).encode(),
                    b"}",
                )
            )
            return HttpResponse(body, content_type=CONTENT_TYPE)

        contribute_operation_args(paged, "ninja_pagination", paginator.Input, paginator.InputSource)
        contribute_operation_callback(paged, partial(make_response_paginated, paginator))
        paged._ninja_is_paginated = True  # type: ignore[attr-defined]
        return paged

    return decorate
