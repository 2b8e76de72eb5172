"""Bookings over the API: create (hold), list, read, pay, preview a cancellation, cancel.

Every endpoint needs ``Authorization: Bearer <token>`` (``BearerAuth``) and reaches only the
caller's own bookings: another customer's reference answers exactly like an unknown one,
``404 not_found``. Thin: parse, find the booking through ``booking_of_customer``, call one
service, shape the answer.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Body, Field, Header, Path, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, model_validator

from midas.accounts.ratelimit import Limit, by_user
from midas.api import selectors
from midas.api.auth import BearerAuth
from midas.api.pagination import LimitOffset
from midas.api.quotes import read_times
from midas.api.schemas import NO_NUL, Instant, QuoteIn, QuoteLineOut, errors, one_of
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.policies import cancellation_preview, describe_policy
from midas.bookings.selectors import booking_of_customer, bookings_of
from midas.bookings.services import booking_cancel, booking_create_or_replay
from midas.bookings.services.cancel import CANCELLABLE
from midas.bookings.services.terms import terms_accepted
from midas.errors import AppError, ErrorCode
from midas.flags.guards import flag_require
from midas.payments.providers import is_test_mode
from midas.payments.selectors import LedgerTotals, ledger_totals
from midas.payments.services import payment_pay_booking

router = Router(tags=["bookings"], auth=BearerAuth())

# Booking creation per signed-in customer (settings.RATE_LIMITS may override).
BOOKING_CREATE = Limit("booking_create", limit=10, window=60)

# 401 no or a bad token; 404 not yours or no such booking (409: not in a state to do that)
READ_ERRORS = errors(401, 404)
IDEMPOTENCY_HEADER = "Idempotency-Key"
# A booking's reference (MID-7K2QXR; any case). Anything else is 400, not a lookup.
Ref = Annotated[str, Path(pattern=r"^[-A-Za-z0-9]+$", max_length=16, examples=["MID-7K2QXR"])]
IdempotencyKey = Annotated[
    str,
    Header(
        "",
        alias=IDEMPOTENCY_HEADER,
        max_length=100,  # Booking.idempotency_key
        pattern=r"^[!-~]*$",  # visible ASCII
        description="Repeat a request with the same key to get the same booking back",
    ),
]
NO_BODY = Body(default_factory=lambda: CancelIn())  # the cancel body is optional
TIERS = ("full", "partial", "none", "unpaid", "staff_override")


# --- Schemas --------------------------------------------------------------------------------


class BookingIn(QuoteIn):
    """What to book: the same fields as a quote (the price is the server's, never sent),
    and the customer's explicit acceptance of the rental terms (``/terms/``)."""

    accept_terms: bool = Field(
        False,
        strict=True,
        description="true: the customer read and accepts the rental terms (/terms/); the "
        "booking records their version. Otherwise 422 terms_not_accepted.",
    )


class BookingOut(Schema):
    reference: str
    status: str = Field(
        description="requested | held | confirmed | in_progress | completed "
        "| cancelled | expired | declined | refunded",
        json_schema_extra=one_of(*BookingStatus.values),
    )
    asset: str
    asset_name: str
    location: str
    start: Instant
    end: Instant
    hold_expires_at: Instant | None = Field(description="Held/requested: when it lapses")
    currency: str
    lines: list[QuoteLineOut]
    total: int = Field(description="The rental total, frozen at checkout")
    security_deposit: int = Field(description="Held on the card, not charged")
    extras: list[str]
    guests: int | None = Field(description="Guests or passengers, when given")
    trip: dict[str, Any] = Field(
        description="A jet's route as quoted (origin, destination, departure, return_at, "
        "legs, flight_minutes); empty otherwise. start/end include positioning legs."
    )
    refund: int = Field(description="What a cancellation refunds (or refunded)")
    terms_version: str = Field(description="The rental terms accepted at checkout")
    terms_accepted_at: Instant | None
    confirmed_at: Instant | None
    cancelled_at: Instant | None
    created_at: Instant

    @staticmethod
    def resolve_asset(obj: Booking) -> str:
        return obj.asset.slug

    @staticmethod
    def resolve_asset_name(obj: Booking) -> str:
        return obj.asset.name

    @staticmethod
    def resolve_location(obj: Booking) -> str:
        return obj.location.slug

    @staticmethod
    def resolve_lines(obj: Booking) -> list[dict[str, Any]]:
        return obj.quote_lines

    @staticmethod
    def resolve_total(obj: Booking) -> int:
        return obj.total_minor

    @staticmethod
    def resolve_security_deposit(obj: Booking) -> int:
        return obj.security_deposit_minor

    @staticmethod
    def resolve_refund(obj: Booking) -> int:
        return obj.refund_minor


class LedgerOut(Schema):
    paid: int
    refunded: int
    deposit_held: int
    deposit_captured: int
    deposit_released: int
    balance: int = Field(description="paid - refunded + deposit captured")


class BookingDetailOut(BookingOut):
    payments: LedgerOut
    test_mode: bool = Field(description="Payments go to the offline sandbox")

    @staticmethod
    def resolve_payments(obj: Booking) -> dict[str, int]:
        # A booking this request has just written has no ledger rows yet: no query for them.
        totals = getattr(obj, "_new_ledger", None) or ledger_totals(obj)
        return {
            "paid": totals.paid,
            "refunded": totals.refunded,
            "deposit_held": totals.deposit_held,
            "deposit_captured": totals.deposit_captured,
            "deposit_released": totals.deposit_released,
            "balance": totals.balance,
        }

    @staticmethod
    def resolve_test_mode(obj: Booking) -> bool:
        return is_test_mode()


# "Given": a text with something besides spaces (the payment services ignore spaces);
# Python's whitespace, which \s leaves out \x1c-\x1f of.
GIVEN = r"[^\s\x1c-\x1f]"


def _given(value: str | None) -> bool:
    return bool(value and value.strip())


def _pay_with_one(schema: dict[str, Any]) -> None:
    """``PayIn``'s rule in the schema: exactly one of the two is given."""
    schema["examples"] = [{"card_number": "4242424242424242"}, {"payment_method": "pm_card_visa"}]
    schema["oneOf"] = [
        {"required": [name], "properties": {name: {"type": "string", "pattern": GIVEN}}}
        for name in ("card_number", "payment_method")
    ]


def _return_url_schema(schema: dict[str, Any]) -> None:
    schema["pattern"] = "^(?:" + re.escape(settings.SITE_URL + "/") + r"[^\x00]*)?$"


class PayIn(Schema):
    """Exactly one of ``card_number`` and ``payment_method`` (``null``, ``""`` or spaces is
    none; after validation the other is ``None``)."""

    model_config = ConfigDict(json_schema_extra=_pay_with_one)

    card_number: Annotated[str, Field(max_length=30, pattern=NO_NUL)] | None = Field(
        None, description="Sandbox only: a test card, e.g. 4242424242424242"
    )
    payment_method: Annotated[str, Field(max_length=100, pattern=NO_NUL)] | None = Field(
        None, description="A payment method id: pm_card_visa (sandbox) or Stripe's pm_..."
    )
    return_url: str = Field(
        "",
        max_length=500,
        pattern=NO_NUL,  # the schema states the whole rule (_return_url_schema)
        description="Where the customer comes back after authenticating: a page of this site",
        json_schema_extra=_return_url_schema,
    )

    @model_validator(mode="after")
    def one_way_to_pay(self) -> PayIn:
        if _given(self.card_number) == _given(self.payment_method):
            raise ValueError("send either card_number or payment_method")
        if not _given(self.card_number):
            self.card_number = None
        if not _given(self.payment_method):
            self.payment_method = None
        return self


class PaymentOut(Schema):
    status: str = Field(
        description="succeeded | requires_action | processing",
        json_schema_extra=one_of("succeeded", "requires_action", "processing"),
    )
    action_url: str = Field(description="requires_action: where the customer authenticates")
    message: str
    booking: BookingDetailOut


class CancelIn(Schema):
    reason: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""


class RefundPreviewOut(Schema):
    cancellable: bool
    refund: int
    currency: str
    tier: str = Field(description=" | ".join(TIERS), json_schema_extra=one_of(*TIERS))
    explanation: str
    policy: list[str]


class CancellationOut(Schema):
    refund: int
    currency: str
    tier: str = Field(json_schema_extra=one_of(*TIERS))
    explanation: str
    booking: BookingDetailOut


# --- Endpoints ------------------------------------------------------------------------------


# What a client can do next with the booking it made (OpenAPI links, by operationId).
BOOKING_LINKS = {
    name: {
        "operationId": f"midas_api_bookings_{operation}",
        "parameters": {"ref": "$response.body#/reference"},
    }
    for name, operation in (
        ("GetBooking", "get_booking"),
        ("PayBooking", "pay_booking"),
        ("PreviewCancellation", "preview_cancellation"),
        ("CancelBooking", "cancel_booking"),
    )
}


@router.post(
    "/bookings",
    response={200: BookingDetailOut, 201: BookingDetailOut, **errors(401, 404, 409, 422, 429)},
    openapi_extra={"responses": {200: {"links": BOOKING_LINKS}, 201: {"links": BOOKING_LINKS}}},
)
def create_booking(
    request: HttpRequest, payload: BookingIn, idempotency_key: IdempotencyKey = ""
) -> Status:
    """Hold ``asset`` for ``[start, end)``: **201** with the held booking (or, for
    request-to-book assets, the requested one) and its ``reference``; the hold lapses at
    ``hold_expires_at`` unless paid. **409** ``slot_unavailable`` when the dates are taken.
    With an ``Idempotency-Key`` header, repeating the request returns the same booking
    (**200**); the same key with a different request is **409** ``idempotency_conflict``.
    Without ``"accept_terms": true``, **422** ``terms_not_accepted``."""
    flag_require(request, "booking")
    terms_version = terms_accepted(payload.accept_terms)
    BOOKING_CREATE.hit(by_user(request))
    # with its pricing data, kept per catalogue version: a booking moves only the calendars'
    # version, so the next booking of a burst prices from memory too
    asset = selectors.asset_for_quote(payload.asset)
    place = selectors.location_by_slug(payload.location) if payload.location else None
    tz = (place or asset.home_location).tz
    start, end, route = read_times(asset, payload, tz)
    booking, created = booking_create_or_replay(
        customer=request.auth,
        asset=asset,
        start=start,
        end=end,
        location=place,
        extras=payload.extras,
        guests=payload.guests,
        route=route,
        idempotency_key=idempotency_key,
        terms_version=terms_version,
    )
    if created:
        booking._new_ledger = LedgerTotals(booking.currency, 0, 0, 0, 0, 0, 0)  # type: ignore[attr-defined]
    return Status(201 if created else 200, booking)


@router.get("/bookings", response={200: list[BookingOut], **errors(401)})
@paginate(LimitOffset)
def list_bookings(request: HttpRequest) -> QuerySet[Booking]:
    """Your bookings, newest first."""
    return bookings_of(request.auth)


@router.get("/bookings/{ref}", response={200: BookingDetailOut, **READ_ERRORS})
def get_booking(request: HttpRequest, ref: Ref) -> Booking:
    """One of your bookings, with what has been paid, refunded and held."""
    return booking_of_customer(ref, request.auth)


@router.post(
    "/bookings/{ref}/pay",
    response={200: PaymentOut, 202: PaymentOut, **errors(401, 402, 404, 409, 502)},
)
def pay_booking(request: HttpRequest, ref: Ref, payload: PayIn) -> Status:
    """Pay the rental total of a held booking. **200** ``succeeded``: confirmed, receipt
    emailed, the deposit held when due. **202** ``requires_action``: send the customer to
    ``action_url`` to authenticate. **402** ``payment_declined`` with the bank's reason:
    the booking stays held; try another card. Sandbox: ``card_number`` (a test card) or
    ``payment_method`` (``pm_card_visa``...); Stripe: ``payment_method`` only."""
    flag_require(request, "payments")
    booking = booking_of_customer(ref, request.auth)
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
    outcome = payment_pay_booking(
        booking=booking,
        payment_method=payload.card_number or payload.payment_method or "",
        return_url=payload.return_url,
    )
    if outcome.status == "declined":
        raise AppError(ErrorCode.PAYMENT_DECLINED, outcome.message)
    if outcome.status == "refunded":
        raise AppError(ErrorCode.INVALID_STATE, outcome.message)
    body = {
        "status": outcome.status,
        "action_url": outcome.action_url,
        "message": outcome.message,
        "booking": outcome.booking,
    }
    return Status(200 if outcome.succeeded else 202, body)


@router.get("/bookings/{ref}/cancellation", response={200: RefundPreviewOut, **READ_ERRORS})
def preview_cancellation(request: HttpRequest, ref: Ref) -> dict[str, Any]:
    """What cancelling now would refund, and the policy behind it (nothing changes)."""
    booking = booking_of_customer(ref, request.auth)
    preview = cancellation_preview(booking=booking, now=timezone.now())
    return {
        "cancellable": booking.status in CANCELLABLE,
        "refund": preview.refund_minor if booking.status in CANCELLABLE else 0,
        "currency": booking.currency,
        "tier": preview.tier,
        "explanation": preview.explanation,
        "policy": describe_policy(booking.asset.category.slug),
    }


@router.post(
    "/bookings/{ref}/cancel", response={200: CancellationOut, **errors(401, 404, 409, 502)}
)
def cancel_booking(request: HttpRequest, ref: Ref, payload: CancelIn = NO_BODY) -> dict[str, Any]:
    """Cancel one of your bookings (requested, held or confirmed). The refund follows the
    category's policy at this moment (see ``GET .../cancellation``); the deposit hold is
    released. The booking becomes ``refunded`` once the money is back, else ``cancelled``."""
    booking = booking_of_customer(ref, request.auth)
    now = timezone.now()
    preview = cancellation_preview(booking=booking, now=now)
    booking = booking_cancel(booking=booking, by=request.auth, reason=payload.reason, now=now)
    return {
        "refund": booking.refund_minor,
        "currency": booking.currency,
        "tier": preview.tier,
        "explanation": preview.explanation,
        "booking": booking,
    }
