"""Reads of the access gate: visitor counts (for the console, the CLI and the capacity cap),
invitations, the waitlist, and a summary of the beta feedback."""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import Avg, Count, Q
from django.utils import timezone

from midas.launch.models import Feedback, Invite, Visitor, VisitorState, WaitlistEntry

ACTIVE_MINUTES = 5  # a visitor seen this recently is "active" (the capacity cap counts them)
ACTIVE_MEMO_SECONDS = 5  # the capacity count is remembered this long per process
LOW_RATING = 2  # ratings at or below this are listed for the team


def active_since(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=ACTIVE_MINUTES)


def admission_counts(now: dt.datetime | None = None) -> dict[str, int]:
    """Visitors by state (``admitted``, ``waiting``, ``refused``: their state at their last
    look) and ``active``: admitted and seen in the last ``ACTIVE_MINUTES`` minutes."""
    now = now or timezone.now()
    row = Visitor.objects.aggregate(
        admitted=Count("pk", filter=Q(state=VisitorState.ADMITTED)),
        waiting=Count("pk", filter=Q(state=VisitorState.WAITING)),
        refused=Count("pk", filter=Q(state=VisitorState.REFUSED)),
        active=Count(
            "pk", filter=Q(state=VisitorState.ADMITTED, last_seen_at__gte=active_since(now))
        ),
    )
    return {key: int(row[key] or 0) for key in ("admitted", "waiting", "refused", "active")}


def active_count(now: dt.datetime) -> int:
    return Visitor.objects.filter(
        state=VisitorState.ADMITTED, last_seen_at__gte=active_since(now)
    ).count()


_active_memo: tuple[float, int] | None = None


def forget_active() -> None:
    global _active_memo
    _active_memo = None


def active_count_remembered(now: dt.datetime) -> int:
    """``active_count``, remembered ``ACTIVE_MEMO_SECONDS`` per process: the capacity check
    of a stream of new visitors costs one count every few seconds, not one per request."""
    global _active_memo
    memo = _active_memo
    if memo is not None and memo[0] > time.monotonic():
        return memo[1]
    count = active_count(now)
    _active_memo = (time.monotonic() + ACTIVE_MEMO_SECONDS, count)
    return count


def feedback_summary(since: dt.datetime | None = None) -> dict:
    """``count``, ``average`` (None without feedback), ``low`` (the latest 20 ratings at or
    below ``LOW_RATING``) and ``by_status`` ({status: count}) of the feedback since ``since``."""
    qs = Feedback.objects.all()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    totals = qs.aggregate(count=Count("pk"), average=Avg("rating"))
    by_status = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk"))}
    average = totals["average"]
    return {
        "count": totals["count"],
        "average": round(float(average), 2) if average is not None else None,
        "low": list(qs.filter(rating__lte=LOW_RATING).select_related("user")[:20]),
        "by_status": by_status,
    }


def feedback_list(*, status: str = "", limit: int = 200) -> list[Feedback]:
    qs = Feedback.objects.select_related("user", "triaged_by")
    if status:
        qs = qs.filter(status=status)
    return list(qs[:limit])


def invites_list(*, limit: int = 500) -> list[Invite]:
    return list(Invite.objects.select_related("created_by")[:limit])


def waitlist_list(*, limit: int = 1000) -> list[WaitlistEntry]:
    return list(WaitlistEntry.objects.all()[:limit])


def waitlist_counts() -> dict[str, int]:
    row = WaitlistEntry.objects.aggregate(
        total=Count("pk"), notified=Count("pk", filter=Q(notified_at__isnull=False))
    )
    return {"total": row["total"], "notified": row["notified"]}
