"""The JSON API v1: one NinjaAPI, one router module per domain, one error shape."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path
from ninja import NinjaAPI

from midas.api import catalog, errors, openapi, payments, quotes
from midas.api.docs import LocalSwagger


class MidasAPI(NinjaAPI):
    """NinjaAPI whose URL table answers JSON for unknown paths and unrouted methods too,
    and whose OpenAPI document states what every operation can answer (``api.openapi``)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return openapi.complete(schema)

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":  # ninja's HTML 404; kept by name for reverse()
                pattern.callback = errors.api_index
            else:
                pattern.callback = errors.json_method_not_allowed(pattern.callback)
        # [\s\S], not ".": a path with a newline in it (%0A) is still ours, answered in JSON
        patterns.append(re_path(r"^[\s\S]*$", errors.unknown_path))
        return patterns, app_name, namespace


api = MidasAPI(
    title="Midas API",
    version="1",
    description="Catalogue, availability and quotes of Midas The Lifestyle.",
    urls_namespace="api",
    docs=LocalSwagger(),
    parser=errors.JsonParser(),
)
errors.install(api)
api.add_router("", catalog.router)
api.add_router("", quotes.router)
api.add_router("", "midas.api.auth.router")
api.add_router("", payments.router)
api.add_router("", "midas.api.bookings.router")
api.add_router("", "midas.api.booking_changes.router")
api.add_router("", "midas.api.concierge.router")
api.add_router("", "midas.api.concierge.inbound_router")

_mounted: set[str] = set()


def mount(router: str) -> None:
    """Add another app's router (by import path) to the API, once: the launch mounts its
    smoke API here from its ``ready()``, so the API never imports the launch."""
    if router not in _mounted:
        _mounted.add(router)
        api.add_router("", router)
