"""Payments: the Stripe webhook. (Paying a booking lives with the bookings endpoints.)"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from midas.api.schemas import errors
from midas.payments.webhooks import stripe_webhook_receive

router = Router(tags=["payments"])


class WebhookOut(Schema):
    status: str  # processed | duplicate | ignored


@router.post(
    "/payments/stripe/webhook",
    response={200: WebhookOut, **errors(400, 502)},
    summary="Receive a Stripe event",
    include_in_schema=False,  # Stripe's door, not the clients' API: docs/explanation/stripe.md
)
def stripe_webhook(request: HttpRequest) -> dict[str, str]:
    """Stripe's deliveries: the raw body signed in ``Stripe-Signature``. A missing, bad or
    stale (over 300 s) signature is a 400 ``webhook_invalid`` and changes nothing; an event
    already received is answered ``duplicate``; a type we do not handle, ``ignored``.
    No session or CSRF token: the signature is the authentication."""
    signature = request.headers.get("Stripe-Signature")
    return {"status": stripe_webhook_receive(payload=request.body, signature=signature)}
