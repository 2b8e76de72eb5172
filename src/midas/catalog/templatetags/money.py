"""Template filters for money: ``{{ amount|money:currency }}`` ("USD 5,500") and
``{{ amount|money_full:currency }}`` ("USD 5,500.00"). The rules live in ``midas.money``."""

from __future__ import annotations

from django import template

from midas.money import format_money

register = template.Library()


@register.filter
def money(amount: object, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def money_full(amount: object, currency: str) -> str:
    return format_money(amount, currency, always_fraction=True)
