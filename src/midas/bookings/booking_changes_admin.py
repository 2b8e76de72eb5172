"""The back office's changes to a booking: new dates (and guests), and custom refunds.

Mixed into ``BookingAdmin`` beside ``BookingActions``: the same services as the customer's
page and the API (``booking_change``, ``booking_refund_custom``). Changing dates shows the
new quote and the difference first (the form comes back with it) and applies on a second
confirmation; staff are not held to the customer's window (until the start), may waive a
dearer difference, and otherwise leave a dearer change to the customer, who pays it from
their booking page. Each change is listed on the booking's page (``BookingChangeInline``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from midas.accounts.models import User
from midas.bookings.forms import StaffChangeForm, StaffRefundForm
from midas.bookings.models import Booking, BookingChange
from midas.bookings.services import booking_change, booking_change_preview, booking_refund_custom
from midas.bookings.services.change import ChangePreview
from midas.catalog.zones import local_text
from midas.core.ranges import parse_instant
from midas.errors import AppError, ErrorCode
from midas.money import format_money
from midas.payments.selectors import ledger_totals

CHANGE_ACTIONS = ["change_dates", "refund_amount"]


def staff_member(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else in)."""
    user = request.user
    assert isinstance(user, User)
    return user


class BookingChangeInline(admin.TabularInline):
    """Every change of the booking, read-only: who, when, from what to what, the money."""

    model = BookingChange
    fk_name = "booking"
    extra = 0
    can_delete = False
    verbose_name = "change"
    verbose_name_plural = "Changes (dates, guests, refunds by staff)"
    fields = ["created_at", "kind", "status", "by", "dates", "money", "reason", "failure"]
    readonly_fields = ["created_at", "kind", "status", "by", "dates", "money", "reason"]
    readonly_fields += ["failure"]
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Dates (local)")
    def dates(self, obj: BookingChange) -> str:
        place = obj.booking.location
        old = f"{local_text(obj.old_start, place)} – {local_text(obj.old_end, place)}"
        if (obj.old_start, obj.old_end) == (obj.new_start, obj.new_end):
            text = old
        else:
            text = f"{old} → {local_text(obj.new_start, place)} – {local_text(obj.new_end, place)}"
        if obj.old_guests != obj.new_guests:
            text += f"; guests {obj.old_guests or '—'} → {obj.new_guests or '—'}"
        return text

    @admin.display(description="Money")
    def money(self, obj: BookingChange) -> str:
        parts = [f"total {format_money(obj.old_total_minor, obj.currency)}"]
        if obj.new_total_minor != obj.old_total_minor:
            parts[0] += f" → {format_money(obj.new_total_minor, obj.currency)}"
        for label, amount in (
            ("charged", obj.charge_minor),
            ("refunded", obj.refund_minor),
            ("waived", obj.waived_minor),
        ):
            if amount:
                parts.append(f"{label} {format_money(amount, obj.currency)}")
        return " · ".join(parts)


class BookingChangeActions:
    """Mixed into ``BookingAdmin`` (with ``BookingActions``, whose ``_ask``, ``_each`` and
    ``_back`` it uses)."""

    def _one(self, request: HttpRequest, queryset: QuerySet[Booking], what: str) -> Booking | None:
        if queryset.count() != 1:
            self.message_user(request, f"{what} one booking at a time.", messages.WARNING)  # type: ignore[attr-defined]
            return None
        return queryset.select_related("asset__category", "location", "customer").get()

    @admin.action(description="Change dates or guests…", permissions=["change"])
    def change_dates(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        booking = self._one(request, queryset, "Change")
        if booking is None:
            return self._back(request)  # type: ignore[attr-defined]
        form = StaffChangeForm(request.POST if "apply" in request.POST else None)
        preview: ChangePreview | None = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                tz = booking.location.tz
                start = parse_instant(data["start"], tz, field="start")
                end = parse_instant(data["end"], tz, field="end")
                preview = booking_change_preview(
                    booking=booking,
                    start=start,
                    end=end,
                    guests=data["guests"],
                    by=staff_member(request),
                    waive_difference=data["waive_difference"],
                )
                if preview.charge_minor:
                    raise AppError(
                        ErrorCode.CHANGE_NOT_ALLOWED,
                        f"the new dates cost {preview.money(preview.charge_minor)} more: tick "
                        "'waive' or let the customer change it from their booking page, where "
                        "they pay the difference",
                    )
                if data["expected_difference"] is not None:
                    booking_change(
                        booking=booking,
                        start=start,
                        end=end,
                        guests=data["guests"],
                        by=staff_member(request),
                        expected_difference=data["expected_difference"],
                        waive_difference=data["waive_difference"],
                        reason=data["reason"],
                    )
                    self.message_user(  # type: ignore[attr-defined]
                        request,
                        f"{booking.reference} changed: {preview.explanation} The customer is "
                        "emailed.",
                        messages.SUCCESS,
                    )
                    return self._back(request)  # type: ignore[attr-defined]
            except AppError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                preview = None
        if preview is not None:  # shown; the next submit applies it
            form = StaffChangeForm(
                {**request.POST.dict(), "expected_difference": preview.difference}
            )
            form.is_valid()
        total = format_money(booking.total_minor, booking.currency)
        note = f"{booking.get_status_display()}, total {total}."
        if preview is not None:
            note += (
                f" New total {preview.money(preview.new_total)}: {preview.explanation} "
                "Confirm to apply."
            )
        return self._ask(  # type: ignore[attr-defined]
            request,
            queryset,
            action="change_dates",
            title=f"Change {booking.reference}",
            form=form,
            intro=f"Times in {booking.location.city} ({booking.location.timezone}). The new "
            "quote and the difference are shown first; the customer and the concierge team "
            "are emailed.",
            rows=[(booking, note)],
            submit="Confirm the change" if preview is not None else "Show the new price",
        )

    @admin.action(description="Refund an amount…", permissions=["change"])
    def refund_amount(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        booking = self._one(request, queryset, "Refund")
        if booking is None:
            return self._back(request)  # type: ignore[attr-defined]
        form = StaffRefundForm(
            request.POST if "apply" in request.POST else None, currency=booking.currency
        )
        if form.is_valid():
            amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
            try:
                booking_refund_custom(
                    booking=booking, amount_minor=amount, by=staff_member(request), reason=reason
                )
            except AppError as exc:
                form.add_error("amount" if exc.field == "amount_minor" else None, exc.message)
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    f"Refunded {format_money(amount, booking.currency)} of {booking.reference};"
                    " the customer is emailed.",
                    messages.SUCCESS,
                )
                return self._back(request)  # type: ignore[attr-defined]
        totals = ledger_totals(booking)
        left = max(0, totals.paid - totals.refunded - totals.refund_pending)
        return self._ask(  # type: ignore[attr-defined]
            request,
            queryset,
            action="refund_amount",
            title=f"Refund an amount of {booking.reference}",
            form=form,
            intro=f"Paid {format_money(totals.paid, booking.currency)}, refunded "
            f"{format_money(totals.refunded + totals.refund_pending, booking.currency)}: at "
            f"most {format_money(left, booking.currency)} can be refunded. The refund goes to "
            "the card that paid; the customer is emailed with your reason.",
            submit="Refund",
        )
