"""The JSON API v1: one NinjaAPI, one router module per domain, one error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from midas.errors import AppError

api = NinjaAPI(
    title="Midas API",
    version="1",
    description="Catalogue, availability and quotes of Midas The Lifestyle.",
    urls_namespace="api",
)


@api.exception_handler(AppError)
def app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)
