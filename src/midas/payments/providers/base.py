"""What every payment provider is: ``interface.PaymentProvider``, and how it fails.

A provider takes and returns plain data (``ChargeRequest`` → ``ProviderResult``) and never
touches the ledger. How it reports a problem:

- a card refused, or waiting for the customer, is a *result* (``failed``,
  ``requires_action``), not an exception;
- a call the provider refuses for good (capturing more than was authorised, refunding more
  than is left, cancelling a finished payment, an idempotency key reused with other
  parameters) raises ``AppError(invalid_state)``: the ledger row is marked failed;
- a provider that cannot be reached, or answers with an error of its own, raises
  ``AppError(payment_provider_error)`` (or anything else): the outcome is unknown, so the
  ledger row stays pending and the same call, with the same idempotency key, is sent again
  later (``payments_settle_pending``).
"""

from __future__ import annotations

from midas.errors import AppError, ErrorCode
from midas.payments.interface import ChargeRequest, PaymentProvider, ProviderResult

__all__ = [
    "ChargeRequest",
    "PaymentProvider",
    "ProviderResult",
    "is_refusal",
    "refused",
]


def refused(message: str) -> AppError:
    """The error a provider raises for a call it will never accept."""
    return AppError(ErrorCode.INVALID_STATE, message)


def is_refusal(exc: BaseException) -> bool:
    """Whether a provider's exception is a definite no (rather than an unknown outcome)."""
    return isinstance(exc, AppError) and exc.code == ErrorCode.INVALID_STATE
