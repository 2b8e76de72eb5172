"""The booking pages' and back office's forms: they parse input and show problems.

The rules (what may be booked, charged, refunded or captured) are the services'; an
``AppError`` a service raises is put on the form with ``add_app_error``. A card number is
only ever passed on to the payment provider: it is never stored, logged or shown back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from midas.errors import AppError
from midas.money import exponent, minor_per_major

REASON_MAX = 200


class AppErrorForm(forms.Form):
    def add_app_error(self, error: AppError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


def new_idempotency_key() -> str:
    """A fresh key for one checkout form: submitting it twice books once."""
    return "web-" + secrets.token_urlsafe(18)


class CheckoutForm(AppErrorForm):
    """The confirm button of the checkout page. The quote itself (start, end, location,
    extras) travels in hidden fields and is read and priced again by the server."""

    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)
    accept_terms = forms.BooleanField(
        required=True,
        label="I have read and accept the rental terms",
        error_messages={"required": "Please read and accept the rental terms to book."},
    )

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"].strip()
        if not key.isascii() or not key.isprintable():
            raise forms.ValidationError("This form has expired. Please confirm again.")
        return key


def _digits(value: str) -> str:
    return "".join(value.split()).replace("-", "")


class CardForm(AppErrorForm):
    """The sandbox's card form (test mode): number, expiry and security code."""

    card_number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "cc-number",
                "inputmode": "numeric",
                "placeholder": "4242 4242 4242 4242",
                "spellcheck": "false",
            }
        ),
    )
    expiry = forms.CharField(
        label="Expiry (MM / YY)",
        max_length=7,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-exp", "inputmode": "numeric", "placeholder": "12 / 30"}
        ),
    )
    cvc = forms.CharField(
        label="Security code",
        max_length=4,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "placeholder": "123"}
        ),
    )

    def __init__(self, *args: object, today: dt.date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_card_number(self) -> str:
        digits = _digits(self.cleaned_data["card_number"])
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise forms.ValidationError("Enter the card number: 12 to 19 digits.")
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        raw = "".join(self.cleaned_data["expiry"].split())
        month_text, _, year_text = raw.partition("/")
        if not (month_text.isdigit() and year_text.isdigit() and len(year_text) in (2, 4)):
            raise forms.ValidationError("Enter the expiry as MM / YY, for example 12 / 30.")
        month, year = int(month_text), int(year_text)
        year += 2000 if year < 100 else 0
        if not 1 <= month <= 12:
            raise forms.ValidationError("The expiry month must be 01 to 12.")
        if (year, month) < (self.today.year, self.today.month):
            raise forms.ValidationError("This card has expired.")
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError("Enter the 3 or 4 digits of the security code.")
        return cvc


class CancelForm(AppErrorForm):
    """The customer's confirmation of a cancellation; the refund is the server's."""

    reason = forms.CharField(
        label="Reason (optional)",
        max_length=REASON_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


# --- back office ------------------------------------------------------------------------


def parse_amount(text: str, currency: str) -> int:
    """``"1,250.50"`` in ``currency`` as an integer of minor units; ``ValueError`` when it
    is not a non-negative amount with at most the currency's minor digits."""
    cleaned = (text or "").replace(",", "").strip()
    if cleaned.upper().startswith(currency.upper()):
        cleaned = cleaned[len(currency) :].strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not value.is_finite() or value < 0:
        raise ValueError("not a non-negative amount")
    minor = value * minor_per_major(currency)
    if minor != minor.to_integral_value():
        raise ValueError(f"at most {exponent(currency)} decimal places")
    return int(minor)


class CaptureDepositForm(forms.Form):
    """Capture part or all of a booking's deposit hold (the rest is released)."""

    amount = forms.CharField(
        label="Amount to capture",
        max_length=24,
        help_text="In the booking's currency, e.g. 1250 or 1250.50. The rest of the hold is "
        "released.",
    )
    reason = forms.CharField(
        label="Reason (shown to the customer)", max_length=REASON_MAX, required=True
    )

    def __init__(self, *args: object, currency: str, held_minor: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.held_minor = held_minor

    def clean_amount(self) -> int:
        try:
            minor = parse_amount(self.cleaned_data["amount"], self.currency)
        except ValueError as exc:
            raise forms.ValidationError(f"Enter an amount in {self.currency}: {exc}.") from exc
        if minor <= 0:
            raise forms.ValidationError("Capture more than nothing, or release the deposit.")
        if minor > self.held_minor:
            raise forms.ValidationError("That is more than the deposit held.")
        return minor


class StaffCancelForm(forms.Form):
    """Cancel bookings from the back office: refund by the policy, or in full."""

    FULL, POLICY = "full", "policy"
    refund = forms.ChoiceField(
        label="Refund",
        choices=[
            (POLICY, "By the cancellation policy (what the customer would get now)"),
            (FULL, "In full (staff override)"),
        ],
        initial=POLICY,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", max_length=REASON_MAX, required=True)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to the customer)", max_length=REASON_MAX, required=True
    )


class StaffChangeForm(forms.Form):
    """Change a booking's dates (and guests) from the back office; times in its city."""

    start = forms.CharField(
        label="New start",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "900"}),
    )
    end = forms.CharField(
        label="New end", widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "900"})
    )
    guests = forms.IntegerField(label="Guests", min_value=1, max_value=500, required=False)
    waive_difference = forms.BooleanField(
        label="Waive a dearer difference",
        required=False,
        help_text="Unticked, a dearer change is paid by the customer from their booking page.",
    )
    reason = forms.CharField(label="Reason (shown to the customer)", max_length=REASON_MAX)
    expected_difference = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StaffRefundForm(forms.Form):
    """Refund a custom amount of what the customer paid, with a reason."""

    amount = forms.CharField(
        label="Amount to refund",
        max_length=24,
        help_text="In the booking's currency, e.g. 250 or 250.50; at most what was paid and "
        "not yet refunded.",
    )
    reason = forms.CharField(label="Reason (shown to the customer)", max_length=REASON_MAX)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int:
        try:
            minor = parse_amount(self.cleaned_data["amount"], self.currency)
        except ValueError as exc:
            raise forms.ValidationError(f"Enter an amount in {self.currency}: {exc}.") from exc
        if minor <= 0:
            raise forms.ValidationError("Refund more than nothing.")
        return minor
