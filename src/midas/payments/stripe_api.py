"""The one door to Stripe: a configured SDK client in, plain dicts and our own errors out.

Everything that talks to Stripe goes through these functions, so the provider
(``providers/stripe.py``) and the webhook (``webhooks.py``) never touch the SDK's objects
or exceptions. The client is built from settings when first used (never at import time):

- ``STRIPE_SECRET_KEY`` authenticates (``Authorization: Bearer sk_...``);
- ``STRIPE_API_BASE``, when set, replaces ``https://api.stripe.com`` (the local stand-in
  in tests, ``tests/payments/stripe_standin.py``);
- a connect/read timeout and the SDK's own retries (``max_network_retries``: connection
  errors, 409 and 5xx, with backoff). Retrying a POST is safe because every write carries
  an ``Idempotency-Key`` derived from our own ids.

Errors: a card refused by the bank is a ``CardDeclined`` carrying Stripe's error object (the
provider turns it into a failed ``ProviderResult``); a request Stripe refuses for the object's
state, or a key reused with other parameters, is ``AppError(invalid_state)`` (a definite
no: ``providers/base.py``); anything else (network, auth, rate limit, 5xx after the
retries) is ``AppError(payment_provider_error)``, logged with Stripe's request id.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

from midas.errors import AppError, ErrorCode

if TYPE_CHECKING:
    import stripe

logger = logging.getLogger("midas.payments.stripe")

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 30.0
MAX_NETWORK_RETRIES = 2
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe's codes for "not in a state that allows this" (capture twice, cancel a captured
# intent, refund past the charge): the caller's mistake, not Stripe's outage.
STATE_ERROR_CODES = {
    "payment_intent_unexpected_state",
    "charge_already_refunded",
    "charge_already_captured",
    "amount_too_large",
    "charge_not_refundable",
}
UNAVAILABLE = "the payment service is unavailable; please try again in a moment"


class CardDeclined(Exception):
    """Stripe answered ``card_error`` (HTTP 402): the card was refused or needs the customer.

    ``error`` is Stripe's error object: ``type``, ``code`` (``card_declined``,
    ``authentication_required``, ...), ``decline_code``, ``message`` and ``payment_intent``
    (the intent as it now stands, usually ``requires_payment_method``)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message") or "card declined")
        self.error = error


def sdk() -> Any:
    """The Stripe SDK, imported when first needed: a site on the sandbox provider never
    loads it (with requests and urllib3, ~9 MB a process); the server's warm-up imports it
    in the master when Stripe is the provider."""
    import stripe

    return stripe


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    stripe = sdk()
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)),
    )


def client() -> stripe.StripeClient:
    """The SDK client for the current settings (cached per key and base URL)."""
    api_key = settings.STRIPE_SECRET_KEY
    if not api_key:
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, "Stripe is not configured")
    return _client(api_key, (settings.STRIPE_API_BASE or "").rstrip("/"))


def _error_object(exc: stripe.StripeError) -> dict[str, Any]:
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error")
    return error if isinstance(error, dict) else {"message": str(exc), "code": exc.code}


def _call(operation: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one SDK call; its answer as a plain dict, its failure as one of our errors."""
    stripe = sdk()
    try:
        answer = fn(*args, **kwargs)
    except stripe.CardError as exc:
        raise CardDeclined(_error_object(exc)) from exc
    except stripe.IdempotencyError as exc:
        # a definite no (providers/base.py): nothing was executed, so the row is failed
        logger.error("stripe %s: key reused with other parameters: %s", operation, exc)
        raise AppError(
            ErrorCode.INVALID_STATE, "this payment step was already sent with other details"
        ) from exc
    except stripe.InvalidRequestError as exc:
        if exc.code in STATE_ERROR_CODES:
            raise AppError(ErrorCode.INVALID_STATE, exc.user_message or str(exc)) from exc
        logger.error("stripe %s refused: %s request=%s", operation, exc, exc.request_id)
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, UNAVAILABLE) from exc
    except stripe.StripeError as exc:  # connection, authentication, rate limit, 5xx
        logger.warning("stripe %s failed: %r request=%s", operation, exc, exc.request_id)
        raise AppError(ErrorCode.PAYMENT_PROVIDER_ERROR, UNAVAILABLE) from exc
    return answer.to_dict()


def _options(idempotency_key: str) -> dict[str, str]:
    return {"idempotency_key": idempotency_key}


# --- PaymentIntents -----------------------------------------------------------------------
def create_payment_intent(params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    api = client().v1.payment_intents
    return _call("payment_intents.create", api.create, params, _options(idempotency_key))


def retrieve_payment_intent(intent_id: str) -> dict[str, Any]:
    return _call("payment_intents.retrieve", client().v1.payment_intents.retrieve, intent_id)


def capture_payment_intent(
    intent_id: str, *, amount_minor: int, idempotency_key: str
) -> dict[str, Any]:
    api = client().v1.payment_intents
    params = {"amount_to_capture": amount_minor}
    return _call(
        "payment_intents.capture", api.capture, intent_id, params, _options(idempotency_key)
    )


def cancel_payment_intent(intent_id: str, *, idempotency_key: str) -> dict[str, Any]:
    api = client().v1.payment_intents
    params = {"cancellation_reason": "requested_by_customer"}
    return _call("payment_intents.cancel", api.cancel, intent_id, params, _options(idempotency_key))


# --- Refunds ------------------------------------------------------------------------------
def create_refund(params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    return _call("refunds.create", client().v1.refunds.create, params, _options(idempotency_key))


def retrieve_refund(refund_id: str) -> dict[str, Any]:
    return _call("refunds.retrieve", client().v1.refunds.retrieve, refund_id)


# --- Customers and saved payment methods ---------------------------------------------------
def find_customer(email: str) -> dict[str, Any] | None:
    found = _call("customers.list", client().v1.customers.list, {"email": email, "limit": 1})
    data = found.get("data") or []
    return data[0] if data else None


def create_customer(params: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    api = client().v1.customers
    return _call("customers.create", api.create, params, _options(idempotency_key))


def retrieve_payment_method(payment_method_id: str) -> dict[str, Any]:
    api = client().v1.payment_methods
    return _call("payment_methods.retrieve", api.retrieve, payment_method_id)


# --- Webhooks -----------------------------------------------------------------------------
def verify_event(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event Stripe signed, as a dict; ``AppError(webhook_invalid)`` for anything else.

    Checks the ``Stripe-Signature`` header (``t=<unix time>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" keyed by STRIPE_WEBHOOK_SECRET>``) with the SDK, refusing a timestamp more
    than 300 s old, then that the body is an event object."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set")
        raise AppError(ErrorCode.WEBHOOK_INVALID, "webhook signing secret is not configured")
    if not signature:
        raise AppError(ErrorCode.WEBHOOK_INVALID, "the Stripe-Signature header is missing")
    stripe = sdk()
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(text)
    except stripe.SignatureVerificationError as exc:
        raise AppError(ErrorCode.WEBHOOK_INVALID, f"bad Stripe signature: {exc}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise AppError(ErrorCode.WEBHOOK_INVALID, "the body is not a JSON event") from exc
    data = event.get("data") if isinstance(event, dict) else None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
    ):
        raise AppError(ErrorCode.WEBHOOK_INVALID, "the body is not a Stripe event")
    return event
