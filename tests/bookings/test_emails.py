"""The booking emails, rendered from the real templates by the real flows: every message the
services send has its subject, text and HTML, names nothing the context lacks, and the
confirmation carries the full receipt in the city's time with the .ics file attached."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from midas.bookings.models import Booking
from midas.bookings.services import (
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_expire_holds,
    booking_mark_picked_up,
    booking_mark_returned,
    booking_remind_approvals,
    booking_send_reminders,
    notices,
)
from midas.bookings.services.notices import booking_context
from midas.money import format_money
from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxMessage
from midas.notifications.services import render_email
from midas.payments.selectors import ledger_totals
from midas.payments.services import deposit_capture, deposit_release, payment_pay_booking
from tests.bookings.fixtures import EMAIL_TEMPLATES
from tests.factories import make_asset, make_booking, make_city, make_driver, make_staff

pytestmark = pytest.mark.django_db

INVALID = "§MISSING:%s§"
VISA, DECLINED = "4242424242424242", "4000000000000002"


@pytest.fixture(autouse=True)
def strict_templates(settings, booking_test_settings):
    """A name the context lacks shows up in the message instead of vanishing."""
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["OPTIONS"]["string_if_invalid"] = INVALID
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


def now() -> dt.datetime:
    return timezone.now()


def pay(booking: Booking, card: str = VISA) -> Booking:
    return payment_pay_booking(booking=booking, payment_method=card, now=now()).booking


def run_every_flow() -> None:
    staff = make_staff()
    dubai = make_city("dubai")
    car = make_asset("cars", dubai, name="Bugatti Chiron")
    # held, declined card, paid (confirmed), deposit held (starts soon), captured
    first = make_booking(asset=car, now=now(), days_ahead=2)
    pay(first, DECLINED)
    first = pay(first)
    booking_mark_picked_up(booking=first, by=staff)
    booking_mark_returned(booking=first, by=staff)
    deposit_capture(booking=first, amount_minor=100_000, by=staff, reason="A scratched wheel")
    # another: paid, deposit released
    second = pay(make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=1.5))
    deposit_release(booking=second, by=staff)
    # cancelled after payment, by the policy
    third = pay(make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=20))
    booking_cancel(booking=third, by=third.customer, reason="Change of plans")
    # requests: approved, declined
    jet = make_asset("jets", dubai, booking_mode="request")
    booking_approve(booking=make_booking(asset=jet, now=now(), days_ahead=30), by=staff)
    declined = make_booking(asset=jet, now=now(), days_ahead=40)
    booking_decline(booking=declined, by=staff, reason="The aircraft is in maintenance.")
    # the reminder, the day before
    soon = pay(make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=2))
    booking_send_reminders(now=soon.start - dt.timedelta(hours=12))
    # a hold not paid in time; a request staff are reminded of, then lapsing unanswered
    unpaid = make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=3)
    waiting = make_booking(asset=jet, now=now(), days_ahead=50)
    assert waiting.hold_expires_at is not None
    booking_remind_approvals(now=waiting.hold_expires_at - dt.timedelta(minutes=30))
    assert unpaid.hold_expires_at is not None
    booking_expire_holds(now=max(unpaid.hold_expires_at, waiting.hold_expires_at))


def test_every_booking_email_renders_completely():
    run_every_flow()
    deliver_due()  # the new bookings' emails are rendered by the worker, before sending
    sent = set(OutboxMessage.objects.values_list("template", flat=True))
    expected = set(EMAIL_TEMPLATES) - {"staff_payment_problem"}
    assert expected <= sent, expected - sent
    for message in OutboxMessage.objects.filter(template__in=EMAIL_TEMPLATES):
        where = f"{message.template}: "
        for part in (message.subject, message.body_text, message.body_html):
            assert part.strip(), where + "empty"
            assert "§MISSING" not in part, where + part[part.index("§MISSING") :][:80]
            assert "{{" not in part and "{%" not in part, where
        text = re.sub(r"<[^<>\s]+@[^<>\s]+>", "", message.body_text)  # <ada@example.com>
        assert "<" not in text, where + "HTML in the text part"
        assert "MIDAS" in message.body_html and "MIDAS" in message.body_text, where
        assert len(message.subject) < 120, where


def test_the_confirmation_is_a_receipt_in_the_citys_time():
    dubai = make_city("dubai")
    booking = pay(make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=20))
    deliver_due()  # rendered by the worker
    message = OutboxMessage.objects.get(template="booking_confirmed")
    assert message.to == booking.customer.email
    assert booking.reference in message.subject
    local_start = booking.start.astimezone(dubai.tz)
    for body in (message.body_text, message.body_html):
        assert booking.reference in body
        for line in booking.quote_lines:
            assert line["label"] in body
            assert format_money(line["amount"], "AED") in body
        assert format_money(booking.total_minor, "AED") in body
        assert format_money(booking.security_deposit_minor, "AED") in body
        assert f"{local_start:%H:%M} (Asia/Dubai)" in body
        assert f"/bookings/{booking.reference}/" in body
    [ics] = message.attachments
    assert ics["filename"] == f"{booking.reference}.ics"


def test_the_cancellation_names_the_refund():
    booking = pay(make_booking(now=now(), days_ahead=20))
    booking_cancel(booking=booking, by=booking.customer)
    message = OutboxMessage.objects.get(template="booking_cancelled")
    refund = format_money(booking.total_minor, booking.currency)
    assert refund in message.subject
    assert refund in message.body_text and refund in message.body_html
    staff = OutboxMessage.objects.get(template="staff_booking_cancelled")
    assert refund in staff.body_text


def test_a_declined_card_says_why_and_how_long_the_hold_lasts():
    booking = make_booking(now=now(), customer=make_driver())
    pay(booking, DECLINED)
    message = OutboxMessage.objects.get(template="payment_failed")
    assert "Your card was declined." in message.body_text
    assert f"/bookings/{booking.reference}/pay/" in message.body_text
    assert "still held until" in message.body_text


def test_a_capture_with_nothing_left_does_not_mention_a_release():
    staff = make_staff()
    booking = pay(make_booking(now=now(), days_ahead=2))
    held = ledger_totals(booking).deposit_held
    deposit_capture(booking=booking, amount_minor=held, by=staff, reason="Written off")
    message = OutboxMessage.objects.get(template="deposit_captured")
    assert "Written off" in message.body_text
    assert "The rest of the hold" not in message.body_text


# --- Rendered at delivery ------------------------------------------------------------------


def rendered_now(booking: Booking, template: str, to: str) -> tuple[str, str, str]:
    """What ``email_enqueue`` would have rendered for ``booking`` at this moment."""
    return render_email(template, {**booking_context(booking), "recipient": to})


@pytest.mark.parametrize("mode", ["instant", "request"])
def test_a_new_bookings_emails_are_rendered_by_the_worker_exactly_as_at_booking(settings, mode):
    dubai = make_city("dubai")
    asset = make_asset("jets" if mode == "request" else "cars", dubai, booking_mode=mode)
    booking = make_booking(asset=asset, now=now(), days_ahead=10)
    customer_template, staff_template = (
        ("request_received", "staff_new_request")
        if mode == "request"
        else ("booking_held", "staff_new_booking")
    )
    expected = {
        customer_template: rendered_now(booking, customer_template, booking.customer.email),
        staff_template: rendered_now(booking, staff_template, settings.CONCIERGE_EMAIL),
    }
    rows = OutboxMessage.objects.filter(template__in=expected)
    assert len(rows) == 2
    for row in rows:  # written with the booking, not rendered by the request that made it
        assert (row.subject, row.body_text, row.body_html) == ("", "", "")
        assert row.render_later["data"]["booking"]["reference"] == booking.reference

    report = deliver_due()

    assert report.sent == 2
    for row in OutboxMessage.objects.filter(template__in=expected):
        assert (row.subject, row.body_text, row.body_html) == expected[row.template]
        assert row.render_later == {}
        assert booking.reference in row.subject
    sent = {message.subject: message for message in mail.outbox}
    assert set(sent) == {subject for subject, _, _ in expected.values()}
    held = sent[expected[customer_template][0]]
    assert held.body == expected[customer_template][1]
    assert held.alternatives[0][0] == expected[customer_template][2]


def test_the_held_email_shows_the_booking_as_it_was_when_booked_though_sent_after_payment():
    dubai = make_city("dubai")
    booking = make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=10)
    total = format_money(booking.total_minor, booking.currency)
    held_until = booking.hold_expires_at
    expected = rendered_now(booking, "booking_held", booking.customer.email)
    # before the worker runs: the customer pays (no hold any more, confirmed) and the
    # booking's price lines are rewritten
    paid = pay(booking)
    assert paid.status == "confirmed" and paid.hold_expires_at is None
    Booking.objects.filter(pk=booking.pk).update(total_minor=1, quote_lines=[])

    deliver_due()

    held = OutboxMessage.objects.get(template="booking_held")
    assert (held.subject, held.body_text, held.body_html) == expected
    assert total in held.body_text and total in held.body_html
    assert held_until is not None
    assert f"{held_until.astimezone(dubai.tz):%H:%M}" in held.body_text
    assert format_money(1, booking.currency) not in held.body_text  # not the row as it is now


def test_a_render_that_fails_is_retried_and_the_booking_stands(monkeypatch):
    booking = make_booking(asset=make_asset("cars", make_city("dubai")), now=now(), days_ahead=10)

    def broken(data):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(notices, "frozen_booking_context", broken)
    report = deliver_due()
    assert report.sent == 0 and report.retrying == 2
    assert Booking.objects.filter(pk=booking.pk).exists()
    row = OutboxMessage.objects.get(template="booking_held")
    assert row.status == "pending" and row.render_later and "template exploded" in row.last_error


def test_the_confirmation_rendered_by_the_worker_is_the_one_rendered_at_payment():
    dubai = make_city("dubai")
    booking = make_booking(asset=make_asset("cars", dubai), now=now(), days_ahead=20)
    paid_at = now()
    booking = payment_pay_booking(booking=booking, payment_method=VISA, now=paid_at).booking
    row = OutboxMessage.objects.get(template="booking_confirmed")
    assert row.subject == "" and row.render_later  # not rendered in the payment's transaction
    extra = row.render_later["data"]["extra"]
    context = booking_context(
        booking,
        paid=extra["paid"],
        paid_at=paid_at,
        payment_reference=extra["payment_reference"],
        receipt_rows=[tuple(r) for r in extra["receipt_rows"]],
    )
    expected = render_email("booking_confirmed", {**context, "recipient": booking.customer.email})
    assert f"{paid_at:%-d %b %Y}" in expected[1]  # the payment's date, a datetime again

    deliver_due()

    row.refresh_from_db()
    assert (row.subject, row.body_text, row.body_html) == expected
    [ics] = row.attachments  # frozen at payment, with the row
    assert ics["filename"] == f"{booking.reference}.ics"
