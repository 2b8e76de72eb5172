"""The customer changes a booking's dates (and guests): form → preview → confirm (→ pay).

``GET /bookings/<ref>/change/``: the form, filled with the booking's dates in the city's
time, and the change policy. ``POST`` with ``step=preview``: the new quote, the difference
and what happens to the money (nothing is written). ``POST`` with ``step=confirm``: the
change, through ``booking_change`` (the same service as the API and the back office); a
dearer period is paid with the card given on the preview. Another customer's booking is a
404; a booking that cannot be changed online says why and links to the concierge.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from midas.accounts.models import User
from midas.bookings.forms import AppErrorForm, CardForm
from midas.bookings.models import Booking
from midas.bookings.policies import describe_change_policy
from midas.bookings.pricing.rules import party_word
from midas.bookings.quoting import local_value
from midas.bookings.services import booking_change, booking_change_preview
from midas.bookings.services.change import ChangePreview, check_changeable
from midas.bookings.views.common import (
    access_booking,
    page,
    stripe_publishable_key,
    to_login,
)
from midas.bookings.views.payment import TEST_CARDS
from midas.core.ranges import parse_instant
from midas.errors import AppError
from midas.payments.providers import is_test_mode

DATE_INPUT = {"type": "datetime-local", "step": "900"}


class ChangeForm(AppErrorForm):
    """The new dates in the location's local time (as the quote form takes them)."""

    start = forms.CharField(label="New start", widget=forms.DateTimeInput(attrs=DATE_INPUT))
    end = forms.CharField(label="New end", widget=forms.DateTimeInput(attrs=DATE_INPUT))
    guests = forms.IntegerField(label="Guests", min_value=1, max_value=500, required=False)
    expected_difference = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, booking: Booking, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.booking = booking
        capacity = booking.asset.capacity
        if capacity is None:
            del self.fields["guests"]
        else:
            guests = self.fields["guests"]
            guests.label = party_word(booking.asset).capitalize()
            guests.widget.attrs["max"] = str(capacity)
            guests.help_text = f"At most {capacity}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tz = self.booking.location.tz
        for name in ("start", "end"):
            if data.get(name):
                try:
                    data[name] = parse_instant(data[name], tz, field=name)
                except AppError as exc:
                    self.add_error(name, exc.message)
        return data


def customer(request: HttpRequest) -> User:
    """The signed-in customer (the views send anyone else to sign in first)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _initial(booking: Booking) -> dict[str, object]:
    return {
        "start": local_value(booking.start, booking.location),
        "end": local_value(booking.end, booking.location),
        "guests": booking.guests,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def change(request: HttpRequest, reference: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return to_login(request, request.get_full_path())
    booking = access_booking(request, reference)
    now = timezone.now()
    try:
        check_changeable(booking, by_staff=False, now=now)
    except AppError as exc:
        messages.info(request, f"This booking cannot be changed online: {exc.message}.")
        return redirect("bookings:detail", reference=booking.reference)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    form = ChangeForm(request.POST or None, booking=booking, initial=_initial(booking))
    card = CardForm(request.POST if step == "confirm" else None)
    preview: ChangePreview | None = None
    status = 200
    if step and form.is_valid():
        data = form.cleaned_data
        try:
            preview = booking_change_preview(
                booking=booking,
                start=data["start"],
                end=data["end"],
                guests=data.get("guests"),
                by=customer(request),
                now=now,
            )
            if step == "confirm":
                return _confirm(request, booking, form, card, preview)
        except AppError as exc:
            form.add_app_error(exc)
            status = exc.status
            preview = preview if exc.code == "price_changed" else None
    elif step:
        status = 400
    return _page(request, booking, form, card, preview, status)


def _confirm(
    request: HttpRequest, booking: Booking, form: ChangeForm, card: CardForm, preview: ChangePreview
) -> HttpResponse:
    data = form.cleaned_data
    if data.get("expected_difference") != preview.difference:
        form.add_error(
            None,
            "The price has changed since you looked: please check the new difference below "
            "before you confirm.",
        )
        return _page(request, booking, form, card, preview, 409)
    method = ""
    if preview.charge_minor and is_test_mode():
        if not card.is_valid():
            return _page(request, booking, form, card, preview, 400)
        method = card.cleaned_data["card_number"]
    elif preview.charge_minor:
        # live: Stripe.js turned the card into a pm_ id; a card number never reaches us
        method = request.POST.get("payment_method", "").strip()
        if not method.startswith("pm_"):
            card.add_error(None, "Enter your card details to pay the difference.")
            return _page(request, booking, form, card, preview, 400)
    outcome = booking_change(
        booking=booking,
        start=preview.start,
        end=preview.end,
        guests=preview.guests,
        by=customer(request),
        payment_method=method,
        expected_difference=preview.difference,
        return_url=request.build_absolute_uri(f"/bookings/{booking.reference}/"),
        now=timezone.now(),
    )
    if outcome.status == "requires_action" and outcome.action_url:
        return redirect(outcome.action_url)
    if outcome.status == "requires_action":
        messages.info(
            request,
            "Your bank asks you to confirm the payment of the difference; your booking is "
            "changed as soon as it is confirmed.",
        )
        return redirect("bookings:detail", reference=booking.reference)
    if outcome.status == "declined":
        card.add_error(None, outcome.message)
        return _page(request, booking, form, card, preview, 402)
    if outcome.status == "changed":
        text = f"Booking {booking.reference} is changed."
        if preview.charge_minor:
            text += f" {preview.money(preview.charge_minor)} was charged to your card."
        elif preview.refund_minor:
            text += f" {preview.money(preview.refund_minor)} is on its way back to your card."
        messages.success(request, text)
    else:
        messages.info(request, outcome.message)
    return redirect("bookings:detail", reference=booking.reference)


def _stripe(booking: Booking, preview: ChangePreview | None) -> dict[str, Any] | None:
    """Stripe's Payment Element for a dearer difference (live mode with a publishable key):
    the page posts the ``pm_`` id it makes, as the payment page does."""
    from midas.payments.providers.stripe import checkout_context

    if is_test_mode() or preview is None or not preview.charge_minor:
        return None
    if not stripe_publishable_key():
        return None
    return checkout_context(amount_minor=preview.charge_minor, currency=booking.currency)


def _page(
    request: HttpRequest,
    booking: Booking,
    form: ChangeForm,
    card: CardForm,
    preview: ChangePreview | None,
    status: int,
) -> HttpResponse:
    context = {
        "booking": booking,
        "form": form,
        "card": card,
        "preview": preview,
        "test_cards": TEST_CARDS,
        "change_policy": describe_change_policy(booking.asset.category.slug),
        "stripe": _stripe(booking, preview),
    }
    return page(
        request, "bookings/change.html", f"Change {booking.reference}", context, status=status
    )
