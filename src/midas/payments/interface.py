"""What a payment provider takes and returns: plain data, never ORM objects.

``midas.payments.services`` turns bookings into these requests, calls the provider chosen
by settings (``sandbox`` without a Stripe key, ``stripe`` with one) and records each result
as a ledger row. Amounts are integer minor units; ``idempotency_key`` is derived from our
own ids (for example ``booking:MID-7K3P9Q:charge:1``) so a retried call never charges twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

ProviderStatus = Literal[
    "succeeded", "requires_action", "requires_capture", "failed", "canceled", "pending"
]


@dataclass(frozen=True)
class ChargeRequest:
    reference: str  # our booking reference
    amount_minor: int
    currency: str
    idempotency_key: str
    description: str
    customer_email: str
    payment_method: str  # sandbox: a test card number or a pm_card_* id; stripe: a pm_ id
    capture: bool = True  # False: authorise only (the security deposit hold)
    return_url: str = ""  # where an authentication challenge sends the customer back
    off_session: bool = False  # charge a saved card without the customer present
    save_payment_method: bool = False  # keep the card for later off-session charges (deposit)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderResult:
    provider_ref: str  # e.g. a PaymentIntent or refund id
    status: ProviderStatus
    amount_minor: int
    currency: str
    action_url: str = ""  # requires_action: where the customer authenticates
    failure_code: str = ""
    failure_message: str = ""
    payment_method: str = ""  # the saved method, for later off-session charges


class PaymentProvider(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> ProviderResult: ...

    def retrieve(self, provider_ref: str) -> ProviderResult: ...

    def capture(
        self, provider_ref: str, amount_minor: int, idempotency_key: str
    ) -> ProviderResult: ...

    def cancel(self, provider_ref: str, idempotency_key: str) -> ProviderResult: ...

    def refund(
        self, provider_ref: str, amount_minor: int, idempotency_key: str
    ) -> ProviderResult: ...
