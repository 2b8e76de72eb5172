"""What a database restore would lose, counted and exported for reconciliation.

A restore puts the database back to a backup: every booking and every payment-ledger row
written since the backup's ``created_at`` disappears. Before restoring, the rollback counts
them (``loss_since``) and writes them out (``loss_export``) under the var dir — one JSON file
(everything, for a program) and two CSV files (bookings and ledger rows, for a spreadsheet) —
so the concierge can reconcile with the payment provider and contact the customers. The
export is also where the customer emails sent after the restore take their addresses from:
the rows themselves are gone by then.

A booking is *lost* (counted, and its customer told it "could not be kept") only when it
was active (requested, held, confirmed, in progress, completed) or money is still held for
it (charges succeeded beyond the refunds). A booking already cancelled, declined, expired or
refunded before the restore lost nothing: it is exported (``lost: false``) for the record,
and nobody is emailed about it. Times are given in the booking's local zone too (its
location's), as every customer email shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from midas.launch.state.selectors import plan_time
from midas.money import format_money

BOOKING_COLUMNS = [
    "reference",
    "lost",
    "status",
    "customer_email",
    "customer_name",
    "asset",
    "start",
    "end",
    "timezone",
    "start_local",
    "end_local",
    "total",
    "currency",
    "total_minor",
    "paid_minor",
    "created_at",
]
PAYMENT_COLUMNS = [
    "booking_reference",
    "id",
    "kind",
    "status",
    "amount_minor",
    "currency",
    "provider",
    "provider_ref",
    "idempotency_key",
    "created_at",
]


@dataclass
class Loss:
    """What restoring a backup taken at ``since`` would remove."""

    since: dt.datetime
    bookings: int
    payments: int
    customers: int

    def describe(self) -> str:
        return (
            f"{self.bookings} booking{'s' if self.bookings != 1 else ''} and "
            f"{self.payments} payment{'s' if self.payments != 1 else ''} "
            f"({self.customers} customer{'s' if self.customers != 1 else ''}) made since "
            f"{plan_time(self.since, '%Y-%m-%d %H:%M:%S')}"
        )


@dataclass
class Export:
    json_path: Path
    bookings_csv: Path
    payments_csv: Path
    loss: Loss
    customers: list[dict[str, Any]] = field(default_factory=list)  # email, name, bookings


def _bookings(since: dt.datetime):
    from midas.bookings.models import Booking

    return Booking.objects.filter(created_at__gte=since)


def _payments(since: dt.datetime):
    from midas.payments.models import Payment

    return Payment.objects.filter(created_at__gte=since)


def _held_minor(ledger) -> int:
    """Money still taken for the booking: succeeded charges less succeeded refunds."""
    from midas.payments.models import PaymentKind, PaymentStatus

    taken = sum(
        p.amount_minor
        for p in ledger
        if p.kind == PaymentKind.CHARGE and p.status == PaymentStatus.SUCCEEDED
    )
    given_back = sum(
        abs(p.amount_minor)
        for p in ledger
        if p.kind == PaymentKind.REFUND and p.status == PaymentStatus.SUCCEEDED
    )
    return taken - given_back


def is_lost(booking, ledger) -> bool:
    """Active, or money still held for it: what a restore really takes from the customer."""
    from midas.bookings.models import OCCUPYING_STATUSES, BookingStatus

    active = (*OCCUPYING_STATUSES, BookingStatus.COMPLETED)
    return booking.status in active or _held_minor(ledger) > 0


def _with_ledgers(since: dt.datetime) -> list[tuple[Any, list[Any]]]:
    bookings = (
        _bookings(since)
        .select_related("customer", "asset", "location")
        .prefetch_related("payments")
        .order_by("created_at", "pk")
    )
    return [(b, sorted(b.payments.all(), key=lambda p: (p.created_at, p.pk))) for b in bookings]


def loss_since(since: dt.datetime) -> Loss:
    lost = [b for b, ledger in _with_ledgers(since) if is_lost(b, ledger)]
    return Loss(
        since=since,
        bookings=len(lost),
        payments=_payments(since).count(),
        customers=len({b.customer_id for b in lost}),
    )


def _iso(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat() if value else ""


def _payment_row(payment) -> dict[str, Any]:
    return {
        "booking_reference": payment.booking.reference,
        "id": payment.pk,
        "kind": payment.kind,
        "status": payment.status,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "provider": payment.provider,
        "provider_ref": payment.provider_ref,
        "idempotency_key": payment.idempotency_key,
        "created_at": _iso(payment.created_at),
    }


def loss_export(*, since: dt.datetime, stem: str, directory: Path | None = None) -> Export:
    """Write the bookings and ledger rows made since ``since``; returns where and who."""
    from midas.bookings.services.notices import local_time

    directory = directory or Path(settings.VAR_DIR) / "rollback"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # customer data: owner only
    bookings = _with_ledgers(since)
    payments = list(_payments(since).select_related("booking").order_by("created_at", "pk"))
    booking_rows: list[dict[str, Any]] = []
    customers: dict[str, dict[str, Any]] = {}
    lost_count = 0
    for booking, ledger in bookings:
        lost = is_lost(booking, ledger)
        row = {
            "reference": booking.reference,
            "lost": lost,
            "status": booking.status,
            "customer_email": booking.customer.email,
            "customer_name": booking.customer.get_full_name(),
            "asset": booking.asset.name,
            "start": _iso(booking.start),
            "end": _iso(booking.end),
            "timezone": booking.location.timezone,
            "start_local": local_time(booking.start, booking),
            "end_local": local_time(booking.end, booking),
            "total": format_money(booking.total_minor, booking.currency),
            "currency": booking.currency,
            "total_minor": booking.total_minor,
            "paid_minor": _held_minor(ledger),
            "created_at": _iso(booking.created_at),
        }
        booking_rows.append({**row, "payments": [_payment_row(p) for p in ledger]})
        if not lost:
            continue
        lost_count += 1
        entry = customers.setdefault(
            booking.customer.email.lower(),
            {
                "email": booking.customer.email,
                "name": booking.customer.first_name or "",
                "since_local": local_time(since, booking),  # in their (first) booking's zone
                "bookings": [],
            },
        )
        entry["bookings"].append(row)
    loss = Loss(
        since=since,
        bookings=lost_count,
        payments=len(payments),
        customers=len(customers),
    )
    document = {
        "since": _iso(since),
        "written_at": _iso(dt.datetime.now(dt.UTC)),
        "counts": {
            "bookings": loss.bookings,
            "bookings_made": len(booking_rows),
            "payments": loss.payments,
        },
        "bookings": booking_rows,
        "payments": [_payment_row(p) for p in payments],
    }
    json_path = directory / f"{stem}.json"
    bookings_csv = directory / f"{stem}-bookings.csv"
    payments_csv = directory / f"{stem}-payments.csv"
    _write(json_path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    _write_csv(bookings_csv, BOOKING_COLUMNS, booking_rows)
    _write_csv(payments_csv, PAYMENT_COLUMNS, document["payments"])
    return Export(
        json_path=json_path,
        bookings_csv=bookings_csv,
        payments_csv=payments_csv,
        loss=loss,
        customers=list(customers.values()),
    )


def _write(path: Path, text: str) -> None:
    """Written in full, fsynced and owner-only before the restore may begin."""
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.chmod(0o600)
    os.replace(tmp, path)


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    _write(path, buffer.getvalue())
