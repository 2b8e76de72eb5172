"""What a restore loses: only bookings that were active or paid count (and their customers are
told); the apology email shows each booking's times in its own local zone."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from midas.bookings.models import BookingStatus
from midas.launch import actors
from midas.launch.rollback import steps
from midas.launch.rollback.export import loss_export, loss_since
from midas.notifications.models import OutboxMessage
from tests.factories import CITIES, NOW, make_asset, make_booking, make_location, make_paid_booking
from tests.pinned import pin_now

SINCE = NOW - dt.timedelta(hours=1)  # the backup's time


@pytest.fixture
def pinned(monkeypatch, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    return pin_now(monkeypatch, NOW)


def _mixed_bookings(pinned):
    from midas.bookings.services.cancel import booking_cancel

    pinned.set(SINCE - dt.timedelta(hours=1))
    before = make_paid_booking()  # made before the backup: in it, not lost
    pinned.set(NOW)
    paid = make_paid_booking()
    held = make_booking()
    cancelled = booking_cancel(booking=make_booking(), by=None, reason="changed plans", now=NOW)
    refunded = booking_cancel(
        booking=make_paid_booking(), by=None, reason="changed plans", now=NOW, full_refund=True
    )
    expired = make_booking()
    type(expired).objects.filter(pk=expired.pk).update(status=BookingStatus.EXPIRED)
    assert cancelled.status == BookingStatus.CANCELLED
    assert refunded.status == BookingStatus.REFUNDED
    return before, paid, held, cancelled, refunded, expired


@pytest.mark.django_db
def test_only_bookings_active_or_paid_are_lost(pinned, tmp_path):
    before, paid, held, cancelled, refunded, expired = _mixed_bookings(pinned)

    loss = loss_since(SINCE)
    assert (loss.bookings, loss.customers) == (2, 2)
    assert loss.describe().startswith("2 bookings and ")

    export = loss_export(since=SINCE, stem="t", directory=tmp_path)
    assert export.loss == loss
    told = {b["reference"] for c in export.customers for b in c["bookings"]}
    assert told == {paid.reference, held.reference}
    document = json.loads(export.json_path.read_text())
    lost = {b["reference"]: b["lost"] for b in document["bookings"]}
    assert lost == {
        paid.reference: True,
        held.reference: True,
        cancelled.reference: False,
        refunded.reference: False,
        expired.reference: False,
    }  # every booking made since is exported, for the record; `before` is in the backup
    assert before.reference not in lost
    assert document["counts"]["bookings"] == 2 and document["counts"]["bookings_made"] == 5
    by_ref = {b["reference"]: b for b in document["bookings"]}
    assert by_ref[refunded.reference]["paid_minor"] == 0
    assert by_ref[paid.reference]["paid_minor"] == paid.total_minor


@pytest.mark.django_db
def test_the_apology_shows_the_booking_s_local_times(pinned, tmp_path, coordinator):
    """A Dubai yacht booked from midnight 10 Feb to midnight 12 Feb, local time (20:00 UTC the
    day before), reads so; not in UTC."""
    dubai = make_location(slug="dubai", **CITIES["dubai"])
    yacht = make_asset("yachts", location=dubai)
    booking = make_booking(asset=yacht, days_ahead=36 + 8 / 24, length_days=2)
    assert booking.start == dt.datetime(2027, 2, 9, 20, 0, tzinfo=dt.UTC)
    export = loss_export(since=SINCE, stem="t", directory=tmp_path)
    runner = SimpleNamespace(
        actor=actors.of_user(coordinator, "cli"),
        reason="data corruption",
        export=export,
        restored=True,
        target=SimpleNamespace(manifest=SimpleNamespace(id="b1", created=SINCE)),
        run_row=SimpleNamespace(started_at=NOW),
    )

    ok, detail, _ = steps.tell(runner)

    assert ok and "1 customer email(s) queued" in detail
    (email,) = OutboxMessage.objects.filter(template="launch_rollback_customer")
    for body in (email.body_text, email.body_html):
        assert "Wed 10 Feb 2027, 00:00 (Asia/Dubai)" in body
        assert "Fri 12 Feb 2027, 00:00 (Asia/Dubai)" in body
        assert "20:00" not in body.replace("Mon 4 Jan 2027, 15:00", "")
    assert "Mon 4 Jan 2027, 15:00 (Asia/Dubai)" in email.body_text  # the backup's time, local
