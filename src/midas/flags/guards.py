"""Feature flags at the door of a page or an API operation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from midas.errors import AppError, ErrorCode
from midas.flags.selectors import flag_on

RETRY_AFTER_SECONDS = 300


def flag_require(request: Any, key: str) -> None:
    """Raise ``AppError(feature_disabled)`` (503, with Retry-After as the page's) when
    ``key`` is off for this request."""
    if not flag_on(request, key):
        raise AppError(
            ErrorCode.FEATURE_DISABLED,
            f"{key.replace('_', ' ').capitalize()} is temporarily unavailable. "
            "Please try again a little later.",
            retry_after=RETRY_AFTER_SECONDS,
        )


def flag_page(key: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a page view: when ``key`` is off for this request, a friendly "temporarily
    unavailable" page with status 503 instead of the view."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if flag_on(request, key):
                return view(request, *args, **kwargs)
            response = render(request, "flags/feature_off.html", {"key": key}, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate
