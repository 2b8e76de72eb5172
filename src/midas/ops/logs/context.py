"""What a log line knows about the request it was written in (context variables, so
threads and async tasks each see their own)."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "midas_request_context", default=None
)
FIELDS = ("request_id", "user_id", "method", "route")


class RequestContext(logging.Filter):
    """On a handler: copies request_id, user_id, method and route onto each record (None
    outside a request; a value given in ``extra=`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get() or {}
        for field in FIELDS:
            if not hasattr(record, field):
                setattr(record, field, context.get(field))
        return True
