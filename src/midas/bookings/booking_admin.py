"""Back office for bookings: follow one from request to completion, and act on it.

Every change goes through the bookings and payments services, exactly as the pages and the
API do: approve or decline a request, mark picked up and returned, cancel with a refund (by
the policy, or in full), capture part or all of the deposit, release it. Fields are
read-only (only the staff notes are edited here); the payment ledger is shown inline,
read-only, with its totals. The actions themselves are in ``booking_actions``; a booking's
page offers those its state allows as buttons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

from midas.bookings.booking_actions import ACTIONS, BookingActions
from midas.bookings.booking_changes_admin import (
    CHANGE_ACTIONS,
    BookingChangeActions,
    BookingChangeInline,
)
from midas.bookings.models import Booking, BookingStatus
from midas.catalog.zones import local_text
from midas.money import format_money
from midas.payments.models import Payment
from midas.payments.selectors import active_hold, ledger_totals

B = BookingStatus
# The buttons a booking's page shows, by state: (action name, label).
BUTTONS: dict[str, list[tuple[str, str]]] = {
    B.REQUESTED: [("approve_requests", "Approve request"), ("decline_requests", "Decline")],
    B.HELD: [("cancel_bookings", "Cancel")],
    B.CONFIRMED: [
        ("mark_picked_up", "Mark picked up"),
        ("change_dates", "Change dates"),
        ("cancel_bookings", "Cancel with refund"),
    ],
    B.IN_PROGRESS: [("mark_returned", "Mark returned")],
}
DEPOSIT_BUTTONS = [("capture_deposit", "Capture deposit"), ("release_deposit", "Release deposit")]
REFUND_BUTTONS = [("refund_amount", "Refund an amount")]


def local(value: dt.datetime | None, booking: Booking) -> str:
    """An instant in the booking's city, e.g. ``2026-12-01 10:00 Dubai time (GST, UTC+4)``."""
    return local_text(value, booking.location)


class PaymentInline(admin.TabularInline):
    """The booking's ledger: every movement of money, read-only."""

    model = Payment
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["created_at", "kind", "status", "amount", "provider", "provider_ref", "failure"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Amount")
    def amount(self, obj: Payment) -> str:
        return format_money(obj.amount_minor, obj.currency)

    @admin.display(description="Failure")
    def failure(self, obj: Payment) -> str:
        return obj.failure_message or obj.failure_code or ""


@admin.register(Booking)
class BookingAdmin(BookingActions, BookingChangeActions, admin.ModelAdmin):
    list_display = ["reference", "customer", "asset", "status", "start_local", "end_local"]
    list_display += ["total", "created_at"]
    list_filter = ["status", "asset__category", "location", "created_at"]
    date_hierarchy = "start"
    search_fields = [
        "reference",
        "customer__email",
        "customer__first_name",
        "customer__last_name",
        "asset__name",
        "=legacy_reference",  # the old site's booking id, as the customer quotes it
    ]
    list_select_related = ["customer", "asset", "location"]
    ordering = ["-created_at"]
    inlines = [PaymentInline, BookingChangeInline]
    change_form_template = "admin/bookings/booking/change_form.html"
    actions = [*ACTIONS, *CHANGE_ACTIONS]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("reference", "status"),
                    ("customer", "customer_contact"),
                    ("asset", "location"),
                    ("start_local", "end_local"),
                    "hold_expires_local",
                ]
            },
        ),
        ("Price", {"fields": ["price_lines", ("total", "deposit"), "ledger"]}),
        (
            "History",
            {
                "fields": [
                    ("created_at", "confirmed_at"),
                    ("terms_version", "terms_accepted_at"),
                    ("cancelled_at", "cancellation_reason"),
                    "refund",
                    "idempotency_key",
                    "legacy_reference",
                ]
            },
        ),
        ("Staff notes", {"fields": ["notes"]}),
    ]
    readonly_fields = [
        "reference",
        "status",
        "customer",
        "customer_contact",
        "asset",
        "location",
        "start_local",
        "end_local",
        "hold_expires_local",
        "price_lines",
        "total",
        "deposit",
        "ledger",
        "created_at",
        "confirmed_at",
        "terms_version",
        "terms_accepted_at",
        "legacy_reference",
        "cancelled_at",
        "cancellation_reason",
        "refund",
        "idempotency_key",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings are made at checkout (booking_create)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: the history and the ledger stay

    # --- columns and fields ---------------------------------------------------------------

    @admin.display(description="Start (local)", ordering="start")
    def start_local(self, obj: Booking) -> str:
        return local(obj.start, obj)

    @admin.display(description="End (local)", ordering="end")
    def end_local(self, obj: Booking) -> str:
        return local(obj.end, obj)

    @admin.display(description="Hold until (local)")
    def hold_expires_local(self, obj: Booking) -> str:
        return local(obj.hold_expires_at, obj)

    @admin.display(description="Total", ordering="total_minor")
    def total(self, obj: Booking) -> str:
        return format_money(obj.total_minor, obj.currency)

    @admin.display(description="Security deposit")
    def deposit(self, obj: Booking) -> str:
        return format_money(obj.security_deposit_minor, obj.currency)

    @admin.display(description="Refund")
    def refund(self, obj: Booking) -> str:
        return format_money(obj.refund_minor, obj.currency)

    @admin.display(description="Contact")
    def customer_contact(self, obj: Booking) -> str:
        user = obj.customer
        return " · ".join(part for part in (user.get_full_name(), user.email, user.phone) if part)

    @admin.display(description="Quote at checkout")
    def price_lines(self, obj: Booking) -> str:
        if not obj.quote_lines:
            return "—"
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td class="amount">{}</td></tr>',
            (
                (line["label"], format_money(line["amount"], obj.currency))
                for line in obj.quote_lines
            ),
        )
        return format_html('<table class="price-lines">{}</table>', rows)

    @admin.display(description="Ledger totals")
    def ledger(self, obj: Booking) -> str:
        t = ledger_totals(obj)
        money = obj.currency
        parts = [
            ("paid", t.paid),
            ("refunded", t.refunded),
            ("refund pending", t.refund_pending),
            ("deposit held", t.deposit_held),
            ("deposit captured", t.deposit_captured),
            ("deposit released", t.deposit_released),
            ("kept (balance)", t.balance),
        ]
        return " · ".join(f"{label} {format_money(amount, money)}" for label, amount in parts)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        booking = self.get_object(request, object_id)
        buttons: list[tuple[str, str]] = []
        if booking is not None and self.has_change_permission(request, booking):
            buttons = list(BUTTONS.get(booking.status, []))
            if active_hold(booking) is not None:
                buttons += DEPOSIT_BUTTONS
            if ledger_totals(booking).net_paid > 0:
                buttons += REFUND_BUTTONS
        context = {**(extra_context or {}), "booking_actions": buttons}
        return super().change_view(request, object_id, form_url, context)
