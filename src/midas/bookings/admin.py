"""Back office for what occupies an asset.

Reservations are read-only here: bookings create and free them through their services.
Blocks (maintenance, owner use) are created through ``reserve`` so the overlap rule and the
database's guarantee apply exactly as for a booking, and lifted with ``release``. Bookings
themselves, with their actions and payment ledger, are in ``booking_admin``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from midas.bookings.booking_admin import BookingAdmin  # registers the Booking admin
from midas.bookings.models import Block, Reservation, ReservationKind
from midas.bookings.selectors import overlapping
from midas.bookings.services import check_range, release, reserve
from midas.catalog.forms import ZonedSplitDateTime
from midas.catalog.models import Asset, Location
from midas.catalog.zones import (
    NonexistentLocalTime,
    from_wall_clock,
    local_text,
    offset_seconds,
    zone_label,
)
from midas.errors import AppError

BLOCK_DETAIL_FIELDS = ["reference", "asset", "kind", "status", "start_local", "end_local"]
BLOCK_DETAIL_FIELDS += ["note", "released_at", "created_at"]
BLOCK_KINDS = [(k.value, k.label) for k in ReservationKind if k != ReservationKind.BOOKING]


def local(value: dt.datetime | None, obj: Reservation) -> str:
    """An instant in the asset's city, e.g. ``2026-12-01 10:00 Dubai time (GST, UTC+4)``."""
    return local_text(value, obj.asset.home_location)


def assets_by_city() -> list[tuple[str, Any]]:
    """The block form's asset list: every asset, grouped by its city with the city's zone
    (the start and end are typed in it)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    assets = Asset.objects.select_related("home_location", "category")
    for asset in assets.order_by("home_location__position", "home_location__city", "name"):
        home = asset.home_location
        label = f"{home.city} — times in {zone_label(home)}"
        inactive = "" if asset.is_active else " (not live)"
        groups.setdefault(home.pk, (label, []))[1].append(
            (asset.pk, f"{asset.name} · {asset.category.singular}{inactive}")
        )
    return [("", "---------"), *groups.values()]


class ReservationDisplay:
    """Columns shared by the reservation and block lists."""

    @admin.display(description="Start (local)", ordering="start")
    def start_local(self, obj: Reservation) -> str:
        return local(obj.start, obj)

    @admin.display(description="End (local)", ordering="end")
    def end_local(self, obj: Reservation) -> str:
        return local(obj.end, obj)

    @admin.display(description="Occupied until (local)", ordering="occupied_until")
    def occupied_until_local(self, obj: Reservation) -> str:
        return local(obj.occupied_until, obj)


@admin.register(Reservation)
class ReservationAdmin(ReservationDisplay, admin.ModelAdmin):
    list_display = ["reference", "asset", "kind", "status", "start_local", "end_local"]
    list_display += ["occupied_until_local", "created_at"]
    list_filter = ["kind", "status", "asset__category", ("asset", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "start"
    search_fields = ["reference", "asset__name", "asset__slug", "note"]
    list_select_related = ["asset__home_location"]
    fields = ["reference", "asset", "kind", "status", "start", "end", "occupied_until", "note"]
    fields += ["released_at", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings reserve through their own service; blocks have their page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # release instead: the history stays


class BlockForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=BLOCK_KINDS, initial=ReservationKind.MAINTENANCE)
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.select_related("home_location"),
        help_text="Grouped by city; the start and end are typed in the city's time.",
    )
    start = forms.SplitDateTimeField(
        label="Start (city time)", widget=ZonedSplitDateTime(zone="In the asset's city time")
    )
    end = forms.SplitDateTimeField(
        label="End (city time)",
        widget=ZonedSplitDateTime(zone="In the asset's city time"),
        help_text="Exclusive: the first moment the asset is free again.",
    )

    class Meta:
        model = Block
        fields = ["asset", "kind", "start", "end", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "asset" not in self.fields:  # a placed block's page: read-only
            return
        picker = self.fields["asset"]
        assert isinstance(picker, forms.ModelChoiceField)
        picker.choices = assets_by_city()
        # for the form's script: each asset's zone, named, and its offset now (the admin's
        # "Now" and "Today" then give the city's clock, not the server's)
        now = timezone.now()
        picker.widget.attrs["data-zones"] = json.dumps(
            {
                asset.pk: [
                    f"In {zone_label(asset.home_location, now)}",
                    offset_seconds(asset.home_location, now),
                ]
                for asset in Asset.objects.select_related("home_location")
            }
        )
        asset = self.data.get("asset") if self.is_bound else None
        home = Location.objects.filter(home_assets__pk=asset).first() if asset else None
        if home is not None:  # typed again after an error: name the zone they were read in
            for name in ("start", "end"):
                self.fields[name].widget.zone = f"In {zone_label(home)}"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        asset, start, end = data.get("asset"), data.get("start"), data.get("end")
        if not (asset and start and end):
            return data
        # The fields read wall-clock times; they are times in the asset's city.
        for name, value in (("start", start), ("end", end)):
            wall_clock = timezone.localtime(value).replace(tzinfo=None)
            try:
                data[name] = from_wall_clock(wall_clock, asset.home_location)
            except NonexistentLocalTime as exc:
                raise ValidationError({name: str(exc)}) from exc
        self.instance.start, self.instance.end = data["start"], data["end"]
        try:
            check_range(data["start"], data["end"])
        except AppError as exc:
            raise ValidationError({exc.field or "end": exc.message}) from exc
        # Early, friendly answer; reserve() checks again under the write lock.
        clash = overlapping([asset.pk], data["start"], data["end"]).first()
        if clash is not None:
            raise ValidationError(
                f"{asset.name} is not available then: it overlaps {clash.reference} "
                f"({clash.get_kind_display().lower()}, {local(clash.start, clash)} to "
                f"{local(clash.occupied_until, clash)})."
            )
        return data


@admin.register(Block)
class BlockAdmin(ReservationDisplay, admin.ModelAdmin):
    form = BlockForm
    list_display = ["reference", "asset", "kind", "status", "start_local", "end_local", "note"]
    list_filter = ["kind", "status", "asset__category", ("asset", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "start"
    search_fields = ["reference", "asset__name", "asset__slug", "note"]
    list_select_related = ["asset__home_location"]
    actions = ["release_blocks"]

    class Media:
        js = ["bookings/block_form.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Block]:
        return super().get_queryset(request).exclude(kind=ReservationKind.BOOKING)

    def get_fields(self, request: HttpRequest, obj: Block | None = None) -> list[str]:
        if obj is None:
            return ["asset", "kind", "start", "end", "note"]
        return BLOCK_DETAIL_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Block | None = None) -> list[str]:
        return self.get_fields(request, obj) if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # a block is lifted (released) and placed again, never moved in place
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Block, form: Any, change: bool) -> None:
        if change:
            return
        block = reserve(asset=obj.asset, start=obj.start, end=obj.end, kind=obj.kind, note=obj.note)
        for field in Block._meta.concrete_fields:
            setattr(obj, field.attname, getattr(block, field.attname))
        obj._state.adding = False

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except AppError as exc:
            # raised by reserve() inside the admin's transaction: nothing was written
            self.message_user(request, f"The block was not created: {exc.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Release the selected blocks (free their dates)")
    def release_blocks(self, request: HttpRequest, queryset: QuerySet[Block]) -> None:
        released = 0
        for block in queryset.exclude(kind=ReservationKind.BOOKING):
            before = block.status
            if release(reservation=block).status != before:
                released += 1
        self.message_user(request, f"Released {released} block(s).", messages.SUCCESS)


__all__ = ["BlockAdmin", "BookingAdmin", "ReservationAdmin"]
