"""Back office for the status page. Writes go through the services, so the admin, the CLI
and the tests change state the same way."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

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


class MakePublicForm(forms.Form):
    reason = forms.CharField(
        max_length=500, help_text="Why it goes public now: kept on the record, never shown."
    )
    title = forms.CharField(
        max_length=200, required=False, help_text="The public title; empty: keep the current."
    )
    body = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"The public update; empty: “{services.MADE_PUBLIC_BODY}”",
    )


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "impact", "public", "started_at", "resolved_at"]
    list_filter = ["status", "impact", "public"]
    search_fields = ["title"]
    filter_horizontal = ["components"]
    readonly_fields = ["status", "monitoring_at", "resolved_at"]
    actions = ["make_public"]

    def get_readonly_fields(self, request, obj=None):
        # A staff-only incident becomes public on purpose, with a reason on the record
        # (the "Make public" action: services.incident_make_public), never as a ticked box.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "public"] if obj is not None else fields

    @admin.action(description="Make public (staff-only incidents; a reason is recorded)")
    def make_public(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        chosen = list(queryset.order_by("pk"))
        form = MakePublicForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = []
            for incident in chosen:
                try:
                    services.incident_make_public(
                        incident=incident,
                        reason=form.cleaned_data["reason"],
                        title=form.cleaned_data["title"] if len(chosen) == 1 else "",
                        body=form.cleaned_data["body"],
                        by=request.user,
                        via="admin",
                    )
                    done.append(f"#{incident.pk}")
                except AppError as error:
                    messages.error(request, f"#{incident.pk}: {error.message}")
            if done:
                messages.success(request, f"Made public: {', '.join(done)}.")
            return None
        return TemplateResponse(
            request,
            "admin/status/incident/make_public.html",
            {
                **self.admin_site.each_context(request),
                "title": "Make incidents public",
                "opts": self.model._meta,
                "incidents": chosen,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

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
