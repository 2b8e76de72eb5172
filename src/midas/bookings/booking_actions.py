"""The back office's actions on bookings, each one service call per booking.

Approve or decline a request, mark picked up and returned, cancel with a refund (by the
policy, or in full), capture part or all of the deposit, release it: the same services the
pages and the API call. An action that needs an answer (a reason, an amount, the kind of
refund) asks for it on an intermediate page first (``admin/bookings/booking/action_form.html``);
a refusal is reported per booking. A booking's own page offers the same actions as buttons,
which post to the changelist like the action menu and come back to the booking (``_back``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from midas.bookings.forms import CaptureDepositForm, DeclineForm, StaffCancelForm
from midas.bookings.models import Booking
from midas.bookings.policies import cancellation_preview
from midas.bookings.services import (
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_mark_picked_up,
    booking_mark_returned,
)
from midas.errors import AppError, ErrorCode
from midas.money import format_money
from midas.payments.models import Payment, PaymentStatus
from midas.payments.selectors import active_hold
from midas.payments.services import deposit_capture, deposit_release

ACTION_TEMPLATE = "admin/bookings/booking/action_form.html"
ACTIONS = [
    "approve_requests",
    "decline_requests",
    "mark_picked_up",
    "mark_returned",
    "cancel_bookings",
    "capture_deposit",
    "release_deposit",
]


def moved(row: Payment) -> Payment:
    """A deposit capture or release the provider refused is a failure to report."""
    if row.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        why = row.failure_message or row.failure_code or "refused by the payment provider"
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, f"not done: {why}")
    return row


class BookingActions:
    """Mixed into ``BookingAdmin``: the actions and the helpers they share."""

    # --- running a service over the selection -----------------------------------------------

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Booking],
        done: str,
        call: Callable[[Booking], Any],
    ) -> None:
        """``call`` each booking; one message for those it worked on, one per refusal."""
        worked: list[str] = []
        for booking in queryset.select_related("asset__category", "location", "customer"):
            try:
                call(booking)
            except AppError as exc:
                self.message_user(request, f"{booking.reference}: {exc.message}", messages.ERROR)
            else:
                worked.append(booking.reference)
        if worked:
            self.message_user(request, f"{done}: {', '.join(worked)}.", messages.SUCCESS)

    def _back(self, request: HttpRequest) -> HttpResponseRedirect | None:
        """From a booking's own page (its action buttons), back to that page."""
        pk = request.POST.get("_back", "")
        if not pk.isdigit():
            return None
        return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[int(pk)]))

    def _ask(
        self,
        request: HttpRequest,
        queryset: QuerySet[Booking],
        *,
        action: str,
        title: str,
        form: forms.Form,
        intro: str = "",
        rows: list[tuple[Booking, str]] | None = None,
        submit: str = "Confirm",
    ) -> TemplateResponse:
        """The intermediate page of an action that needs an answer."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "action": action,
            "form": form,
            "intro": intro,
            "rows": rows if rows is not None else [(b, "") for b in queryset],
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit": submit,
            "back": request.POST.get("_back", ""),
        }
        return TemplateResponse(request, ACTION_TEMPLATE, context)

    # --- the actions ------------------------------------------------------------------------

    @admin.action(description="Approve the selected requests", permissions=["change"])
    def approve_requests(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        self._each(
            request,
            queryset,
            "Approved (the customer is asked to pay)",
            lambda booking: booking_approve(booking=booking, by=request.user),
        )
        return self._back(request)

    @admin.action(description="Decline the selected requests…", permissions=["change"])
    def decline_requests(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        form = DeclineForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._ask(
                request,
                queryset,
                action="decline_requests",
                title="Decline requests",
                form=form,
                intro="The customer is told, with your reason; the dates are freed.",
                submit="Decline",
            )
        reason = form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            "Declined",
            lambda booking: booking_decline(booking=booking, by=request.user, reason=reason),
        )
        return self._back(request)

    @admin.action(description="Mark picked up (handed over)", permissions=["change"])
    def mark_picked_up(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        self._each(
            request,
            queryset,
            "Marked picked up",
            lambda booking: booking_mark_picked_up(booking=booking, by=request.user),
        )
        return self._back(request)

    @admin.action(description="Mark returned (completed)", permissions=["change"])
    def mark_returned(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        self._each(
            request,
            queryset,
            "Marked returned",
            lambda booking: booking_mark_returned(booking=booking, by=request.user),
        )
        return self._back(request)

    @admin.action(description="Cancel with refund…", permissions=["change"])
    def cancel_bookings(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        form = StaffCancelForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            now = timezone.now()
            rows = []
            for booking in queryset.select_related("asset__category", "location"):
                policy = cancellation_preview(booking=booking, now=now)
                full = cancellation_preview(booking=booking, now=now, full_refund=True)
                rows.append(
                    (
                        booking,
                        f"{booking.get_status_display()}. By the policy: "
                        f"{format_money(policy.refund_minor, booking.currency)} "
                        f"({policy.explanation}) In full: "
                        f"{format_money(full.refund_minor, booking.currency)}.",
                    )
                )
            return self._ask(
                request,
                queryset,
                action="cancel_bookings",
                title="Cancel bookings",
                form=form,
                intro="The slot is freed, the refund sent to the card that paid, any deposit "
                "hold released, and the customer and the concierge team told.",
                rows=rows,
                submit="Cancel and refund",
            )
        full = form.cleaned_data["refund"] == StaffCancelForm.FULL
        reason = form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            "Cancelled" + (" with a full refund" if full else " with the policy's refund"),
            lambda booking: booking_cancel(
                booking=booking, by=request.user, reason=reason, full_refund=full
            ),
        )
        return self._back(request)

    @admin.action(description="Capture the deposit (an amount)…", permissions=["change"])
    def capture_deposit(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Capture one booking's deposit at a time.", messages.WARNING)
            return self._back(request)
        booking = queryset.select_related("asset__category", "location").get()
        hold = active_hold(booking)
        if hold is None:
            self.message_user(request, f"{booking.reference}: no deposit is held.", messages.ERROR)
            return self._back(request)
        form = CaptureDepositForm(
            request.POST if "apply" in request.POST else None,
            currency=booking.currency,
            held_minor=hold.amount_minor,
        )
        if not form.is_valid():
            held = format_money(hold.amount_minor, booking.currency)
            return self._ask(
                request,
                queryset,
                action="capture_deposit",
                title=f"Capture the deposit of {booking.reference}",
                form=form,
                intro=f"{held} is held. Capture part or all of it; the rest is released at "
                "once and the customer is told with your reason.",
                submit="Capture",
            )
        amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            f"Captured {format_money(amount, booking.currency)} of the deposit",
            lambda b: moved(
                deposit_capture(booking=b, amount_minor=amount, by=request.user, reason=reason)
            ),
        )
        return self._back(request)

    @admin.action(description="Release the deposit", permissions=["change"])
    def release_deposit(
        self, request: HttpRequest, queryset: QuerySet[Booking]
    ) -> HttpResponse | None:
        self._each(
            request,
            queryset,
            "Deposit released",
            lambda booking: moved(deposit_release(booking=booking, by=request.user)),
        )
        return self._back(request)
