"""Checkout: a quote becomes a booking that holds its slot.

``booking_create`` prices on the server, checks the customer may rent the asset, reserves the
slot and writes the booking and its emails in one transaction. Idempotent per customer and
``idempotency_key``: the same key with the same request returns the booking made the first
time; with a different request it is ``idempotency_conflict``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.accounts.models import User
from midas.accounts.services import check_eligibility
from midas.bookings.locking import conflict_on_lock_timeout
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.pricing import Quote, Route, quote, route_asked
from midas.bookings.services.notices import tell_customer, tell_staff
from midas.bookings.services.slots import REFERENCE_ALPHABET, reserve
from midas.catalog.models import Asset, Location
from midas.catalog.services import calendar_version_bump
from midas.core import db_errors
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode

REFERENCE_LENGTH = 6  # 32^6: about a billion references
REFERENCE_ATTEMPTS = 8
IDEMPOTENCY_KEY_MAX = 100


def request_hold() -> dt.timedelta:
    """How long a request-to-book keeps its slot while staff decide."""
    return dt.timedelta(hours=settings.REQUEST_HOLD_HOURS)


def new_booking_reference() -> str:
    """``MID-`` and six characters of an alphabet without 0/O or 1/I, e.g. ``MID-7K3P9Q``."""
    return "MID-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _replay(customer: User, key: str) -> Booking | None:
    if not key:
        return None
    return Booking.objects.filter(customer=customer, idempotency_key=key).first()


def _check_replay(
    existing: Booking,
    *,
    asset: Asset,
    start: dt.datetime,
    end: dt.datetime | None,
    location: Location | None,
    extras: Sequence[str],
    guests: int | None = None,
    route: Route | None = None,
) -> Booking:
    if route is not None:  # a jet's booking occupies more than the times asked
        asked = route_asked(route, start)
        times_match = {key: existing.trip.get(key) for key in asked} == asked
    else:
        times_match = existing.start == start and existing.end == end
    same = (
        existing.asset_id == asset.pk
        and times_match
        and (location is None or existing.location_id == location.pk)
        and list(existing.extras) == list(dict.fromkeys(extras))
        and existing.guests == guests
    )
    if not same:
        raise AppError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "this Idempotency-Key was already used for a different booking request",
        )
    return existing


def booking_create(
    *,
    customer: User,
    asset: Asset,
    start: dt.datetime,
    end: dt.datetime | None = None,
    location: Location | None = None,
    guests: int | None = None,
    route: Route | None = None,
    extras: Sequence[str] = (),
    idempotency_key: str = "",
    now: dt.datetime | None = None,
    terms_version: str = "",
) -> Booking:
    """Hold ``asset`` for ``customer`` over ``[start, end)``: see ``booking_create_or_replay``."""
    booking, _ = booking_create_or_replay(
        customer=customer,
        asset=asset,
        start=start,
        end=end,
        location=location,
        guests=guests,
        route=route,
        extras=extras,
        idempotency_key=idempotency_key,
        now=now,
        terms_version=terms_version,
    )
    return booking


def booking_create_or_replay(
    *,
    customer: User,
    asset: Asset,
    start: dt.datetime,
    end: dt.datetime | None = None,
    location: Location | None = None,
    guests: int | None = None,
    route: Route | None = None,
    extras: Sequence[str] = (),
    idempotency_key: str = "",
    now: dt.datetime | None = None,
    terms_version: str = "",
) -> tuple[Booking, bool]:
    """``(booking, created)``. ``created`` is False when ``idempotency_key`` replays an
    earlier request of this customer.

    Instant-book assets are **held** for ``HOLD_MINUTES``, awaiting payment; request-to-book
    assets are **requested**, their slot kept for ``REQUEST_HOLD_HOURS`` while staff decide.
    Raises ``AppError``: the quote's rules, ``not_eligible``, ``slot_unavailable``,
    ``lock_timeout``, ``idempotency_conflict``. ``terms_version``: the rental terms the
    customer accepted (``services.terms``), recorded with the time.
    """
    now = now or timezone.now()
    key = (idempotency_key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"the Idempotency-Key may be at most {IDEMPOTENCY_KEY_MAX} characters",
            field="idempotency_key",
        )
    replay_of: dict[str, Any] = dict(
        asset=asset,
        start=start,
        end=end,
        location=location,
        extras=extras,
        guests=guests,
        route=route,
    )
    existing = _replay(customer, key)
    if existing is not None:
        return _check_replay(existing, **replay_of), False
    # guests against the capacity, the customer's service tier, a jet's route (its
    # positioning legs make the booking's period: priced.start, priced.end)
    priced = quote(
        asset=asset,
        start=start,
        end=end,
        now=now,
        location=location,
        extras=extras,
        guests=guests,
        customer=customer,
        route=route,
    )
    check_eligibility(user=customer, asset=asset, start=priced.start, end=priced.end)
    try:
        held = _hold(customer=customer, priced=priced, key=key, now=now, terms=terms_version)
        return held, True
    except (AppError, IntegrityError) as exc:
        # A concurrent request with the same key may have won the slot (or the key): if it
        # committed, this request is its replay.
        if isinstance(exc, AppError) and exc.code != ErrorCode.SLOT_UNAVAILABLE:
            raise
        existing = _replay(customer, key)
        if existing is None:
            raise
        return _check_replay(existing, **replay_of), False


@conflict_on_lock_timeout
@transaction.atomic
def _hold(*, customer: User, priced: Quote, key: str, now: dt.datetime, terms: str = "") -> Booking:
    asset = priced.asset
    requested = asset.requires_request
    reference = _free_reference()
    reservation = reserve(
        asset=asset, start=priced.start, end=priced.end, note=f"booking {reference}", bump=False
    )
    hold = request_hold() if requested else dt.timedelta(minutes=settings.HOLD_MINUTES)
    booking = Booking(
        reference=reference,
        customer=customer,
        asset=asset,
        location=priced.location,
        reservation=reservation,
        status=BookingStatus.REQUESTED if requested else BookingStatus.HELD,
        start=priced.start,
        end=priced.end,
        extras=list(dict.fromkeys(priced.extras)),
        guests=priced.guests,
        trip=priced.trip.as_json() if priced.trip else {},
        currency=priced.currency,
        quote_lines=[dataclasses.asdict(line) for line in priced.lines],
        total_minor=priced.total,
        security_deposit_minor=priced.security_deposit,
        hold_expires_at=now + hold,
        idempotency_key=key,
        terms_version=terms,
        terms_accepted_at=now if terms else None,
    )
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a clash must not spoil the transaction
                booking.save(force_insert=True)
            break
        except IntegrityError as exc:
            clash = db_errors.violates_unique(exc, Booking._meta.db_table, "reference")
            if not clash or attempt == REFERENCE_ATTEMPTS - 1:
                raise
            booking.reference = _free_reference()
    if booking.reference != reference:
        reservation.note = f"booking {booking.reference}"
        reservation.save(update_fields=["note", "updated_at"])
    # The booking's reference is new in this transaction: no earlier email can carry it. The
    # rows are written here, with the booking as it is now; the worker renders them.
    if requested:
        tell_customer(booking, "request_received", dedupe="received", fresh=True, later=True)
        tell_staff(booking, "staff_new_request", dedupe="new", fresh=True, later=True)
    else:
        tell_customer(booking, "booking_held", dedupe="held", fresh=True, later=True)
        tell_staff(booking, "staff_new_booking", dedupe="new", fresh=True, later=True)
    audit(
        f"bookings.booking.{'requested' if requested else 'held'}",
        actor=customer,
        obj=booking,
        reference=booking.reference,
        customer=customer.pk,
        terms_version=booking.terms_version,
    )
    # Calendars changed: cached pages render afresh. Last in the transaction: on PostgreSQL
    # the version's one row stays locked from this UPDATE until the commit.
    calendar_version_bump()
    return booking


def _free_reference() -> str:
    """A new reference, not looked up first: a clash (about one in a billion) is rare enough
    that the insert's unique constraint, in ``_hold``'s savepoint loop, is the only check."""
    return new_booking_reference()
