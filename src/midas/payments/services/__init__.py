"""The payments app's write path (one module per meaning; everything importable from here).

- ``ledger``: open a row, apply the provider's answer, drive a pending row (the one place the
  ledger changes, and the consequences each change has);
- ``checkout``: ``payment_pay_booking``, ``payment_complete_challenge``;
- ``deposits``: ``deposit_hold``, ``deposit_capture``, ``deposit_release``;
- ``settle``: ``payment_sync`` (webhooks), ``payment_refund``, ``payments_settle``, the job.
"""

from midas.payments.services.checkout import (
    PaymentOutcome,
    challenge_path,
    payment_complete_challenge,
    payment_pay_booking,
)
from midas.payments.services.deposits import (
    deposit_capture,
    deposit_hold,
    deposit_release,
    deposits_release_due,
)
from midas.payments.services.ledger import (
    payment_abandon_at_provider,
    payment_apply,
    payment_call,
)
from midas.payments.services.settle import (
    payment_refund,
    payment_sync,
    payments_settle,
    payments_settle_pending,
)

__all__ = [
    "PaymentOutcome",
    "challenge_path",
    "deposit_capture",
    "deposit_hold",
    "deposit_release",
    "deposits_release_due",
    "payment_abandon_at_provider",
    "payment_apply",
    "payment_call",
    "payment_complete_challenge",
    "payment_pay_booking",
    "payment_refund",
    "payment_sync",
    "payments_settle",
    "payments_settle_pending",
]
