"""Changing a booking over the API: new dates (and guests), previewed, then confirmed.

``POST /bookings/{ref}/change`` with ``"preview": true`` answers the new quote, the
difference and the policy and changes nothing; without it the change is made through
``booking_change`` (the same service as the customer's page and the back office): a cheaper
period at once with the difference refunded, a dearer one once its difference is paid (a
card or payment method in the same request). Only the caller's own bookings: another's is
``404 not_found``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from midas.accounts.models import User
from midas.api.auth import BearerAuth
from midas.api.bookings import BookingDetailOut, Ref
from midas.api.schemas import NO_NUL, InstantText, QuoteLineOut, errors, one_of
from midas.bookings.selectors import booking_of_customer
from midas.bookings.services import booking_change, booking_change_preview
from midas.bookings.services.change import ChangePreview, check_changeable
from midas.core.ranges import parse_instant
from midas.errors import AppError, ErrorCode
from midas.flags.guards import flag_require
from midas.payments.providers import is_test_mode

router = Router(tags=["bookings"], auth=BearerAuth())

STATUSES = ("preview", "changed", "requires_action", "processing")


class ChangeIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"start": "2027-03-14T10:00", "end": "2027-03-16T10:00", "preview": True},
                {
                    "start": "2027-03-14T10:00",
                    "end": "2027-03-17T10:00",
                    "expected_difference": 110250,
                    "card_number": "4242424242424242",
                },
            ]
        }
    )

    start: InstantText = Field(description="The new start (the location's local time)")
    end: InstantText = Field(description="The new end (the location's local time)")
    guests: int | None = Field(
        None, ge=1, le=500, description="Guests or passengers; omitted keeps the booking's"
    )
    preview: bool = Field(False, description="true: only show the new quote; nothing changes")
    expected_difference: int | None = Field(
        None,
        ge=-(10**15),
        le=10**15,
        description="The difference shown at the preview; if the price moved since, "
        "409 price_changed",
    )
    card_number: Annotated[str, Field(max_length=30, pattern=NO_NUL)] | None = Field(
        None, description="Sandbox only: a test card paying a dearer period's difference"
    )
    payment_method: Annotated[str, Field(max_length=100, pattern=NO_NUL)] | None = Field(
        None, description="A payment method id paying the difference: pm_card_visa, pm_..."
    )
    return_url: Annotated[str, Field(max_length=500, pattern=NO_NUL)] = Field(
        "", description="Where the customer comes back after authenticating: a page of this site"
    )


class ChangeQuoteOut(Schema):
    start: str = Field(description="The new start, an instant in UTC")
    end: str = Field(description="The new end, an instant in UTC")
    guests: int | None
    currency: str
    lines: list[QuoteLineOut]
    old_total: int
    new_total: int
    difference: int = Field(description="new_total - old_total; positive is owed")
    charge: int = Field(description="What the customer pays to confirm")
    refund: int = Field(description="What goes back to the card")
    security_deposit: int
    explanation: str
    policy: list[str]


class ChangeOut(Schema):
    status: str = Field(
        description="preview | changed | requires_action | processing",
        json_schema_extra=one_of(*STATUSES),
    )
    quote: ChangeQuoteOut
    action_url: str = Field(description="requires_action: where the customer authenticates")
    message: str
    booking: BookingDetailOut


def _customer(request: HttpRequest) -> User:
    """The signed-in customer ``BearerAuth`` put on the request."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User)
    return user


def _quote_out(preview: ChangePreview) -> dict[str, Any]:
    return {
        "start": preview.start.astimezone(dt.UTC).isoformat(),
        "end": preview.end.astimezone(dt.UTC).isoformat(),
        "guests": preview.guests,
        "currency": preview.currency,
        "lines": preview.quote.lines,
        "old_total": preview.old_total,
        "new_total": preview.new_total,
        "difference": preview.difference,
        "charge": preview.charge_minor,
        "refund": preview.refund_minor,
        "security_deposit": preview.deposit_minor,
        "explanation": preview.explanation,
        "policy": preview.policy,
    }


@router.post(
    "/bookings/{ref}/change",
    response={200: ChangeOut, 202: ChangeOut, **errors(401, 402, 404, 409, 422, 502)},
)
def change_booking(request: HttpRequest, ref: Ref, payload: ChangeIn) -> Status:
    """Move one of your confirmed bookings to new dates (and guests). ``"preview": true``:
    **200** with the new quote and the difference, nothing changed. Otherwise **200**
    ``changed`` (a cheaper period's difference is refunded to the card); a dearer period
    needs ``card_number`` (sandbox) or ``payment_method`` and is changed once paid
    (**202** ``requires_action``: authenticate at ``action_url``; **402**
    ``payment_declined``: nothing changed). **409** ``slot_unavailable`` (taken),
    ``change_not_allowed`` (started, or inside the policy's last days: see ``policy``),
    ``price_changed`` (``expected_difference`` no longer holds), ``invalid_state`` (not
    confirmed). Dates in the past or not bookable: **422** with the quote's code."""
    flag_require(request, "booking")
    booking = booking_of_customer(ref, _customer(request))
    now = timezone.now()
    check_changeable(booking, by_staff=False, now=now)  # the state first: nothing to parse
    tz = booking.location.tz
    start = parse_instant(payload.start, tz, field="start")
    end = parse_instant(payload.end, tz, field="end")
    preview = booking_change_preview(
        booking=booking, start=start, end=end, guests=payload.guests, by=_customer(request), now=now
    )
    if payload.preview:
        body = {
            "status": "preview",
            "quote": _quote_out(preview),
            "action_url": "",
            "message": preview.explanation,
            "booking": booking,
        }
        return Status(200, body)
    if payload.card_number and not is_test_mode():
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "card numbers are taken in test mode only; send a payment_method",
            field="card_number",
        )
    if payload.return_url and not payload.return_url.startswith(settings.SITE_URL + "/"):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"return_url must be a page of this site ({settings.SITE_URL}/...)",
            field="return_url",
        )
    outcome = booking_change(
        booking=booking,
        start=start,
        end=end,
        guests=payload.guests,
        by=_customer(request),
        payment_method=(payload.card_number or payload.payment_method or "").strip(),
        expected_difference=payload.expected_difference,
        return_url=payload.return_url,
        now=now,
    )
    if outcome.status == "declined":
        raise AppError(ErrorCode.PAYMENT_DECLINED, outcome.message)
    if outcome.status == "refunded":
        raise AppError(ErrorCode.SLOT_UNAVAILABLE, outcome.message)
    body = {
        "status": outcome.status,
        "quote": _quote_out(preview),
        "action_url": outcome.action_url,
        "message": outcome.message or preview.explanation,
        "booking": outcome.booking,
    }
    return Status(200 if outcome.changed else 202, body)
