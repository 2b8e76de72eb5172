"""Back office for the status page. Writes go through the services, so the admin, the CLI
and the tests change state the same way."""

from __future__ import annotations

from django.contrib import admin, messages

from midas.errors import AppError
from midas.status import services
from midas.status.models import Component, Incident, IncidentUpdate, ScheduledMaintenance


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "position", "override_status", "override_expires_at"]
    fields = [
        "name",
        "key",
        "description",
        "position",
        "override_status",
        "override_note",
        "override_expires_at",
    ]
    readonly_fields = ["key"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        override = {"override_status", "override_note", "override_expires_at"}
        other = [f for f in form.changed_data if f not in override]
        if other:
            obj.save(update_fields=[*other, "updated_at"])
        if not override & set(form.changed_data):
            return
        try:
            if obj.override_status:
                services.component_override_set(
                    component=obj,
                    status=obj.override_status,
                    note=obj.override_note,
                    expires_at=obj.override_expires_at,
                )
            else:
                services.component_override_clear(component=obj)
        except AppError as error:
            messages.error(request, error.message)


class IncidentUpdateInline(admin.TabularInline):
    model = IncidentUpdate
    fields = ["status", "body", "created_at"]
    readonly_fields = ["created_at"]
    extra = 1
    ordering = ["-created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # updates are a public record: post a new one rather than rewrite


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "impact", "public", "started_at", "resolved_at"]
    list_filter = ["status", "impact", "public"]
    search_fields = ["title"]
    filter_horizontal = ["components"]
    readonly_fields = ["status", "monitoring_at", "resolved_at"]
    fields = [
        "title",
        "impact",
        "public",
        "components",
        "started_at",
        "status",
        "monitoring_at",
        "resolved_at",
    ]
    inlines = [IncidentUpdateInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not IncidentUpdate:
            return super().save_formset(request, form, formset, change)
        for update in formset.save(commit=False):
            try:
                services.incident_update(
                    incident=form.instance, status=update.status, body=update.body
                )
            except AppError as error:
                messages.error(request, error.message)
        return None


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(admin.ModelAdmin):
    list_display = ["incident", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["incident", "status", "body", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # post updates from the incident's page, through the service


@admin.register(ScheduledMaintenance)
class ScheduledMaintenanceAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "ends_at"]
    filter_horizontal = ["components"]
    fields = ["title", "message", "starts_at", "ends_at", "components"]
