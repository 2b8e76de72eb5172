"""Back office: the outbox (state, attempts, "retry now") and the mailbox (read-only)."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from midas.notifications.delivery import outbox_retry_now
from midas.notifications.models import (
    MailboxMessage,
    OutboxAttempt,
    OutboxChannel,
    OutboxMessage,
)
from midas.notifications.views import email_document


def html_preview(url: str) -> str:
    """A message's HTML, served at ``url`` (``views.email_document``), in a sandboxed frame:
    no scripts, no forms, its own origin."""
    return render_to_string("notifications/_html_preview.html", {"url": url})


class PreviewMedia:
    css = {"all": ["notifications/mailbox.css"]}  # the preview frame's size


def _pretty_json(text: str) -> str:
    """A Slack row's payload, indented for reading (as stored when it is not JSON)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


class OutboxAttemptInline(admin.TabularInline):
    model = OutboxAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "finished_at", "outcome", "worker_id", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "to",
        "template",
        "subject",
        "status",
        "attempts",
        "due",
    )
    list_filter = ("channel", "status", "template", "created_at")
    search_fields = ("to", "subject", "message_id", "dedupe_key")
    date_hierarchy = "created_at"
    inlines = [OutboxAttemptInline]
    actions = ["retry_now"]
    fields = (
        ("status", "attempts", "next_attempt_at", "sent_at"),
        "last_error",
        ("channel", "to", "from_email", "reply_to"),
        "subject",
        ("template", "dedupe_key", "message_id"),
        "attachment_list",
        "body_text",
        "preview",
        ("created_at", "updated_at", "claimed_by"),
    )
    readonly_fields = tuple(
        name for row in fields for name in (row if isinstance(row, tuple) else (row,))
    )

    Media = PreviewMedia

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from services, rendered and frozen

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.html_view)
        return [
            path("<int:pk>/html/", view, name="notifications_outboxmessage_html"),
            *super().get_urls(),
        ]

    def html_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The message's HTML as a document of its own, for the preview frame."""
        message = OutboxMessage.objects.filter(pk=pk).first()
        if message is None or not message.body_html or not self.has_view_permission(request):
            raise Http404
        return email_document(message.body_html)

    @admin.display(description="next attempt", ordering="next_attempt_at")
    def due(self, obj: OutboxMessage):
        return obj.next_attempt_at if obj.status in {"pending", "sending"} else "—"

    @admin.display(description="attachments")
    def attachment_list(self, obj: OutboxMessage) -> str:
        return ", ".join(f"{a['filename']} ({a['mimetype']})" for a in obj.attachments) or "—"

    @admin.display(description="HTML")
    def preview(self, obj: OutboxMessage) -> str:
        if obj.channel in (OutboxChannel.SLACK, OutboxChannel.PAGERDUTY, OutboxChannel.SMS):
            return format_html("<pre>{}</pre>", _pretty_json(obj.body_text))
        if not obj.body_html:
            return "—"
        return html_preview(reverse("admin:notifications_outboxmessage_html", args=[obj.pk]))

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        changed = sum(outbox_retry_now(message=message) for message in queryset)
        skipped = queryset.count() - changed
        self.message_user(request, f"{changed} message(s) will be sent now.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} already sent or being sent: left alone.", messages.WARNING
            )


@admin.register(MailboxMessage)
class MailboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "subject", "attachment_count")
    search_fields = ("recipient", "subject", "message_id")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "recipient",
        "headers_table",
        "attachment_list",
        "body_text",
        "preview",
    )
    readonly_fields = fields
    Media = PreviewMedia

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="attachments")
    def attachment_count(self, obj: MailboxMessage) -> int:
        return len(obj.attachments)

    @admin.display(description="headers")
    def headers_table(self, obj: MailboxMessage) -> str:
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", obj.headers.items())

    @admin.display(description="attachments")
    def attachment_list(self, obj: MailboxMessage) -> str:
        return (
            ", ".join(
                f"{a['filename']} ({a['mimetype']}, {a['size']} bytes)" for a in obj.attachments
            )
            or "—"
        )

    @admin.display(description="HTML")
    def preview(self, obj: MailboxMessage) -> str:
        return html_preview(reverse("mailbox:html", args=[obj.pk])) if obj.body_html else "—"
