"""Midas's URLs plus ``/bench/ceiling/``: a bare Django view with no database and no template,
the most a page could ever do on this server configuration."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from midas.urls import urlpatterns as midas_urlpatterns

CEILING_PATH = "bench/ceiling/"
CEILING_BODY = b"ok\n"


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(CEILING_BODY, content_type="text/plain")


urlpatterns = [path(CEILING_PATH, ceiling, name="bench-ceiling"), *midas_urlpatterns]
