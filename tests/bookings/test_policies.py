"""Cancellation tiers per category, at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.policies import cancellation_preview, describe_policy
from tests.factories import NOW, make_asset, make_paid_booking

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("category", "before", "percent", "tier"),
    [
        ("cars", 72 * H, 100, "full"),
        ("cars", 72 * H - S, 50, "partial"),
        ("cars", 24 * H, 50, "partial"),
        ("cars", 24 * H - S, 0, "none"),
        ("cars", -H, 0, "none"),  # after the start
        ("yachts", 14 * 24 * H, 100, "full"),
        ("yachts", 14 * 24 * H - S, 50, "partial"),
        ("yachts", 7 * 24 * H, 50, "partial"),
        ("yachts", 7 * 24 * H - S, 0, "none"),
        ("jets", 7 * 24 * H, 100, "full"),
        ("jets", 7 * 24 * H - S, 50, "partial"),
        ("jets", 72 * H, 50, "partial"),
        ("jets", 72 * H - S, 0, "none"),
        ("villas", 30 * 24 * H, 100, "full"),
        ("villas", 30 * 24 * H - S, 50, "partial"),
        ("villas", 14 * 24 * H, 50, "partial"),
        ("villas", 14 * 24 * H - S, 0, "none"),
    ],
)
def test_tiers_at_their_boundaries(category, before, percent, tier):
    booking = make_paid_booking(asset=make_asset(category), days_ahead=40)
    preview = cancellation_preview(booking=booking, now=booking.start - before)
    expected = (booking.total_minor * percent + 50) // 100
    assert (preview.refund_minor, preview.tier, preview.percent) == (expected, tier, percent)
    assert preview.paid_minor == booking.total_minor
    assert preview.explanation


def test_half_refunds_round_half_up_to_a_minor_unit():
    booking = make_paid_booking(asset=make_asset(base_rate_minor=100_001), days_ahead=5)
    total = booking.total_minor
    preview = cancellation_preview(booking=booking, now=booking.start - 30 * H)
    assert preview.refund_minor == (total + 1) // 2


def test_nothing_paid_nothing_refunded():
    from tests.factories import make_booking

    booking = make_booking()
    preview = cancellation_preview(booking=booking, now=NOW)
    assert (preview.refund_minor, preview.tier) == (0, "unpaid")


def test_staff_override_refunds_everything_paid():
    booking = make_paid_booking(days_ahead=3)
    preview = cancellation_preview(booking=booking, now=booking.start - H, full_refund=True)
    assert (preview.refund_minor, preview.tier) == (booking.total_minor, "staff_override")


def test_policies_in_words():
    assert describe_policy("cars") == [
        "Full refund 72 hours or more before the start.",
        "50% refund 24 hours or more before the start.",
        "No refund less than 24 hours before the start.",
    ]
    assert describe_policy("villas")[0] == "Full refund 30 days or more before the start."
    assert describe_policy("unknown") == describe_policy("cars")
