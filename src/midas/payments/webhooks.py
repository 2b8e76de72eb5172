"""Stripe webhooks: verify, record once, dispatch on the event type, re-read the object.

1. **Verify** the ``Stripe-Signature`` header against ``STRIPE_WEBHOOK_SECRET`` with a 300 s
   tolerance (``stripe_api.verify_event``). A missing header, a bad signature, a stale
   timestamp or a body that is not an event is ``AppError(webhook_invalid)`` (400) before
   anything is written.
2. **Dispatch** on ``HANDLERS``, a dict of event type → the provider refs the event is about.
   Types not in it are answered ``ignored`` (200, nothing written): Stripe only sends the
   types the endpoint subscribes to, and an extra one is harmless.
3. **De-duplicate**: the event's row in ``payments.WebhookEvent`` (unique provider +
   event_id) is inserted first, in its own short transaction; an ``IntegrityError`` means
   another delivery of the same event already has it (answered ``duplicate``). Concurrent
   deliveries therefore process an event once.
4. **Re-read**: each ref goes to ``services.payment_sync``, which fetches the object from
   Stripe and applies it to the ledger and the booking idempotently. The event's own copy of
   the object is never trusted for state, so events may arrive in any order: each one
   re-reads the latest truth. If the sync fails (Stripe unreachable, a bug), the event's row
   is removed again and the error answered 5xx, so Stripe's retry processes it later.

No transaction is held open across the Stripe call (payment_sync reads first, then writes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.payments import stripe_api
from midas.payments.models import WebhookEvent
from midas.payments.services import payment_sync

logger = logging.getLogger("midas.payments.stripe")

PROVIDER = "stripe"
StripeObject = dict[str, Any]


def _ref(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def intent_refs(obj: StripeObject) -> list[str]:
    """A PaymentIntent event: the intent itself."""
    return [_ref(obj.get("id"))]


def charge_refs(obj: StripeObject) -> list[str]:
    """A Charge event: the PaymentIntent the charge belongs to."""
    return [_ref(obj.get("payment_intent"))]


def refund_refs(obj: StripeObject) -> list[str]:
    """A Refund event: the refund's own ledger row."""
    return [_ref(obj.get("id"))]


HANDLERS: dict[str, Callable[[StripeObject], list[str]]] = {
    "payment_intent.succeeded": intent_refs,
    "payment_intent.payment_failed": intent_refs,
    "payment_intent.requires_action": intent_refs,
    "payment_intent.canceled": intent_refs,
    "payment_intent.amount_capturable_updated": intent_refs,
    "payment_intent.processing": intent_refs,
    "charge.refunded": charge_refs,
    "charge.refund.updated": refund_refs,
    "refund.created": refund_refs,
    "refund.updated": refund_refs,
    "refund.failed": refund_refs,
}


def sync(provider_ref: str) -> None:
    """Re-read one object from Stripe and apply it: the ledger's one write path."""
    payment_sync(provider=PROVIDER, provider_ref=provider_ref)


def stripe_webhook_receive(*, payload: bytes, signature: str | None) -> str:
    """Handle one delivery; returns ``processed``, ``duplicate`` or ``ignored``."""
    event = stripe_api.verify_event(payload, signature)
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return "ignored"
    refs = list(dict.fromkeys(ref for ref in handler(event["data"]["object"]) if ref))
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(
                provider=PROVIDER, event_id=event["id"], type=event["type"], payload=event
            )
    except IntegrityError:
        return "duplicate"
    try:
        for ref in refs:
            sync(ref)
    except Exception:
        logger.exception(
            "stripe webhook %s (%s) not applied; Stripe will retry", event["id"], event["type"]
        )
        WebhookEvent.objects.filter(pk=row.pk).delete()
        raise
    WebhookEvent.objects.filter(pk=row.pk).update(processed_at=timezone.now())
    return "processed"
