"""The photo variants on the default filesystem storage, for ``midas serve``.

WhiteNoise serves only static files, so this view streams ``v/<hash>-<width>.<format>``
from the photos storage with a year's ``immutable`` cache: a variant's name changes with
its content (``variants.RECIPE``), so a browser or CDN never needs to ask again. Originals
and anything else are 404. Behind a reverse proxy or CDN, the proxy may serve
``MEDIA_ROOT/photos/v/`` itself (docs/how-to/photos.md); with an S3 bucket the pages link
to the bucket (or ``PHOTOS_URL``) and this view is not used.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from midas.catalog.photos.display import MIME
from midas.catalog.photos.storage import VARIANT_NAME, photo_storage

IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def photo_file(request: HttpRequest, name: str) -> FileResponse:
    if not VARIANT_NAME.match(name):
        raise Http404("no such photo")
    try:
        handle = photo_storage().open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("no such photo") from exc
    response = FileResponse(handle, content_type=MIME[name.rsplit(".", 1)[1]])
    response["Cache-Control"] = IMMUTABLE
    return response
