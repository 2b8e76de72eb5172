"""Planning the old ``bookings`` collection: history, upcoming reservations, clashes.

- a booking that ends after ``now`` and was confirmed (or is in progress) and paid becomes a
  Midas booking whose reservation blocks its dates (``bookings.services.reserve``);
- one that ended, or was cancelled or refunded, becomes history: completed, cancelled or
  refunded, with no reservation, occupying nothing;
- a booking never paid on the old site ("pending-payment") is not imported: it is listed
  for the concierge, the customer is not asked to pay in Midas;
- the money is recorded in the ledger as settled on the old system (provider "legacy"),
  never charged again; the old security deposit was handled there and is only noted;
- the old site had no transaction, so two upcoming bookings of one asset may overlap: the
  one booked first keeps the dates, the other is handed to the concierge (a support ticket
  for staff, the customer is not e-mailed by the import).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from midas.bookings.models import MAX_OCCUPANCY, Booking, BookingStatus
from midas.bookings.selectors import overlapping
from midas.catalog.models import Location
from midas.legacy.items import AssetPlan, legacy_asset_id, to_minor
from midas.legacy.places import find_place
from midas.legacy.report import Report
from midas.legacy.users import UserPlan

PAID = {"completed", "paid", "succeeded", "refunded", "partially-refunded"}
CANCELLED = {"cancelled", "canceled", "refunded"}
FINISHED = {"completed", "no-show", "returned"}
UPCOMING = {"confirmed", "in-progress"}
UNPAID = {"pending-payment", "pending", "awaiting-payment"}


@dataclass
class BookingPlan:
    legacy_reference: str
    customer: UserPlan
    asset: AssetPlan
    location: str
    status: str
    start: dt.datetime
    end: dt.datetime
    created_at: dt.datetime
    currency: str
    total_minor: int
    paid_minor: int
    refunded_minor: int
    provider_ref: str
    lines: list[dict[str, Any]]
    notes: str
    occupies: bool
    existing: Booking | None = None
    outcome: str = "new"
    handed_over: str = ""  # why it goes to the concierge instead (an overlap)

    @property
    def occupied_until(self) -> dt.datetime:
        buffer = self.asset.existing.turnaround_minutes if self.asset.existing else 0
        return self.end + dt.timedelta(minutes=buffer)


@dataclass
class BookingsPlan:
    plans: list[BookingPlan] = field(default_factory=list)
    handed_over: list[BookingPlan] = field(default_factory=list)


def _money_line(kind: str, code: str, label: str, amount: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": code,
        "label": label,
        "quantity": 1,
        "unit_amount": amount,
        "amount": amount,
    }


def _lines(pricing: dict[str, Any], total: int, label: str) -> list[dict[str, Any]] | None:
    parts = [
        ("rental", "rental", label, pricing.get("subtotal")),
        ("service_fee", "service_fee", "Service fee", pricing.get("serviceFee")),
        ("extra", "insurance", "Insurance", pricing.get("insurance")),
        ("tax", "tax", "Taxes", pricing.get("taxes")),
    ]
    lines = []
    for kind, code, text, value in parts:
        amount = to_minor(value or 0)
        if amount is None:
            return None
        if amount:
            lines.append(_money_line(kind, code, text, amount))
    difference = total - sum(line["amount"] for line in lines)
    if difference > 0:
        lines.append(_money_line("extra", "old_site", "Other charges on the old site", difference))
    elif difference < 0:
        lines = [_money_line("rental", "rental", label, total)]
    return lines


def plan_bookings(
    rows: list[dict[str, Any]],
    *,
    users: dict[str, UserPlan],
    missing: dict[str, str],
    assets: dict[str, list[AssetPlan]],
    locations: dict[str, Location],
    report: Report,
) -> BookingsPlan:
    now = report.now
    currencies = {loc.currency for loc in locations.values()}
    existing = {b.legacy_reference: b for b in Booking.objects.exclude(legacy_reference="")}
    by_asset = {plan.legacy_id: plan for plans in assets.values() for plan in plans}
    result = BookingsPlan()
    seen: set[str] = set()
    other_currency: list[str] = []
    future_created: list[str] = []
    for row in rows:
        ref = str(row.get("bookingId") or row.get("_id") or "")
        where = f"bookings.jsonl {ref or '(no id)'}"
        if not ref or ref in seen:
            report.skip("bookings", where, "no bookingId" if not ref else "the same id twice")
            continue
        seen.add(ref)
        customer_id = str(row.get("customer") or "")
        item = row.get("item") or {}
        item_id = str(item.get("itemId") or "")
        pricing = row.get("pricing") or {}
        payment = row.get("payment") or {}
        pickup = (row.get("location") or {}).get("pickup") or {}
        start, end = row.get("startDate"), row.get("endDate")
        status = str(row.get("status") or "").lower()
        payment_status = str(payment.get("status") or "").lower()
        currency = str(pricing.get("currency") or "").upper()
        reason = ""
        if customer_id in missing:
            reason = f"{missing[customer_id]} ({customer_id})"
        elif customer_id not in users:
            reason = f"deleted customer ({customer_id or 'none'}): not in the users export"
        elif item_id not in assets:
            reason = f"unknown item {item_id!r}: not in inventory.json"
        elif currency not in currencies:
            reason = f"unsupported currency {currency or 'none'!r} (Midas prices in " + (
                ", ".join(sorted(currencies)) + ")"
            )
        elif not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime) or end <= start:
            reason = "no valid start and end"
        elif status in UNPAID or (status in UPCOMING and payment_status not in PAID):
            reason = (
                "never paid on the old site (pending payment): not imported; the concierge may "
                "contact the customer, who is not asked to pay in Midas"
            )
        elif status not in CANCELLED | FINISHED | UPCOMING:
            reason = f"unknown status {status!r}"
        if reason:
            report.skip("bookings", where, reason)
            continue
        if not (isinstance(start, dt.datetime) and isinstance(end, dt.datetime)):
            continue  # refused above ("no valid start and end"); narrows the types
        place = find_place(pickup.get("city"))
        if place is None:
            report.unknown_places[str(pickup.get("city"))] += 1
            report.skip("bookings", where, f"unknown place {pickup.get('city')!r}")
            continue
        asset = by_asset.get(legacy_asset_id(item_id, place.location))
        if asset is None:
            report.skip(
                "bookings",
                where,
                f"{item_id} was not offered in {place.location} (pick-up {pickup.get('city')!r})",
            )
            continue
        total = to_minor(pricing.get("total"))
        paid = to_minor(payment.get("paidAmount") or 0)
        refunded = to_minor(payment.get("refundedAmount") or 0)
        label = f"{item.get('itemName') or asset.fields['name']}, as booked on the old site"
        lines = _lines(pricing, total, label) if total is not None else None
        if total is None or paid is None or refunded is None or lines is None:
            report.skip("bookings", where, "an amount is not a whole number of cents")
            continue
        if status in CANCELLED:
            new_status = BookingStatus.REFUNDED if refunded else BookingStatus.CANCELLED
        elif end <= now or status in FINISHED:
            new_status = BookingStatus.COMPLETED
        else:
            new_status = (
                BookingStatus.IN_PROGRESS if status == "in-progress" else BookingStatus.CONFIRMED
            )
        deposit = to_minor(pricing.get("securityDeposit") or 0) or 0
        made = row.get("createdAt")
        created = made if isinstance(made, dt.datetime) else now
        if created > now:  # the old site's clock was wrong: written as made now
            future_created.append(ref)
        notes = [
            f"Imported from the old site: {ref} ({status}, booked via "
            f"{row.get('source') or 'the website'}).",
            f"Pick-up: {pickup.get('type') or 'place'} at {pickup.get('address') or '?'}, "
            f"{place.name}.",
        ]
        if pricing.get("serviceTier"):
            notes.append(f"Service tier then: {pricing['serviceTier']}.")
        if deposit:
            notes.append(
                f"Security deposit {currency} {deposit / 100:,.2f}: handled on the old system."
            )
        if status == "no-show":
            notes.append("The customer did not show up (no-show).")
        plan = BookingPlan(
            legacy_reference=ref,
            customer=users[customer_id],
            asset=asset,
            location=place.location,
            status=new_status,
            start=start,
            end=end,
            created_at=created,
            currency=currency,
            total_minor=total,
            paid_minor=paid,
            refunded_minor=refunded,
            provider_ref=str(payment.get("stripePaymentIntentId") or "")[:100],
            lines=lines,
            notes=" ".join(notes),
            occupies=new_status in (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS),
        )
        if currency != asset.fields["currency"]:
            other_currency.append(ref)
        plan.existing = existing.get(ref)
        if plan.existing is not None:
            plan.outcome = "unchanged"
        result.plans.append(plan)
    if future_created:
        report.notes.append(
            f"bookings.jsonl: {len(future_created)} booking(s) created after now by the old "
            f"site's clock: dated now instead, e.g. {', '.join(future_created[:3])}"
        )
    if other_currency:
        report.notes.append(
            f"bookings.jsonl: {len(other_currency)} booking(s) paid in the other currency than "
            "their asset's (the old site let customers choose): kept in the currency paid, "
            f"e.g. {', '.join(other_currency[:3])}"
        )
    _resolve_overlaps(result, report)
    for plan in result.plans:
        report.count("bookings", plan.outcome)
    return result


def _overlap(a: BookingPlan, b: BookingPlan) -> bool:
    return a.start < b.occupied_until and b.start < a.occupied_until


def _resolve_overlaps(result: BookingsPlan, report: Report) -> None:
    """List every pair of old bookings of one asset that overlap (cancelled ones occupy
    nothing), and decide the upcoming clashes: first booked keeps the dates."""
    taking = [
        p for p in result.plans if p.status not in (BookingStatus.CANCELLED, BookingStatus.REFUNDED)
    ]
    by_asset: dict[str, list[BookingPlan]] = {}
    for plan in sorted(taking, key=lambda p: (p.created_at, p.legacy_reference)):
        by_asset.setdefault(plan.asset.legacy_id, []).append(plan)
    losers: set[str] = set()
    for asset_id, plans in sorted(by_asset.items()):
        kept: list[BookingPlan] = []
        for n, plan in enumerate(plans):
            for earlier in plans[:n]:
                if not _overlap(earlier, plan):
                    continue
                report.overlaps.append(_pair_text(asset_id, earlier, plan))
            if not plan.occupies or plan.existing is not None:
                if plan.occupies:
                    kept.append(plan)
                continue
            clash = next((k for k in kept if _overlap(k, plan)), None)
            if plan.end - plan.start > MAX_OCCUPANCY - dt.timedelta(days=1):
                plan.handed_over = (
                    f"longer than a Midas booking may last ({MAX_OCCUPANCY.days - 1} days)"
                )
            elif clash is not None:
                plan.handed_over = f"overlaps {clash.legacy_reference}, booked before it"
            elif (
                plan.asset.existing is not None
                and overlapping([plan.asset.existing.pk], plan.start, plan.occupied_until).exists()
            ):
                plan.handed_over = "its dates are already taken in Midas"
            if plan.handed_over:
                losers.add(plan.legacy_reference)
            else:
                kept.append(plan)
    for plan in list(result.plans):
        if plan.legacy_reference in losers:
            result.plans.remove(plan)
            result.handed_over.append(plan)
            report.skip(
                "bookings",
                f"bookings.jsonl {plan.legacy_reference}",
                f"{plan.handed_over}: handed to the concierge (a support ticket), customer "
                "not e-mailed",
            )


def _pair_text(asset_id: str, first: BookingPlan, second: BookingPlan) -> str:
    span = lambda p: f"{p.start:%Y-%m-%d %H:%M}–{p.end:%Y-%m-%d %H:%M}"  # noqa: E731
    head = (
        f"{asset_id}: {first.legacy_reference} ({span(first)}, booked "
        f"{first.created_at:%Y-%m-%d}) and {second.legacy_reference} ({span(second)}, booked "
        f"{second.created_at:%Y-%m-%d})"
    )
    if not second.occupies and not first.occupies:
        return f"{head}: both over: kept as history, neither occupies the calendar"
    if first.occupies and second.occupies:
        return (
            f"{head}: keep {first.legacy_reference} (booked first), hand "
            f"{second.legacy_reference} to the concierge (support ticket; customer not e-mailed)"
        )
    live = first if first.occupies else second
    return f"{head}: only {live.legacy_reference} is still upcoming: it keeps its dates"
