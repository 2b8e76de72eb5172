"""The ``legacy`` provider: money that moved on the old site, before Midas.

``midas legacy import`` records the old site's payments and refunds in the ledger as
succeeded rows of this provider (``provider_ref`` is the old Stripe PaymentIntent). Nothing
can be charged, captured or refunded through it: every call is refused for good, so a
ledger row opened against it (a customer cancelling an imported booking, staff refunding
one) fails at once with a message saying where the money is, and staff are told (the
ledger's usual problem notice). Refunds of old payments are made in the old site's Stripe
account, then recorded.
"""

from __future__ import annotations

from midas.payments.interface import ChargeRequest, ProviderResult
from midas.payments.providers.base import refused

WHERE = "paid on the old site: refund it in the old site's Stripe account ({ref})"


class LegacyProvider:
    name = "legacy"

    def charge(self, request: ChargeRequest) -> ProviderResult:
        raise refused("nothing is charged through the old site")

    def retrieve(self, provider_ref: str) -> ProviderResult:
        raise refused(f"paid on the old site ({provider_ref}): nothing to read back")

    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> ProviderResult:
        raise refused(WHERE.format(ref=provider_ref or "no reference"))

    def cancel(self, provider_ref: str, idempotency_key: str) -> ProviderResult:
        raise refused(WHERE.format(ref=provider_ref or "no reference"))

    def capture(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> ProviderResult:
        raise refused(WHERE.format(ref=provider_ref or "no reference"))
