"""The ``stripe`` provider: PaymentIntents behind ``interface.PaymentProvider``.

Takes and returns plain data (``ChargeRequest`` → ``ProviderResult``); the ledger is written
by ``midas.payments.services``, never here. Every write carries the caller's idempotency key
(derived from our own ids), so a retried request — ours or the SDK's — never charges twice.

- **Rental charge**: a PaymentIntent created and confirmed in one call with
  ``capture_method=automatic``; a server-side confirm when the request names a payment
  method, or an unconfirmed intent the checkout page confirms with the Payment Element
  (``checkout_context``) when it does not.
- **Security deposit**: the same with ``capture_method=manual``: an authorisation
  (``requires_capture``) that ``capture`` settles in part or in full and ``cancel`` releases.
- **Long rentals** (a card authorisation lasts 7 days): the checkout charge saves the card
  (``setup_future_usage=off_session`` on a Customer), and the deposit is held later,
  off-session, with the saved method (``off_session=True``); see docs/explanation/stripe.md.
  If the bank then wants the customer (``authentication_required``) the result is
  ``requires_action`` with that failure code: bring the customer back on-session.

Status mapping (Stripe → ``ProviderResult.status``): ``succeeded`` → succeeded (amount =
``amount_received``); ``requires_capture`` → requires_capture (amount =
``amount_capturable``); ``requires_action``/``requires_confirmation`` → requires_action;
``requires_payment_method`` → failed after a failed attempt, requires_action when that
attempt needs authentication, pending before any attempt; ``processing`` → pending;
``canceled`` → canceled. Refunds: their own status (``pending`` stays pending).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings

from midas.errors import AppError, ErrorCode
from midas.payments import stripe_api
from midas.payments.interface import ChargeRequest, ProviderResult, ProviderStatus

STRIPE_JS_URL = "https://js.stripe.com/v3/"
DEFAULT_DECLINE = "card_declined"


def _id(value: Any) -> str:
    """An id from a field that is either the id or the expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def failure_code(error: dict[str, Any]) -> str:
    """The bank's reason (``insufficient_funds``, ``expired_card``, ...), else Stripe's
    code (``card_declined`` for a generic decline, ``authentication_required``, ...)."""
    decline_code = str(error.get("decline_code") or "")
    if decline_code and decline_code != "generic_decline":
        return decline_code
    return str(error.get("code") or decline_code)


def intent_result(intent: dict[str, Any]) -> ProviderResult:
    """A PaymentIntent, as the ledger reads it."""
    stripe_status = intent.get("status", "")
    amount = int(intent.get("amount") or 0)
    error = intent.get("last_payment_error") or {}
    status: ProviderStatus
    if stripe_status == "succeeded":
        status, amount = "succeeded", int(intent.get("amount_received") or 0)
    elif stripe_status == "requires_capture":
        status, amount = "requires_capture", int(intent.get("amount_capturable") or 0)
    elif stripe_status in {"requires_action", "requires_confirmation"}:
        status = "requires_action"
    elif stripe_status == "canceled":
        status = "canceled"
    elif stripe_status == "requires_payment_method" and error:
        needs_customer = error.get("code") == "authentication_required"
        status = "requires_action" if needs_customer else "failed"
    else:  # requires_payment_method before any attempt, processing
        status = "pending"
    next_action = intent.get("next_action") or {}
    redirect = next_action.get("redirect_to_url") or {}
    return ProviderResult(
        provider_ref=str(intent.get("id", "")),
        status=status,
        amount_minor=amount,
        currency=str(intent.get("currency", "")).upper(),
        action_url=str(redirect.get("url") or ""),
        failure_code=failure_code(error) if error else "",
        failure_message=str(error.get("message") or "")[:300] if error else "",
        payment_method=_id(intent.get("payment_method")) if intent.get("customer") else "",
    )


def refund_result(refund: dict[str, Any]) -> ProviderResult:
    final: dict[str, ProviderStatus] = {
        "succeeded": "succeeded",
        "failed": "failed",
        "canceled": "canceled",
    }
    status = final.get(str(refund.get("status")), "pending")  # pending, requires_action
    return ProviderResult(
        provider_ref=str(refund.get("id", "")),
        status=status,
        amount_minor=int(refund.get("amount") or 0),
        currency=str(refund.get("currency", "")).upper(),
        failure_code=str(refund.get("failure_reason") or "") if status == "failed" else "",
    )


def declined_result(request: ChargeRequest, error: dict[str, Any]) -> ProviderResult:
    """A ``card_error`` answer: the intent Stripe kept, failed (or waiting for the customer)."""
    intent = error.get("payment_intent") or {}
    code = str(error.get("code") or "")
    needs_customer = code == "authentication_required"
    return ProviderResult(
        provider_ref=_id(intent),
        status="requires_action" if needs_customer else "failed",
        amount_minor=request.amount_minor,
        currency=request.currency.upper(),
        failure_code=failure_code(error) or DEFAULT_DECLINE,
        failure_message=str(error.get("message") or "")[:300],
        payment_method=_id(intent.get("payment_method")) if intent.get("customer") else "",
    )


def customer_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"customer:{digest}"


class StripeProvider:
    name = "stripe"

    # --- charge: rental charge or deposit hold ------------------------------------------
    def charge(self, request: ChargeRequest) -> ProviderResult:
        params: dict[str, Any] = {
            "amount": request.amount_minor,
            "currency": request.currency.lower(),
            "capture_method": "automatic" if request.capture else "manual",
            "payment_method_types": ["card"],
            "description": request.description[:1000],
            "metadata": {**request.metadata, "booking": request.reference},
        }
        if request.off_session:
            # a saved card, customer absent: the method's own Customer must come along
            if not request.payment_method:
                raise AppError(ErrorCode.INVALID_INPUT, "an off-session charge needs a saved card")
            method = stripe_api.retrieve_payment_method(request.payment_method)
            params.update(
                customer=_id(method.get("customer")) or None,
                payment_method=request.payment_method,
                off_session=True,
                confirm=True,
            )
        else:
            if request.save_payment_method:
                params["customer"] = self.customer_for(request.customer_email)
                params["setup_future_usage"] = "off_session"
            if request.payment_method:
                params.update(payment_method=request.payment_method, confirm=True)
                if request.return_url:
                    params["return_url"] = request.return_url
        params = {key: value for key, value in params.items() if value is not None}
        try:
            intent = stripe_api.create_payment_intent(
                params, idempotency_key=request.idempotency_key
            )
        except stripe_api.CardDeclined as declined:
            return declined_result(request, declined.error)
        return intent_result(intent)

    def customer_for(self, email: str) -> str:
        """The Stripe Customer of an email address, created once."""
        email = email.strip().lower()
        found = stripe_api.find_customer(email)
        if found:
            return str(found["id"])
        created = stripe_api.create_customer({"email": email}, idempotency_key=customer_key(email))
        return str(created["id"])

    # --- read ---------------------------------------------------------------------------
    def retrieve(self, provider_ref: str) -> ProviderResult:
        """Re-read a PaymentIntent (``pi_...``) or a refund (``re_...``) from Stripe."""
        if provider_ref.startswith("re_"):
            return refund_result(stripe_api.retrieve_refund(provider_ref))
        return intent_result(stripe_api.retrieve_payment_intent(provider_ref))

    # --- deposit: capture part or all, or release ----------------------------------------
    def capture(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> ProviderResult:
        """Capture ``amount_minor`` of a held deposit; Stripe releases the rest at once.
        Capturing nothing is a release (``cancel``)."""
        if amount_minor <= 0:
            return self.cancel(provider_ref, idempotency_key)
        intent = stripe_api.capture_payment_intent(
            provider_ref, amount_minor=amount_minor, idempotency_key=idempotency_key
        )
        return intent_result(intent)

    def cancel(self, provider_ref: str, idempotency_key: str) -> ProviderResult:
        """Release a hold (or abandon an unpaid intent). The result's amount is the intent's."""
        intent = stripe_api.cancel_payment_intent(provider_ref, idempotency_key=idempotency_key)
        return intent_result(intent)

    # --- refund -------------------------------------------------------------------------
    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> ProviderResult:
        params = {
            "payment_intent": provider_ref,
            "amount": amount_minor,
            "reason": "requested_by_customer",
            "metadata": {"idempotency_key": idempotency_key},
        }
        return refund_result(stripe_api.create_refund(params, idempotency_key=idempotency_key))


def checkout_context(
    *, amount_minor: int = 0, currency: str = "", save_card: bool = False, provider_ref: str = ""
) -> dict[str, Any] | None:
    """What the checkout page needs for Stripe.js, or ``None`` unless
    ``STRIPE_PUBLISHABLE_KEY`` is set (Stripe.js is never loaded in sandbox mode).

    Paying: mount the Payment Element in deferred mode with ``elements_options`` (amount,
    currency, ``paymentMethodCreation: "manual"``, and ``setupFutureUsage: "off_session"``
    when ``save_card``, which must match ``ChargeRequest.save_payment_method``), create the
    method with ``stripe.createPaymentMethod({elements})`` and post its ``pm_...`` id: the
    server creates and confirms the PaymentIntent. Authenticating an intent that answered
    ``requires_action`` (``provider_ref``): ``client_secret`` for
    ``stripe.handleNextAction({clientSecret})``; amount and currency then come from it."""
    publishable_key = settings.STRIPE_PUBLISHABLE_KEY
    if not publishable_key:
        return None
    context: dict[str, Any] = {
        "publishable_key": publishable_key,
        "js_url": STRIPE_JS_URL,
        "client_secret": "",
        "payment_intent": "",
        "status": "",
    }
    if provider_ref.startswith("pi_"):
        intent = stripe_api.retrieve_payment_intent(provider_ref)
        amount_minor = int(intent.get("amount") or 0)
        currency = str(intent.get("currency") or "")
        save_card = save_card or bool(intent.get("setup_future_usage"))
        context.update(
            client_secret=str(intent.get("client_secret") or ""),
            payment_intent=provider_ref,
            status=str(intent.get("status") or ""),
        )
    options: dict[str, Any] = {
        "mode": "payment",
        "amount": amount_minor,
        "currency": currency.lower(),
        "paymentMethodCreation": "manual",
        "paymentMethodTypes": ["card"],
    }
    if save_card:
        options["setupFutureUsage"] = "off_session"
    context["elements_options"] = options
    return context


def stripe_checkout_context(payment: Any) -> dict[str, Any] | None:
    """``checkout_context`` for a ledger row (reads only its ``provider``,
    ``provider_ref``, ``amount_minor`` and ``currency``); ``None`` for sandbox rows."""
    if getattr(payment, "provider", "") != StripeProvider.name:
        return None
    return checkout_context(
        amount_minor=int(payment.amount_minor or 0),
        currency=str(payment.currency or ""),
        provider_ref=str(payment.provider_ref or ""),
    )
