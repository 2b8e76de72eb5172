"""Payments' part in deleting an account (``midas.accounts.deletion``): while a security
deposit is still held on the customer's card the account stays (the hold must be released
or captured against it). The ledger itself is kept whole: financial records."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from midas.accounts.deletion import register
from midas.accounts.models import User
from midas.money import format_money
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.selectors import ledger_totals


def deposits_held(user: User, now: dt.datetime) -> list[str]:
    held = (
        Payment.objects.filter(
            booking__customer=user, kind=PaymentKind.DEPOSIT_HOLD, status=PaymentStatus.SUCCEEDED
        )
        .select_related("booking")
        .order_by("booking_id")
    )
    reasons = []
    for booking in dict.fromkeys(payment.booking for payment in held):
        totals = ledger_totals(booking)
        if totals.deposit_held > 0:
            reasons.append(
                f"The security deposit of {format_money(totals.deposit_held, booking.currency)} "
                f"for {booking.reference} is still held on your card; it is released within "
                f"{settings.DEPOSIT_RELEASE_DAYS} days of the return, and you can delete your "
                "account once it is."
            )
    return reasons


register("payments", blockers=deposits_held)
