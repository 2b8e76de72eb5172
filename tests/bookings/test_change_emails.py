"""The emails of a change render completely (no name missing from the context, no template
syntax left, a text part without HTML) and say what happened."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from midas.bookings.services import booking_change, booking_refund_custom
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind
from midas.payments.services import payment_complete_challenge
from tests.factories import NOW, make_paid_booking, make_staff

pytestmark = pytest.mark.django_db

INVALID = "§MISSING:%s§"
DAY = dt.timedelta(days=1)
TEMPLATES = [
    "booking_changed",
    "staff_booking_changed",
    "booking_change_failed",
    "booking_refund_issued",
]


@pytest.fixture(autouse=True)
def strict_templates(settings, booking_test_settings):
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["OPTIONS"]["string_if_invalid"] = INVALID
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


def every_change() -> None:
    cheaper = make_paid_booking(days_ahead=10, length_days=3)
    booking_change(
        booking=cheaper, start=cheaper.start, end=cheaper.end - DAY, by=cheaper.customer, now=NOW
    )
    dearer = make_paid_booking(days_ahead=40, length_days=2, asset=cheaper.asset)
    booking_change(
        booking=dearer,
        start=dearer.start,
        end=dearer.end + DAY,
        guests=2,
        by=dearer.customer,
        payment_method="4242424242424242",
        now=NOW,
    )
    waived = make_paid_booking(days_ahead=60, asset=cheaper.asset)
    booking_change(
        booking=waived,
        start=waived.start,
        end=waived.end + DAY,
        by=make_staff(),
        waive_difference=True,
        reason="our mistake",
        now=NOW,
    )
    lost = make_paid_booking(days_ahead=80, asset=cheaper.asset)
    outcome = booking_change(
        booking=lost,
        start=lost.start + 5 * DAY,
        end=lost.start + 8 * DAY,
        by=lost.customer,
        payment_method="4000002500003155",
        now=NOW,
    )
    make_paid_booking(asset=cheaper.asset, days_ahead=86, length_days=1)
    charge = Payment.objects.filter(booking=lost, kind=PaymentKind.CHARGE).order_by("id").last()
    assert outcome.status == "requires_action"
    payment_complete_challenge(payment=charge, approve=True, now=NOW)
    booking_refund_custom(booking=cheaper, amount_minor=5_000, by=make_staff(), reason="late")


def test_every_change_email_renders_completely():
    every_change()
    sent = OutboxMessage.objects.filter(template__in=TEMPLATES)
    assert {m.template for m in sent} == set(TEMPLATES)
    for message in sent:
        where = f"{message.template}: "
        for part in (message.subject, message.body_text, message.body_html):
            assert part.strip(), where + "empty"
            assert "§MISSING" not in part, where + part[part.index("§MISSING") :][:80]
            assert "{{" not in part and "{%" not in part, where
        assert "<p" not in message.body_text, where + "HTML in the text part"
        assert len(message.subject) < 120, where


def test_what_each_email_says():
    every_change()
    by_template: dict[str, list[str]] = {}
    for message in OutboxMessage.objects.filter(template__in=TEMPLATES).order_by("id"):
        by_template.setdefault(message.template, []).append(message.body_text)
    cheaper, dearer, waived = by_template["booking_changed"]
    assert "REFUND: USD" in cheaper
    assert "PAID: USD" in dearer and "Guests: 2" in dearer
    assert "waived by our concierge" in waived and "our mistake" in waived
    assert "by the customer" in by_template["staff_booking_changed"][0]
    assert "by our concierge" in by_template["staff_booking_changed"][2]
    [failed] = by_template["booking_change_failed"]
    assert "not available" in failed and "REFUND: USD" in failed
    [refund] = by_template["booking_refund_issued"]
    assert "USD 50 " in refund and "late" in refund
