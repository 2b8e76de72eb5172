"""Live chat in the back office: conversations with their lines (read only: writes go
through the console's services), and who is on duty."""

from __future__ import annotations

from django.contrib import admin

from midas.concierge.chat.models import ChatMessage, Conversation, Duty


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    fields = ("created_at", "author", "user", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "visitor_name", "status", "taken_by", "page", "created_at", "ticket_id")
    list_filter = ("status",)
    search_fields = ("name", "email", "customer__email")
    readonly_fields = [f.name for f in Conversation._meta.fields]
    inlines = [ChatMessageInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ("user", "until", "started_at")
    readonly_fields = ("user", "until", "started_at")

    def has_add_permission(self, request) -> bool:
        return False
