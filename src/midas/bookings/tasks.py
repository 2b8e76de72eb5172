"""Background jobs of the booking journey (django-tasks, scheduled by ``midas.jobs``).

- ``expire_holds`` (every minute): held and requested bookings past ``hold_expires_at``
  become expired, their slot freed;
- ``send_reminders`` (every 15 minutes): an email 24 h before the start, once per booking;
- ``remind_approvals`` (every 5 minutes): the concierge team reminded of a request-to-book
  ``BOOKING_APPROVAL_REMINDER_MINUTES`` before it lapses unanswered, once per request;
- ``settle_payments`` (every 5 minutes): re-send ledger calls an interrupted process left
  pending, re-read rows waiting on the provider, place deposit holds that came due;
- ``release_deposits`` (hourly): release the deposit ``DEPOSIT_RELEASE_DAYS`` (default 2)
  after the return unless staff captured it, and the holds of bookings cancelled or expired.

Each job is a thin call to a service that takes ``now`` (tests call the services directly)
and is safe to run twice at once: every change is made under the booking's row lock and
re-checked there.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(minutes=1), name="expire_holds")
@task()
def expire_holds() -> int:
    from midas.bookings.services import booking_expire_holds

    return booking_expire_holds()


@periodic(every=dt.timedelta(minutes=15), name="send_reminders")
@task()
def send_reminders() -> int:
    from midas.bookings.services import booking_send_reminders

    return booking_send_reminders()


@periodic(every=dt.timedelta(minutes=5), name="remind_approvals")
@task()
def remind_approvals() -> int:
    from midas.bookings.services import booking_remind_approvals

    return booking_remind_approvals()


@periodic(every=dt.timedelta(minutes=5), name="settle_payments")
@task()
def settle_payments() -> int:
    from midas.payments.services import payments_settle_pending

    return payments_settle_pending()


@periodic(every=dt.timedelta(hours=1), name="release_deposits")
@task()
def release_deposits() -> int:
    from midas.payments.services import deposits_release_due

    return deposits_release_due()
