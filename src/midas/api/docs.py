"""The interactive API docs (Swagger UI), served from ninja's bundled files, never a CDN.

ninja falls back to CDN-hosted Swagger assets when ``"ninja"`` is not in INSTALLED_APPS; this
page refuses that: without the app (its templates and static files) it answers a JSON 404
and the docs are simply off. ``/api/v1/openapi.json`` is served either way.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger

from midas.api.errors import error_body
from midas.errors import ErrorCode

if TYPE_CHECKING:
    from ninja import NinjaAPI


class LocalSwagger(Swagger):
    default_settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,  # the default badge would call validator.swagger.io
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not apps.is_installed("ninja"):
            message = "the interactive docs are off; the schema is at openapi.json"
            return JsonResponse(error_body(ErrorCode.NOT_FOUND, message), status=404)
        page_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": json.dumps(page_settings), "api": api, "add_csrf": False}
        return render(request, self.template, context)
