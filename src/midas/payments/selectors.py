"""Reads of the payments ledger: a booking's rows, the totals they add up to, lookups.

The totals come from the rows alone (docs/explanation/payments.md):

- ``paid``: succeeded rental charges; ``refunded``: succeeded refunds of them;
- ``deposit_authorised``: succeeded deposit holds; ``deposit_captured`` and
  ``deposit_released``: succeeded captures and releases of those holds;
  ``deposit_held = deposit_authorised - deposit_captured - deposit_released``;
- ``balance = paid - refunded + deposit_captured``: the money Midas keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from midas.payments.models import Payment, PaymentKind, PaymentStatus

IN_FLIGHT = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)
# The rows a provider object (a PaymentIntent, a refund) is recorded on. Captures and
# releases carry their hold's provider_ref too, but are settled through the hold.
PRIMARY_KINDS = (PaymentKind.CHARGE, PaymentKind.DEPOSIT_HOLD, PaymentKind.REFUND)


@dataclass(frozen=True)
class LedgerTotals:
    currency: str
    paid: int
    refunded: int
    refund_pending: int
    deposit_authorised: int
    deposit_captured: int
    deposit_released: int

    @property
    def deposit_held(self) -> int:
        return self.deposit_authorised - self.deposit_captured - self.deposit_released

    @property
    def net_paid(self) -> int:
        return self.paid - self.refunded

    @property
    def balance(self) -> int:
        return self.paid - self.refunded + self.deposit_captured


def _sum(kind: str, *statuses: str) -> Sum:
    return Sum("amount_minor", filter=Q(kind=kind, status__in=statuses), default=0)


def ledger_totals(booking: object) -> LedgerTotals:
    """The booking's totals, in one query."""
    done = PaymentStatus.SUCCEEDED
    sums = Payment.objects.filter(booking=booking).aggregate(
        paid=_sum(PaymentKind.CHARGE, done),
        refunded=_sum(PaymentKind.REFUND, done),
        refund_pending=_sum(PaymentKind.REFUND, *IN_FLIGHT),
        deposit_authorised=_sum(PaymentKind.DEPOSIT_HOLD, done),
        deposit_captured=_sum(PaymentKind.DEPOSIT_CAPTURE, done),
        deposit_released=_sum(PaymentKind.DEPOSIT_RELEASE, done),
    )
    return LedgerTotals(currency=getattr(booking, "currency", ""), **sums)


def payments_of(booking: object) -> QuerySet[Payment]:
    return Payment.objects.filter(booking=booking).order_by("created_at", "id")


def payment_by_ref(*, provider: str, provider_ref: str) -> Payment | None:
    """The ledger row a provider object is recorded on (a charge, a hold or a refund)."""
    if not provider_ref:
        return None
    return (
        Payment.objects.filter(provider=provider, provider_ref=provider_ref, kind__in=PRIMARY_KINDS)
        .order_by("id")
        .first()
    )


def succeeded_charges(booking: object) -> QuerySet[Payment]:
    return Payment.objects.filter(
        booking=booking, kind=PaymentKind.CHARGE, status=PaymentStatus.SUCCEEDED
    ).order_by("id")


def refundable_minor(charge: Payment) -> int:
    """What may still be refunded of a charge: its amount less refunds succeeded or under
    way."""
    taken = charge.children.filter(
        kind=PaymentKind.REFUND, status__in=(PaymentStatus.SUCCEEDED, *IN_FLIGHT)
    ).aggregate(total=Sum("amount_minor", default=0))["total"]
    return max(0, charge.amount_minor - taken)


def active_hold(booking: object) -> Payment | None:
    """The deposit hold still authorised: succeeded, with no capture or release succeeded
    or under way."""
    for hold in Payment.objects.filter(
        booking=booking, kind=PaymentKind.DEPOSIT_HOLD, status=PaymentStatus.SUCCEEDED
    ).order_by("id"):
        settled = hold.children.filter(
            kind__in=(PaymentKind.DEPOSIT_CAPTURE, PaymentKind.DEPOSIT_RELEASE),
            status__in=(PaymentStatus.SUCCEEDED, *IN_FLIGHT),
        )
        if not settled.exists():
            return hold
    return None


def in_flight_charges(booking: object) -> QuerySet[Payment]:
    return Payment.objects.filter(booking=booking, kind=PaymentKind.CHARGE, status__in=IN_FLIGHT)


def drivable_rows(booking: object) -> QuerySet[Payment]:
    """Rows recorded but not yet answered by the provider (no provider_ref): a call that
    was interrupted, or is under way. Re-sending it with its idempotency key is safe."""
    return (
        Payment.objects.filter(booking=booking, status=PaymentStatus.PENDING, provider_ref="")
        .exclude(kind=PaymentKind.CHARGE)
        .order_by("id")
    )
