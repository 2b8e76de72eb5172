"""Back office for planned maintenance windows. Writes go through the services, so the
admin, ``midas maintenance`` and the tests plan and cancel windows the same way."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from midas.errors import AppError
from midas.ops import services
from midas.ops.models import MaintenanceWindow


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["starts_at", "ends_at", "message"]

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("starts_at") and data.get("ends_at"):
            try:
                services.maintenance_window_check(
                    starts_at=data["starts_at"], ends_at=data["ends_at"]
                )
            except AppError as error:
                raise forms.ValidationError(error.message) from error
        return data


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    form = MaintenanceWindowForm
    list_display = ["id", "starts_at", "ends_at", "state", "message", "created_by"]
    ordering = ["-starts_at"]
    actions = ["cancel_windows"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["created_by", "cancelled_at"]
        return ["starts_at", "ends_at", "created_by", "cancelled_at"]  # cancel, then plan anew

    def get_fields(self, request, obj=None):
        return ["starts_at", "ends_at", "message", "created_by", "cancelled_at"]

    @admin.display(description="state")
    def state(self, obj: MaintenanceWindow) -> str:
        now = timezone.now()
        if obj.cancelled_at is not None:
            return "cancelled"
        if obj.in_progress(now):
            return "in progress"
        return "over" if obj.ends_at <= now else "planned"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a window is cancelled, not erased: the record stays

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["message"])
            return
        window = services.maintenance_window_schedule(
            starts_at=obj.starts_at, ends_at=obj.ends_at, message=obj.message, user=request.user
        )
        obj.pk, obj.created_at, obj.created_by = window.pk, window.created_at, window.created_by
        obj._state.adding, obj._state.db = False, window._state.db

    @admin.action(description="Cancel the selected windows (one in progress ends now)")
    def cancel_windows(self, request, queryset):
        for window in queryset:
            try:
                services.maintenance_window_cancel(window_id=window.pk, user=request.user)
            except AppError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Cancelled window #{window.pk}.")
