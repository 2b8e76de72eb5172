"""Tickets, saved replies and tags in the admin. Changes of status, priority, assignee and
tags go through ``services.ticket_update`` (so resolving e-mails the customer, and each
change is audited); answering is the staff inbox's (``/staff/tickets/``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from midas.accounts.models import User
from midas.concierge import services
from midas.concierge.models import (
    Review,
    SavedReply,
    Tag,
    Ticket,
    TicketMessage,
    TicketStatus,
)


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    can_delete = False
    fields = ("created_at", "author", "user", "channel", "internal", "body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subject",
        "email",
        "kind",
        "status",
        "priority",
        "assignee",
        "first_response_due",
        "first_response_at",
        "last_message_at",
        "satisfaction",
        "inbox_link",
    ]
    list_filter = ["status", "priority", "kind", "channel", "assignee", "tags"]
    search_fields = ["subject", "email", "name", "=id"]
    date_hierarchy = "created_at"
    fields = [
        "subject",
        "name",
        "email",
        "customer",
        "kind",
        "booking",
        "channel",
        "status",
        "priority",
        "assignee",
        "tags",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
        "closed_at",
        "satisfaction",
        "satisfaction_comment",
        "created_at",
    ]
    readonly_fields = [
        "subject",
        "name",
        "email",
        "customer",
        "kind",
        "booking",
        "channel",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
        "closed_at",
        "satisfaction",
        "satisfaction_comment",
        "created_at",
    ]
    inlines = [TicketMessageInline]
    actions = ["assign_to_me", "mark_resolved", "mark_closed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a ticket starts with a customer's message

    @admin.display(description="Inbox")
    def inbox_link(self, obj: Ticket) -> str:
        return format_html(
            '<a href="{}">answer</a>', reverse("concierge_staff:ticket", args=[obj.pk])
        )

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.ticket_update(
            ticket=obj,
            by=_staff(request),
            status=data["status"],
            priority=data["priority"],
            assignee=data["assignee"],
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.ticket_update(
            ticket=form.instance,
            by=_staff(request),
            tags=[tag.name for tag in form.cleaned_data["tags"]],
        )

    @admin.action(description="Assign to me")
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        for ticket in queryset:
            services.ticket_update(ticket=ticket, by=_staff(request), assignee=_staff(request))
        messages.success(request, f"{queryset.count()} ticket(s) assigned to you.")

    @admin.action(description="Mark resolved (e-mails the customer)")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        for ticket in queryset:
            services.ticket_update(ticket=ticket, by=_staff(request), status=TicketStatus.RESOLVED)

    @admin.action(description="Close")
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        for ticket in queryset:
            services.ticket_update(ticket=ticket, by=_staff(request), status=TicketStatus.CLOSED)


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["title", "body"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation: approve or reject (``review_moderate``; the asset's page follows)."""

    list_display = ["asset", "rating", "display_name", "status", "created_at", "moderated_at"]
    list_filter = ["status", "rating"]
    search_fields = ["asset__name", "comment", "display_name", "booking__reference"]
    readonly_fields = [
        "booking",
        "asset",
        "customer",
        "rating",
        "comment",
        "display_name",
        "status",
        "moderated_by",
        "moderated_at",
        "created_at",
    ]
    fields = [*readonly_fields, "moderation_note"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Review, form: Any, change: bool) -> None:
        Review.objects.filter(pk=obj.pk).update(moderation_note=obj.moderation_note[:200])

    @admin.action(description="Approve (show on the asset's page)")
    def approve(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset:
            services.review_moderate(review=review, by=_staff(request), approve=True)
        messages.success(request, f"{queryset.count()} review(s) approved.")

    @admin.action(description="Reject")
    def reject(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset:
            services.review_moderate(review=review, by=_staff(request), approve=False)
        messages.success(request, f"{queryset.count()} review(s) rejected.")
