"""Cancellation policies per category, and the refund a cancellation would give now.

A policy is a list of tiers, most generous first: cancelling at least ``min_hours`` before
the start refunds ``percent`` of what was paid for the rental (the security deposit is a
hold, always released in full). The first tier met applies; none met refunds nothing.
Boundaries are inclusive: exactly 72 hours before the start of a car rental is still
"72 hours or more". Staff may override a cancellation to a full refund.

The refund is computed here, on the server, from the ledger (what was actually paid and not
yet refunded), never from a figure a client sends; the same function gives the preview the
customer sees before confirming and the amount ``booking_cancel`` refunds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from midas.bookings.models import Booking
from midas.bookings.pricing import percent_of
from midas.money import format_money


@dataclass(frozen=True)
class Tier:
    min_hours: int
    percent: int  # of the rental paid


@dataclass(frozen=True)
class Policy:
    name: str
    tiers: tuple[Tier, ...]


POLICIES: dict[str, Policy] = {
    "cars": Policy("cars", (Tier(72, 100), Tier(24, 50))),
    "yachts": Policy("yachts", (Tier(14 * 24, 100), Tier(7 * 24, 50))),
    "jets": Policy("private jets", (Tier(7 * 24, 100), Tier(72, 50))),
    "villas": Policy("villas", (Tier(30 * 24, 100), Tier(14 * 24, 50))),
}
DEFAULT_POLICY = POLICIES["cars"]


@dataclass(frozen=True)
class RefundPreview:
    refund_minor: int
    tier: str  # full | partial | none | unpaid | staff_override
    explanation: str
    percent: int = 0
    paid_minor: int = 0  # what was paid for the rental and not yet refunded
    currency: str = ""

    @property
    def refund_display(self) -> str:
        return format_money(self.refund_minor, self.currency)


def policy_for(category_slug: str) -> Policy:
    return POLICIES.get(category_slug, DEFAULT_POLICY)


def _span(hours: int) -> str:
    if hours >= 7 * 24 and hours % 24 == 0:
        return f"{hours // 24} days"
    return f"{hours} hours"


def describe_policy(category_slug: str) -> list[str]:
    """The policy in words, one line per tier, e.g. "Full refund 72 hours or more before
    the start." (the pages and emails show it)."""
    policy = policy_for(category_slug)
    lines = []
    for tier in policy.tiers:
        what = "Full refund" if tier.percent == 100 else f"{tier.percent}% refund"
        lines.append(f"{what} {_span(tier.min_hours)} or more before the start.")
    last = policy.tiers[-1].min_hours
    lines.append(f"No refund less than {_span(last)} before the start.")
    return lines


def cancellation_preview(
    *, booking: Booking, now: dt.datetime, full_refund: bool = False
) -> RefundPreview:
    """What cancelling ``booking`` at ``now`` would refund, and why."""
    from midas.payments.selectors import ledger_totals  # payments reads bookings' models

    totals = ledger_totals(booking)
    paid = max(0, totals.paid - totals.refunded - totals.refund_pending)
    currency = booking.currency
    if paid == 0:
        return RefundPreview(0, "unpaid", "Nothing has been charged, so nothing is refunded.")
    if full_refund:
        return RefundPreview(
            paid,
            "staff_override",
            f"A full refund of {format_money(paid, currency)}, granted by our concierge.",
            100,
            paid,
            currency,
        )
    policy = policy_for(booking.asset.category.slug)
    before = booking.start - now
    hours_left = before / dt.timedelta(hours=1)
    for tier in policy.tiers:
        if before >= dt.timedelta(hours=tier.min_hours):
            refund = percent_of(paid, tier.percent * 100)
            kind = "full" if tier.percent == 100 else "partial"
            what = "in full" if tier.percent == 100 else f"at {tier.percent}%"
            return RefundPreview(
                refund,
                kind,
                f"Cancelling {_span(tier.min_hours)} or more before the start: {policy.name} "
                f"are refunded {what}, {format_money(refund, currency)} of "
                f"{format_money(paid, currency)}.",
                tier.percent,
                paid,
                currency,
            )
    last = policy.tiers[-1].min_hours
    started = "after the start" if hours_left <= 0 else f"less than {_span(last)} before it"
    return RefundPreview(
        0,
        "none",
        f"Cancelling {started}: {policy.name} are not refunded less than {_span(last)} "
        "before the start.",
        0,
        paid,
        currency,
    )


# --- Changing the dates -------------------------------------------------------------------


def change_cutoff(category_slug: str) -> dt.timedelta:
    """Until when before the start a customer may change a booking online: as long as a
    cancellation would still be refunded in full (the policy's first tier), so moving the
    dates is never worse for either side than cancelling and booking again. Staff may change
    a booking until it starts."""
    return dt.timedelta(hours=policy_for(category_slug).tiers[0].min_hours)


def describe_change_policy(category_slug: str) -> list[str]:
    """The change policy in words (the pages, the emails and the API show it)."""
    span = _span(policy_for(category_slug).tiers[0].min_hours)
    return [
        f"You can change the dates or guests of a confirmed booking online until {span} "
        "before the start.",
        "A dearer period is paid before the change is made; a cheaper one is refunded to "
        "your card in full.",
        f"Less than {span} before the start, our concierge can help.",
    ]
