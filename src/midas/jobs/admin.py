"""Back office: periodic jobs (with "run now") and worker heartbeats, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from midas.jobs.models import ScheduleEntry, WorkerHeartbeat


@admin.register(ScheduleEntry)
class ScheduleEntryAdmin(admin.ModelAdmin):
    list_display = ("name", "every_seconds", "next_run_at", "last_run_at", "runs", "task_path")
    readonly_fields = (
        "name",
        "task_path",
        "every_seconds",
        "next_run_at",
        "last_run_at",
        "last_task_id",
        "runs",
        "created_at",
        "updated_at",
    )
    actions = ["run_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # entries follow the @periodic registry in code

    @admin.action(description="Run at the next worker loop", permissions=["change"])
    def run_now(self, request: HttpRequest, queryset: QuerySet[ScheduleEntry]) -> None:
        count = queryset.update(next_run_at=timezone.now())
        self.message_user(request, f"{count} job(s) due now.", messages.SUCCESS)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = (
        "worker_id",
        "host",
        "pid",
        "started_at",
        "last_seen",
        "jobs_done",
        "stopped_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
