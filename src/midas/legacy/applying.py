"""Writing a plan: assets, accounts, bookings with their reservation and ledger rows, and the
concierge's tickets for the clashes. Called inside the import's one transaction."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction

from midas.accounts.models import User
from midas.accounts.services import account_invite_to_set_password
from midas.bookings.models import Booking
from midas.bookings.services import new_booking_reference, reserve
from midas.catalog.models import Asset, Category, Location
from midas.catalog.services import catalog_version_bump
from midas.concierge.models import Ticket, TicketChannel, TicketKind
from midas.concierge.services.tickets import ticket_open
from midas.core.audit import audit
from midas.legacy.bookings import BookingPlan, BookingsPlan
from midas.legacy.items import AssetPlan
from midas.legacy.users import UserPlan
from midas.money import format_money
from midas.payments.models import Payment, PaymentKind, PaymentStatus

PROVIDER = "legacy"  # money that moved on the old system: recorded, never charged again


def apply(
    assets: dict[str, list[AssetPlan]],
    users: dict[str, UserPlan],
    bookings: BookingsPlan,
    *,
    now: dt.datetime,
) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the legacy import applies inside its one transaction")
    written = 0
    for plans in assets.values():
        for plan in plans:
            written += _asset(plan)
    for person in {id(p): p for p in users.values()}.values():  # a merged person: several ids
        _user(person, now=now)
    new_bookings = [b for b in bookings.plans if b.existing is None]
    for booking in new_bookings:
        _booking(booking, now=now)
    for booking in bookings.handed_over:
        _ticket(booking, now=now)
    if written:
        catalog_version_bump()
    audit(
        "legacy.import.applied",
        actor="system",
        assets=written,
        bookings=len(new_bookings),
        handed_over=len(bookings.handed_over),
    )


def _asset(plan: AssetPlan) -> int:
    if plan.outcome == "unchanged":
        return 0
    asset = plan.existing
    if asset is None:
        asset = Asset(
            slug=plan.slug,
            legacy_id=plan.legacy_id,
            category=Category.objects.get(slug=plan.category),
            home_location=Location.objects.get(slug=plan.location),
            is_active=plan.active,
            specs={},
        )
    for name, value in plan.fields.items():
        setattr(asset, name, value)
    asset.specs = {**asset.specs, **plan.specs}  # keys staff added (seats...) stay
    asset.save()
    plan.existing = asset
    return 1


def _user(plan: UserPlan, *, now: dt.datetime) -> None:
    if plan.outcome == "unchanged":
        return
    if plan.existing is not None:  # registered in Midas before: linked, nothing else
        plan.existing.legacy_id = plan.legacy_id
        plan.existing.save(update_fields=["legacy_id", "updated_at"])
        return
    user = User(legacy_id=plan.legacy_id, **plan.fields)
    if plan.password:
        user.password = plan.password
    else:
        user.set_unusable_password()
    user.save()
    if plan.groups:
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in plan.groups])
    plan.existing = user
    if plan.invite:
        account_invite_to_set_password(user=user, now=now)


def _booking(plan: BookingPlan, *, now: dt.datetime) -> None:
    asset = plan.asset.existing
    customer = plan.customer.existing
    assert asset is not None and customer is not None  # written just before
    reference = new_booking_reference()
    while Booking.objects.filter(reference=reference).exists():
        reference = new_booking_reference()
    reservation = None
    if plan.occupies:
        reservation = reserve(
            asset=asset, start=plan.start, end=plan.end, note=f"booking {reference} (old site)"
        )
    cancelled = plan.status in ("cancelled", "refunded")
    booking = Booking.objects.create(
        reference=reference,
        customer=customer,
        asset=asset,
        location=Location.objects.get(slug=plan.location),
        reservation=reservation,
        status=plan.status,
        start=plan.start,
        end=plan.end,
        currency=plan.currency,
        quote_lines=plan.lines,
        total_minor=plan.total_minor,
        security_deposit_minor=0,  # held and settled on the old system
        confirmed_at=min(plan.created_at, now) if plan.paid_minor else None,
        cancelled_at=min(plan.created_at, now) if cancelled else None,
        cancellation_reason="Cancelled on the old site" if cancelled else "",
        refund_minor=plan.refunded_minor,
        notes=plan.notes,
        legacy_reference=plan.legacy_reference,
    )
    created = min(plan.created_at, now)  # the old site's clock was sometimes ahead
    Booking.objects.filter(pk=booking.pk).update(created_at=created)
    charge = None
    if plan.paid_minor:
        charge = Payment.objects.create(
            booking=booking,
            kind=PaymentKind.CHARGE,
            status=PaymentStatus.SUCCEEDED,
            amount_minor=plan.paid_minor,
            currency=plan.currency,
            provider=PROVIDER,
            provider_ref=plan.provider_ref,
            idempotency_key=f"legacy:{plan.legacy_reference}:charge",
        )
    if plan.refunded_minor:
        Payment.objects.create(
            booking=booking,
            kind=PaymentKind.REFUND,
            status=PaymentStatus.SUCCEEDED,
            amount_minor=plan.refunded_minor,
            currency=plan.currency,
            provider=PROVIDER,
            provider_ref=plan.provider_ref,
            idempotency_key=f"legacy:{plan.legacy_reference}:refund",
            parent=charge,
        )
    Payment.objects.filter(booking=booking).update(created_at=created)  # paid when booked
    plan.existing = booking


def _ticket(plan: BookingPlan, *, now: dt.datetime) -> None:
    subject = f"Old-site booking {plan.legacy_reference} clashes: please resolve"
    if Ticket.objects.filter(subject=subject).exists():
        return  # opened by an earlier run
    customer = plan.customer.existing
    assert customer is not None
    paid = format_money(plan.paid_minor, plan.currency, always_fraction=True)
    body = (
        f"Opened by the import of the old site; the customer has NOT been e-mailed.\n\n"
        f"Old booking {plan.legacy_reference} of {plan.asset.fields['name']} "
        f"({plan.asset.location}) from {plan.start:%Y-%m-%d %H:%M} to {plan.end:%Y-%m-%d %H:%M} "
        f"UTC, paid {paid} on the old system, {plan.handed_over}. It was not imported as a "
        f"booking. Offer the customer other dates or another asset, or refund them on the old "
        f"system.\n\n{plan.notes}"
    )
    ticket_open(
        email=customer.email,
        subject=subject,
        body=body,
        channel=TicketChannel.STAFF,
        customer=customer,
        kind=TicketKind.BOOKING,
        acknowledge=False,
        now=now,
    )
