"""The analytics in the admin: raw rows to look at (read only) and the erasure action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from midas.insights.models import DailyStat, PageView
from midas.insights.services import analytics_erase


@admin.action(description="Erase these people's analytics (every row tied to them)")
def erase_people(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    user_ids = {pk for pk in queryset.values_list("user_id", flat=True) if pk}
    rvs = {rv for rv in queryset.values_list("rv", flat=True) if rv}
    if not user_ids and not rvs:
        modeladmin.message_user(
            request,
            "These views are anonymous (no account, no return-visitor id): nothing ties them "
            "to a person.",
            messages.WARNING,
        )
        return
    erased = analytics_erase(user_ids=user_ids, rvs=rvs, actor=request.user)
    modeladmin.message_user(
        request,
        f"Erased {erased.views} page view(s), {erased.beacons} beacon(s) and "
        f"{erased.returner_days} return-visitor day(s) of {len(user_ids)} account(s) and "
        f"{len(rvs)} return-visitor id(s).",
    )


@admin.register(PageView)
class PageViewAdmin(admin.ModelAdmin):
    list_display = ("at", "path", "kind", "device", "referrer", "utm_source", "user_id", "rv")
    list_filter = ("kind", "device", "day")
    search_fields = ("path", "=user_id", "=rv")
    date_hierarchy = "at"
    actions = [erase_people]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DailyStat)
class DailyStatAdmin(admin.ModelAdmin):
    list_display = ("day", "city", "category", "device", "visitors", "sessions", "pageviews")
    list_filter = ("device", "city", "category")
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
