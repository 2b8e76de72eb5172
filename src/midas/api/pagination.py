"""``limit``/``offset`` pagination with the API's bounds: ``{"items": [...], "count": N}``.

A limit outside 1..500 or a negative offset is refused (400 ``invalid_input``), never
silently clamped, so a client learns its page size is not what it asked for.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # far past any list, well inside a database integer


class LimitOffset(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | list[Any],
        pagination: Input,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        offset, limit = pagination.offset, pagination.limit
        return {
            "items": queryset[offset : offset + limit],
            "count": self._items_count(queryset),  # type: ignore[arg-type]
        }
