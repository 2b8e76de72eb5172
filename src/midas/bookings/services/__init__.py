"""The bookings app's write path (one module per meaning; everything importable from here).

- ``slots``: ``reserve`` and ``release``, the only writes that occupy or free an asset;
- ``create``: ``booking_create`` (checkout: a held or requested booking);
- ``lifecycle``: approve, decline, confirm payment, pick-up, return, expiry, reminders;
- ``cancel``: ``booking_cancel`` with its refund;
- ``change``: ``booking_change`` (new dates or guests, the difference charged or refunded)
  and ``booking_refund_custom`` (staff give back an amount, with a reason);
- ``notices``: what the emails say (called inside the transactions above).

Money moves through ``midas.payments.services`` (pay, deposits, refunds, sync).
"""

from midas.bookings.services.cancel import booking_cancel
from midas.bookings.services.change import (
    booking_change,
    booking_change_preview,
    booking_refund_custom,
)
from midas.bookings.services.create import (
    booking_create,
    booking_create_or_replay,
    new_booking_reference,
)
from midas.bookings.services.lifecycle import (
    booking_approve,
    booking_confirm_payment,
    booking_decline,
    booking_expire_holds,
    booking_mark_picked_up,
    booking_mark_refunded,
    booking_mark_returned,
    booking_remind_approvals,
    booking_send_reminders,
)
from midas.bookings.services.slots import check_range, new_reference, release, reserve

__all__ = [
    "booking_approve",
    "booking_cancel",
    "booking_change",
    "booking_change_preview",
    "booking_confirm_payment",
    "booking_create",
    "booking_create_or_replay",
    "booking_decline",
    "booking_expire_holds",
    "booking_mark_picked_up",
    "booking_mark_refunded",
    "booking_mark_returned",
    "booking_refund_custom",
    "booking_remind_approvals",
    "booking_send_reminders",
    "check_range",
    "new_booking_reference",
    "new_reference",
    "release",
    "reserve",
]
