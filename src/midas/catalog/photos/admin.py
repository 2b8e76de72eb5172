"""The photos panel on an asset's admin page, and the staff endpoints its script calls.

``PhotoInline`` puts the panel on the change page (drop zone, file picker, the photos with
their alt text, order, cover and delete); it edits no form field, so saving the asset never
touches the photos. Each action is its own request to ``urlpatterns`` below (mounted under
``/admin/catalog/asset/<id>/photos/`` by ``midas.urls``), answered in JSON, and calls one
service of ``services``: every write is saved, versioned and audited at once. Errors have the
application's one shape (``{"code", "message", "field"}``) and status.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from midas.catalog.models import Asset, AssetImage
from midas.catalog.photos import services
from midas.catalog.photos.display import FALLBACK, of_format, variant_url
from midas.catalog.photos.variants import ACCEPTED, too_large_bytes
from midas.errors import AppError, ErrorCode

ACCEPT = "image/jpeg,image/png,image/webp,image/avif"
ACCEPTED_LABEL = ", ".join(sorted(set(ACCEPTED.values())))


class PanelFormSet(BaseInlineFormSet):
    """No forms: the panel's script saves each change through the endpoints below."""

    @classmethod
    def get_default_prefix(cls) -> str:
        return "photos"  # apart from the drawings' inline ("images")

    def get_queryset(self) -> Any:
        return AssetImage.objects.none()


class PhotoInline(admin.StackedInline):
    model = AssetImage
    formset = PanelFormSet
    template = "admin/catalog/photos/panel.html"
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["alt"]
    verbose_name_plural = "photos"

    class Media:
        js = ["catalog/photos/admin.js"]
        css = {"all": ["catalog/photos/admin.css"]}

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the formset adds nothing; uploads go through the panel


def card(photo: AssetImage) -> dict[str, Any]:
    """What the panel shows of one photo."""
    thumbs = of_format(photo, FALLBACK)
    return {
        "id": photo.pk,
        "alt": photo.alt,
        "published": bool(photo.alt),
        "thumb": variant_url(thumbs[0]["name"]) if thumbs else "",
        "width": photo.width,
        "height": photo.height,
    }


def listing(asset: Asset) -> dict[str, Any]:
    photos = asset.images.exclude(original="").order_by("position", "id")
    return {"photos": [card(p) for p in photos]}


def error(exc: AppError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def staff_action(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
    """The admin's own sign-in and the permission to change assets; AppError as JSON."""

    def wrapped(request: HttpRequest, asset_id: int, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("catalog.change_asset"):
            return error(AppError(ErrorCode.FORBIDDEN, "You may not change assets."))
        asset = get_object_or_404(Asset, pk=asset_id)
        try:
            return JsonResponse(view(request, asset, **kwargs))
        except AppError as exc:
            return error(exc)

    wrapped.__name__ = view.__name__
    return admin.site.admin_view(wrapped)


def photo_of(asset: Asset, photo_id: int) -> AssetImage:
    return get_object_or_404(AssetImage.objects.exclude(original=""), pk=photo_id, asset=asset)


def body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise AppError(ErrorCode.INVALID_INPUT, "The request was not JSON.") from exc
    if not isinstance(data, dict):
        raise AppError(ErrorCode.INVALID_INPUT, "The request was not a JSON object.")
    return data


@require_GET
def photo_list(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    return listing(asset)


@require_POST
def photo_upload(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    upload = request.FILES.get("file")
    if upload is None:
        raise AppError(ErrorCode.INVALID_INPUT, "Choose a photo to upload.", field="file")
    if upload.size and upload.size > settings.PHOTO_MAX_BYTES:
        raise too_large_bytes(upload.size)  # before reading it
    photo = services.photo_upload(
        asset=asset,
        data=upload.read(),
        filename=upload.name or "",
        alt=request.POST.get("alt", ""),
        actor=request.user,
    )
    return {"photo": card(photo), **listing(asset)}


@require_POST
def photo_alt(request: HttpRequest, asset: Asset, photo_id: int) -> dict[str, Any]:
    photo = services.photo_set_alt(
        photo=photo_of(asset, photo_id), alt=str(body(request).get("alt", "")), actor=request.user
    )
    return {"photo": card(photo)}


@require_POST
def photo_order(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    order = body(request).get("order")
    if not isinstance(order, list) or not all(isinstance(pk, int) for pk in order):
        raise AppError(ErrorCode.INVALID_INPUT, "Give the photos' ids in order.", field="order")
    services.photos_reorder(asset=asset, order=order, actor=request.user)
    return listing(asset)


@require_POST
def photo_cover(request: HttpRequest, asset: Asset, photo_id: int) -> dict[str, Any]:
    services.photo_make_cover(photo=photo_of(asset, photo_id), actor=request.user)
    return listing(asset)


@require_POST
def photo_delete(request: HttpRequest, asset: Asset, photo_id: int) -> dict[str, Any]:
    services.photo_delete(photo=photo_of(asset, photo_id), actor=request.user)
    return listing(asset)


app_name = "catalog-photos"
urlpatterns = [
    path("", staff_action(photo_list), name="list"),
    path("upload/", staff_action(photo_upload), name="upload"),
    path("order/", staff_action(photo_order), name="order"),
    path("<int:photo_id>/alt/", staff_action(photo_alt), name="alt"),
    path("<int:photo_id>/cover/", staff_action(photo_cover), name="cover"),
    path("<int:photo_id>/delete/", staff_action(photo_delete), name="delete"),
]
