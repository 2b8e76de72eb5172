"""Lines that adjust the rental: the length discount (weekly, monthly) and the customer's
service tier (a signed adjustment and perks)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from midas.bookings.pricing.lines import QuoteLine, percent_of, signed_percent_of
from midas.catalog.models import Asset, LengthDiscount, TierRule


def length_discount_for(asset: Asset, days: int) -> LengthDiscount | None:
    """The rule of the most specific scope that has any (asset, then category, then the
    house), with the highest ``min_days`` that ``days`` reaches."""
    if days < 2:
        return None
    data = getattr(asset, "_pricing", None)  # catalogue.load_pricing
    rules = (
        data.discounts
        if data is not None
        else list(
            LengthDiscount.objects.filter(
                Q(asset=asset)
                | Q(asset__isnull=True, category=asset.category_id)
                | Q(asset__isnull=True, category__isnull=True)
            )
        )
    )
    for scope in (
        [r for r in rules if r.asset_id],
        [r for r in rules if r.category_id],
        [r for r in rules if not r.asset_id and not r.category_id],
    ):
        if scope:
            reached = [r for r in scope if r.min_days <= days]
            return max(reached, key=lambda r: (r.min_days, r.discount_bp)) if reached else None
    return None


def discount_line(asset: Asset, days: int, rental: int) -> QuoteLine | None:
    rule = length_discount_for(asset, days)
    if rule is None or not rental:
        return None
    amount = -percent_of(rental, rule.discount_bp)
    label = f"{rule.label}: {rule.discount_bp / 100:g}% off from {rule.min_days} days"
    return QuoteLine("discount", "length_discount", label, 1, amount, amount)


@dataclass(frozen=True)
class TierAdjustment:
    tier: str
    lines: list[QuoteLine]
    perks: tuple[str, ...]


def tier_rules_for(asset: Asset, tier: str) -> list[TierRule]:
    """Active rules of ``tier``: the category's own if it has any, else the house-wide."""
    data = getattr(asset, "_pricing", None)  # catalogue.load_pricing
    if data is not None:
        rules = [r for r in data.tier_rules if r.tier == tier]
    else:
        rules = list(
            TierRule.objects.filter(is_active=True, tier=tier).filter(
                Q(category=asset.category_id) | Q(category__isnull=True)
            )
        )
    own = [r for r in rules if r.category_id]
    return own or rules


def tier_adjustment(asset: Asset, tier: str, rental: int) -> TierAdjustment | None:
    """``rental`` is after the length discount. None when no rule of the tier applies."""
    if not tier:
        return None
    rules = tier_rules_for(asset, tier)
    if not rules:
        return None
    lines = []
    for rule in rules:
        if rule.adjustment_bp:
            amount = signed_percent_of(rental, rule.adjustment_bp)
            # several reductions never take the rental below zero
            amount = max(amount, -(rental + sum(line.amount for line in lines)))
            sign = "+" if rule.adjustment_bp > 0 else "−"
            label = f"{rule.label} ({sign}{abs(rule.adjustment_bp) / 100:g}%)"
            lines.append(QuoteLine("tier", f"tier_{tier}", label, 1, amount, amount))
    perks = tuple(rule.perk for rule in rules if rule.perk)
    return TierAdjustment(tier, lines, perks)
