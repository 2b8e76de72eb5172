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
from typing import Any, cast

from django.conf import settings

from midas.errors import AppError, ErrorCode
from midas.payments import stripe_api
from midas.payments.interface import ChargeRequest, ProviderResult, ProviderStatus

STRIPE_JS_URL = "https://js.stripe.com/v3/"
DEFAULT_DECLINE = "card_declined"


def _status(value: str) -> ProviderStatus:
    # "pending" is not (yet) in ProviderStatus; an intent being processed or a refund on its
    # way is neither a success nor a failure, so it is reported as such.
    return cast(ProviderStatus, value)


def _id(value: Any) -> str:
    """An id from a field that is either the id or the expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def intent_result(intent: dict[str, Any]) -> ProviderResult:
    """A PaymentIntent, as the ledger reads it."""
    stripe_status = intent.get("status", "")
    amount = int(intent.get("amount") or 0)
    error = intent.get("last_payment_error") or {}
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
        status=_status(status),
        amount_minor=amount,
        currency=str(intent.get("currency", "")).upper(),
        action_url=str(redirect.get("url") or ""),
        failure_code=str(error.get("decline_code") or error.get("code") or "") if error else "",
        failure_message=str(error.get("message") or "")[:300] if error else "",
        payment_method=_id(intent.get("payment_method")) if intent.get("customer") else "",
    )


def refund_result(refund: dict[str, Any]) -> ProviderResult:
    stripe_status = refund.get("status") or "pending"
    status = {"succeeded": "succeeded", "failed": "failed", "canceled": "canceled"}.get(
        stripe_status, "pending"
    )
    return ProviderResult(
        provider_ref=str(refund.get("id", "")),
        status=_status(status),
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
        failure_code=str(error.get("decline_code") or code or DEFAULT_DECLINE),
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
            # TODO(payments-core): ChargeRequest.save_payment_method, see the report
            if getattr(request, "save_payment_method", False):
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


def checkout_context(*, provider_ref: str) -> dict[str, str] | None:
    """What the checkout page needs to mount the Payment Element for an intent: the
    publishable key, the intent's client secret and Stripe.js' URL. ``None`` unless a
    publishable key is configured: Stripe.js is never loaded in sandbox mode."""
    publishable_key = settings.STRIPE_PUBLISHABLE_KEY
    if not publishable_key or not provider_ref.startswith("pi_"):
        return None
    intent = stripe_api.retrieve_payment_intent(provider_ref)
    return {
        "publishable_key": publishable_key,
        "client_secret": str(intent.get("client_secret") or ""),
        "payment_intent": provider_ref,
        "status": str(intent.get("status") or ""),
        "js_url": STRIPE_JS_URL,
    }


def stripe_checkout_context(payment: Any) -> dict[str, str] | None:
    """``checkout_context`` for a ledger row (reads only its ``provider`` and
    ``provider_ref``); ``None`` for sandbox rows."""
    if getattr(payment, "provider", "") != StripeProvider.name:
        return None
    return checkout_context(provider_ref=str(payment.provider_ref or ""))
