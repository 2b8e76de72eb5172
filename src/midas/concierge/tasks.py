"""Background jobs of the concierge (django-tasks, scheduled by ``midas.jobs``):

- ``review_invitations`` (every 15 minutes): the customers of bookings returned within
  ``CONCIERGE_REVIEW_INVITE_DAYS`` are invited to rate them, once per booking, while the
  ``reviews`` flag is on.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(minutes=15), name="review_invitations")
@task()
def review_invitations() -> int:
    from midas.concierge.services import review_invitations_send

    return review_invitations_send()
