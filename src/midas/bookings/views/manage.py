"""The customer's bookings after checkout: the list, one booking (its history and money),
the confirmation, the request-sent page, the calendar file and cancellation.

Every page is the signed-in customer's own: another customer's reference is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from midas.bookings.calendar_file import booking_ics
from midas.bookings.forms import CancelForm
from midas.bookings.models import BookingStatus
from midas.bookings.policies import cancellation_preview, describe_policy
from midas.bookings.selectors import bookings_of
from midas.bookings.services import booking_cancel
from midas.bookings.services.change import may_change
from midas.bookings.views.common import (
    PAID_STATES,
    access_booking,
    booking_story,
    hold_minutes_left,
    may_cancel,
    page,
    to_login,
)
from midas.errors import AppError

PAGE_SIZE = 20
GET = require_http_methods(["GET", "HEAD"])


def _signed_out(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.is_authenticated else to_login(request, request.get_full_path())


@never_cache
@GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    if (away := _signed_out(request)) is not None:
        return away
    now = timezone.now()
    found = bookings_of(request.user).order_by("-start", "-id")
    listing = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    upcoming = [b for b in listing if b.end > now and b.status not in ENDED]
    past = [b for b in listing if b not in upcoming]
    upcoming.sort(key=lambda b: b.start)
    context = {"listing": listing, "upcoming": upcoming, "past": past, "now": now}
    return page(request, "bookings/list.html", "My bookings", context)


ENDED = (
    BookingStatus.CANCELLED,
    BookingStatus.EXPIRED,
    BookingStatus.DECLINED,
    BookingStatus.REFUNDED,
    BookingStatus.COMPLETED,
)


@never_cache
@GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    if (away := _signed_out(request)) is not None:
        return away
    booking = access_booking(request, reference)
    now = timezone.now()
    context = {
        "booking": booking,
        "minutes_left": hold_minutes_left(booking, now),
        "can_cancel": may_cancel(booking, now),
        "can_change": may_change(booking, now),
        "has_calendar": booking.status in PAID_STATES,
        "policy": describe_policy(booking.asset.category.slug),
        **booking_story(booking),
    }
    return page(request, "bookings/detail.html", f"Booking {booking.reference}", context)


@never_cache
@GET
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    if (away := _signed_out(request)) is not None:
        return away
    booking = access_booking(request, reference)
    if booking.status not in PAID_STATES:
        return redirect("bookings:detail", reference=booking.reference)
    context = {
        "booking": booking,
        "policy": describe_policy(booking.asset.category.slug),
        **booking_story(booking),
    }
    return page(request, "bookings/confirmation.html", "Your booking is confirmed", context)


@never_cache
@GET
def requested(request: HttpRequest, reference: str) -> HttpResponse:
    if (away := _signed_out(request)) is not None:
        return away
    booking = access_booking(request, reference)
    if booking.status != BookingStatus.REQUESTED:
        return redirect("bookings:detail", reference=booking.reference)
    context = {
        "booking": booking,
        "minutes_left": hold_minutes_left(booking, timezone.now()),
        "policy": describe_policy(booking.asset.category.slug),
    }
    return page(request, "bookings/requested.html", "Your request is sent", context)


@never_cache
@GET
def calendar_file(request: HttpRequest, reference: str) -> HttpResponse:
    if (away := _signed_out(request)) is not None:
        return away
    booking = access_booking(request, reference)
    if booking.status not in PAID_STATES:
        return redirect("bookings:detail", reference=booking.reference)
    body = booking_ics(booking, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """A confirmation page with the refund the server computes now; the booking is cancelled
    only when the customer confirms that figure."""
    if (away := _signed_out(request)) is not None:
        return away
    booking = access_booking(request, reference)
    now = timezone.now()
    if not may_cancel(booking, now):
        label = booking.get_status_display().lower()
        why = "it has started" if booking.start <= now else f"it is {label}"
        messages.info(request, f"This booking can no longer be cancelled online: {why}.")
        return redirect("bookings:detail", reference=booking.reference)
    preview = cancellation_preview(booking=booking, now=now)
    form = CancelForm(request.POST or None)
    status = 200
    changed = False
    if request.method == "POST" and form.is_valid():
        shown = request.POST.get("refund_minor", "")
        if shown != str(preview.refund_minor):
            changed = True  # a tier boundary passed while the page was open: show it again
            status = 409
        else:
            try:
                booking = booking_cancel(
                    booking=booking,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    now=now,
                )
            except AppError as exc:
                form.add_app_error(exc)
                status = exc.status
            else:
                text = f"Booking {booking.reference} is cancelled."
                if booking.refund_minor:
                    text += f" {preview.refund_display} is on its way back to your card."
                messages.success(request, text)
                return redirect("bookings:detail", reference=booking.reference)
    elif request.method == "POST":
        status = 400
    context = {
        "booking": booking,
        "preview": preview,
        "form": form,
        "changed": changed,
        "policy": describe_policy(booking.asset.category.slug),
    }
    return page(
        request, "bookings/cancel.html", f"Cancel {booking.reference}", context, status=status
    )
