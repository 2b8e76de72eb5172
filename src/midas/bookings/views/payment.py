"""Paying for a held booking, and the sandbox's local authentication ("3-D Secure") page.

In test mode (the ``sandbox`` provider, no Stripe key) the page takes a test card number,
expiry and security code and every payment page says so. With ``STRIPE_PUBLISHABLE_KEY``
set the page hands over to Stripe's Payment Element (``bookings/_pay_stripe.html``). A card
number goes to the provider only: it is never stored, logged or rendered back.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from midas.bookings.forms import CardForm
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.policies import describe_policy
from midas.bookings.services.change import change_id, change_outcome
from midas.bookings.views.common import (
    access_booking,
    hold_minutes_left,
    page,
    stripe_publishable_key,
    to_login,
)
from midas.core.urls import absolute_url as absolute
from midas.errors import AppError
from midas.flags.guards import flag_page
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers import is_test_mode
from midas.payments.selectors import payments_of
from midas.payments.services import (
    PaymentOutcome,
    payment_complete_challenge,
    payment_pay_booking,
    payment_sync,
)

SANDBOX = "sandbox"
TEST_CARDS = [
    ("4242 4242 4242 4242", "succeeds"),
    ("4000 0000 0000 0002", "is declined"),
    ("4000 0025 0000 3155", "asks your bank to confirm (a test challenge page)"),
]


def detail_url(booking: Booking) -> str:
    return reverse("bookings:detail", args=[booking.reference])


def pay_url(booking: Booking) -> str:
    return reverse("bookings:pay", args=[booking.reference])


def confirmation_url(booking: Booking) -> str:
    return reverse("bookings:confirmation", args=[booking.reference])


def not_payable(request: HttpRequest, booking: Booking) -> HttpResponse:
    """Where a payment page sends a booking that takes no payment now."""
    if booking.status == BookingStatus.CONFIRMED:
        return redirect(confirmation_url(booking))
    if booking.status == BookingStatus.REQUESTED:
        messages.info(request, "Your concierge has not approved this request yet.")
    else:
        label = booking.get_status_display().lower()
        messages.info(request, f"This booking is {label}: there is nothing to pay.")
    return redirect(detail_url(booking))


def follow(request: HttpRequest, outcome: PaymentOutcome) -> HttpResponse:
    """Where the customer goes once the provider has answered."""
    booking = outcome.booking
    if outcome.status == "succeeded":
        return redirect(confirmation_url(booking))
    if outcome.status == "requires_action" and outcome.action_url:
        return redirect(outcome.action_url)
    if outcome.status == "declined":
        if booking.status == BookingStatus.HELD:  # the payment page shows the decline
            return redirect(pay_url(booking))
        messages.error(request, f"Your payment did not go through. {outcome.message}")
        return redirect(detail_url(booking))
    messages.info(request, outcome.message or "Your payment is being processed.")
    return redirect(detail_url(booking))


@sensitive_variables("form", "method")
@sensitive_post_parameters("card_number", "expiry", "cvc")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@flag_page("payments")
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return to_login(request, request.path)
    booking = access_booking(request, reference)
    if request.method == "GET" and request.GET.get("payment_intent"):
        booking = back_from_the_bank(booking, request.GET["payment_intent"])
    if booking.status != BookingStatus.HELD:
        return not_payable(request, booking)
    form = CardForm(request.POST or None)
    if request.method != "POST":
        return payment_page(request, booking, form, status=200)
    if is_test_mode():
        if not form.is_valid():
            # the template never writes what was typed back into the card fields
            return payment_page(request, booking, form, status=400)
        method = form.cleaned_data["card_number"]
    else:
        # live: Stripe.js turned the card into a pm_ id; a card number never reaches us
        method = request.POST.get("payment_method", "").strip()
        if not method.startswith("pm_"):
            return redirect(pay_url(booking))
    try:
        outcome = payment_pay_booking(
            booking=booking,
            payment_method=method,
            return_url=absolute(pay_url(booking)),
            now=timezone.now(),
        )
    except AppError as exc:
        if exc.status == 409:  # expired, paid meanwhile, a payment under way
            messages.error(request, exc.message[:1].upper() + exc.message[1:] + ".")
            return redirect(detail_url(booking))
        form.add_app_error(exc)
        return payment_page(request, booking, form, status=exc.status)
    return follow(request, outcome)


def back_from_the_bank(booking: Booking, provider_ref: str) -> Booking:
    """A provider's authentication page sent the customer back (``?payment_intent=``):
    re-read that payment, if it is one of this booking's, before showing anything."""
    row = Payment.objects.filter(
        booking=booking, kind=PaymentKind.CHARGE, provider_ref=provider_ref[:100]
    ).first()
    if row is None or row.provider == SANDBOX:
        return booking
    try:
        payment_sync(provider=row.provider, provider_ref=row.provider_ref)
    except AppError:
        return booking  # the webhook will bring the answer
    booking.refresh_from_db()
    return booking


def last_failure(booking: Booking) -> Payment | None:
    rows = [row for row in payments_of(booking) if row.kind == PaymentKind.CHARGE]
    last = rows[-1] if rows else None
    return last if last is not None and last.status == PaymentStatus.FAILED else None


def payment_page(
    request: HttpRequest, booking: Booking, form: CardForm, *, status: int
) -> HttpResponse:
    now = timezone.now()
    context = {
        "booking": booking,
        "form": form,
        "minutes_left": hold_minutes_left(booking, now),
        "test_cards": TEST_CARDS,
        "stripe": None if is_test_mode() else stripe_context(booking),
        "policy": describe_policy(booking.asset.category.slug),
        "failure": last_failure(booking),
    }
    return page(
        request, "bookings/pay.html", f"Pay for {booking.reference}", context, status=status
    )


def stripe_context(booking: Booking) -> dict | None:
    """What ``bookings/_pay_stripe.html`` needs to mount Stripe's Payment Element (deferred
    mode: the page posts the ``pm_`` id it creates), or None without a publishable key."""
    from midas.payments.providers.stripe import checkout_context

    if not stripe_publishable_key():
        return None
    return checkout_context(
        amount_minor=booking.total_minor,
        currency=booking.currency,
        save_card=booking.security_deposit_minor > 0,
    )


# --- The sandbox's authentication page -----------------------------------------------------


def access_challenge(request: HttpRequest, reference: str, payment_id: int) -> Payment:
    booking = access_booking(request, reference)
    payment = (
        Payment.objects.filter(pk=payment_id, booking=booking, provider=SANDBOX)
        .select_related("booking")
        .first()
    )
    if payment is None:
        raise Http404("No such payment")
    payment.booking = booking
    return payment


@never_cache
@require_http_methods(["GET", "HEAD"])
def challenge(request: HttpRequest, reference: str, payment_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return to_login(request, request.path)
    payment = access_challenge(request, reference, payment_id)
    booking = payment.booking
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        if payment.status == PaymentStatus.SUCCEEDED:
            return redirect(confirmation_url(booking))
        return redirect(
            pay_url(booking) if booking.status == BookingStatus.HELD else detail_url(booking)
        )
    context = {"booking": booking, "payment": payment}
    return page(request, "bookings/challenge.html", "Confirm your payment", context)


@never_cache
@require_POST
def challenge_answer(request: HttpRequest, reference: str, payment_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return to_login(request, reverse("bookings:detail", args=[reference]))
    payment = access_challenge(request, reference, payment_id)
    approve = request.POST.get("answer") == "approve"
    try:
        outcome = payment_complete_challenge(payment=payment, approve=approve)
    except AppError as exc:
        messages.error(request, exc.message[:1].upper() + exc.message[1:] + ".")
        return redirect(detail_url(payment.booking))
    if change_id(outcome.payment) is not None:
        return follow_change(request, outcome.payment)
    return follow(request, outcome)


def follow_change(request: HttpRequest, payment: Payment) -> HttpResponse:
    """Back from the bank for a change's difference: the booking's page says how it went."""
    outcome = change_outcome(payment, now=timezone.now())
    reference = outcome.booking.reference
    if outcome.status == "changed":
        messages.success(request, f"Booking {reference} is changed.")
    elif outcome.status == "declined":
        messages.error(request, f"Your payment did not go through. {outcome.message}")
    else:
        messages.info(request, outcome.message or "Your payment is being processed.")
    return redirect(detail_url(outcome.booking))
