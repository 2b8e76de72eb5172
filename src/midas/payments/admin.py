"""Back office: the payment ledger, read-only.

Rows are written only by ``midas.payments.services`` (a payment, a deposit hold, a capture
or release, a refund, each with the provider's answer); staff act on money from the booking's
page (capture, release, cancel with refund), never by editing a row.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from midas.money import format_money
from midas.payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "booking", "kind", "status", "amount", "provider"]
    list_display += ["provider_ref"]
    list_filter = ["kind", "status", "provider", "created_at"]
    search_fields = ["booking__reference", "provider_ref", "idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["booking"]
    fields = [
        "booking",
        ("kind", "status"),
        ("amount", "currency"),
        ("provider", "provider_ref"),
        "idempotency_key",
        "parent",
        ("failure_code", "failure_message"),
        ("created_at", "updated_at"),
    ]
    readonly_fields = [
        "booking",
        "kind",
        "status",
        "amount",
        "currency",
        "provider",
        "provider_ref",
        "idempotency_key",
        "parent",
        "failure_code",
        "failure_message",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Amount", ordering="amount_minor")
    def amount(self, obj: Payment) -> str:
        return format_money(obj.amount_minor, obj.currency)
