"""Writes of the analytics: a beacon, the daily rollup, retention and erasure
(docs/explanation/insights.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.insights.models import (
    DailyPage,
    DailyReturner,
    DailySource,
    DailyStat,
    Engagement,
    PageView,
)
from midas.insights.recorder import RECORDER

SESSION_GAP = dt.timedelta(minutes=30)  # a session ends after 30 minutes without a view
MAX_VISIBLE_MS = 6 * 3600 * 1000
MAX_LOAD_MS = 120_000
FUNNEL_AFTER = {  # a session that reached a step reached every step before it
    "asset": {"asset", "quote", "checkout", "paid"},
    "quote": {"quote", "checkout", "paid"},
    "checkout": {"checkout", "paid"},
    "paid": {"paid"},
}


def utc_today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


# --- the beacon --------------------------------------------------------------------------


def engagement_record(
    *, visitor: str | tuple[str, str], path: str, visible_ms: int, load_ms: int | None
) -> tuple:
    """Buffer one beacon; ``visitor`` is the day's id or the ``(ip, user agent)`` pair the
    flush turns into it."""
    if not path.startswith("/") or len(path) > 300:
        raise AppError(ErrorCode.INVALID_INPUT, "The path must be a site path.", field="p")
    if not 0 <= visible_ms <= MAX_VISIBLE_MS:
        raise AppError(ErrorCode.INVALID_INPUT, "Time on page out of range.", field="t")
    if load_ms is not None and not 0 <= load_ms <= MAX_LOAD_MS:
        raise AppError(ErrorCode.INVALID_INPUT, "Load time out of range.", field="l")
    now = timezone.now()
    row = (now, now.astimezone(dt.UTC).date(), visitor, path, visible_ms, load_ms or None)
    RECORDER.add_engagement(row)
    return row


# --- the daily rollup --------------------------------------------------------------------


@dataclass
class Session:
    views: list[tuple] = field(default_factory=list)  # PageView value rows, in time order
    end: dt.datetime | None = None
    loads: list[int] = field(default_factory=list)


VIEW_FIELDS = (
    "visitor",
    "at",
    "path",
    "kind",
    "subject",
    "location",
    "device",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "user_id",
    "rv",
)
(V_VISITOR, V_AT, V_PATH, V_KIND, V_SUBJECT, V_LOCATION, V_DEVICE) = range(7)
(V_REFERRER, V_SOURCE, V_MEDIUM, V_CAMPAIGN, V_USER, V_RV) = range(7, 13)


def places_of(views: list[tuple]) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, subject) -> (city slug, category slug), in two queries for the whole day."""
    from midas.bookings.models import Booking
    from midas.catalog.models import Asset

    assets = {v[V_SUBJECT] for v in views if v[V_KIND] in ("asset", "quote", "checkout")}
    refs = {v[V_SUBJECT] for v in views if v[V_KIND] == "paid"}
    places: dict[tuple[str, str], tuple[str, str]] = {}
    for slug, city, category in Asset.objects.filter(slug__in=assets).values_list(
        "slug", "home_location__slug", "category__slug"
    ):
        for kind in ("asset", "quote", "checkout"):
            places[(kind, slug)] = (city, category)
    for ref, city, category in Booking.objects.filter(reference__in=refs).values_list(
        "reference", "asset__home_location__slug", "asset__category__slug"
    ):
        places[("paid", ref)] = (city, category)
    return places


def _place(view: tuple, places: dict) -> tuple[str, str]:
    city, category = places.get((view[V_KIND], view[V_SUBJECT]), ("", ""))
    if view[V_KIND] == "listing":
        category = view[V_SUBJECT]
    return (view[V_LOCATION] or city)[:50], category[:50]


def sessions_of(views: list[tuple], engagements: list[tuple]) -> list[Session]:
    """One visitor's views (time order) cut into sessions at 30 minutes without a view; a
    beacon inside ``[first view, last view + 30 min]`` extends the session to its time."""
    sessions: list[Session] = []
    for view in views:
        if not sessions or view[V_AT] - sessions[-1].views[-1][V_AT] > SESSION_GAP:
            sessions.append(Session())
        sessions[-1].views.append(view)
    for session in sessions:
        session.end = session.views[-1][V_AT]
    for at, load_ms in engagements:
        for session in sessions:
            if session.views[0][V_AT] <= at <= session.views[-1][V_AT] + SESSION_GAP:
                session.end = max(session.end, at)
                if load_ms:
                    session.loads.append(load_ms)
                break
    return sessions


@transaction.atomic
def rollup_day(*, day: dt.date) -> int:
    """Rebuild one UTC day's rollups from its raw views; returns the sessions counted."""
    views = list(
        PageView.objects.filter(day=day).order_by("visitor", "at").values_list(*VIEW_FIELDS)
    )
    beacons: dict[str, list[tuple]] = defaultdict(list)
    for visitor, at, load_ms in (
        Engagement.objects.filter(day=day).order_by("at").values_list("visitor", "at", "load_ms")
    ):
        beacons[visitor].append((at, load_ms))
    places = places_of(views)
    stats: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    pages: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    sources: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    returners: set[str] = set()
    total = 0
    for visitor, rows in groupby(views, key=lambda v: v[V_VISITOR]):
        sessions = sessions_of(list(rows), beacons.get(visitor, []))
        for index, session in enumerate(sessions):
            first, last = session.views[0], session.views[-1]
            known = [p for p in (_place(v, places) for v in session.views) if p != ("", "")]
            city, category = known[0] if known else ("", "")
            stat = stats[(city, category, first[V_DEVICE])]
            stat["visitors"] += index == 0
            stat["sessions"] += 1
            bounced = len(session.views) == 1
            stat["bounces"] += bounced
            stat["pageviews"] += len(session.views)
            stat["duration_s"] += int((session.end - first[V_AT]).total_seconds())
            kinds = {v[V_KIND] for v in session.views}
            for step, reached in FUNNEL_AFTER.items():
                stat[f"{step}_sessions"] += bool(kinds & reached)
            stat["load_ms_sum"] += sum(session.loads)
            stat["loads"] += len(session.loads)
            for view in session.views:
                pages[view[V_PATH]][0] += 1
                if view[V_USER]:
                    returners.add(f"u:{view[V_USER]}")
                elif view[V_RV]:
                    returners.add(f"c:{view[V_RV]}")
            pages[first[V_PATH]][1] += 1
            pages[last[V_PATH]][2] += 1
            source = first[V_SOURCE] or first[V_REFERRER] or "direct"
            key = (source[:100], first[V_MEDIUM][:100], first[V_CAMPAIGN][:100])
            sources[key][0] += 1
            sources[key][1] += bounced
            total += 1
    for model in (DailyStat, DailyPage, DailySource, DailyReturner):
        model.objects.filter(day=day).delete()
    DailyStat.objects.bulk_create(
        DailyStat(day=day, city=c, category=g, device=d, **figures)
        for (c, g, d), figures in stats.items()
    )
    DailyPage.objects.bulk_create(
        DailyPage(day=day, path=p, views=v, entries=e, exits=x) for p, (v, e, x) in pages.items()
    )
    DailySource.objects.bulk_create(
        DailySource(day=day, source=s, medium=m, campaign=c, sessions=n, bounces=b)
        for (s, m, c), (n, b) in sources.items()
    )
    DailyReturner.objects.bulk_create(DailyReturner(day=day, ident=i) for i in sorted(returners))
    return total


def rollup_recent(*, days: int = 2) -> int:
    """Flush this process's buffer, then rebuild today's and yesterday's rollups (a
    session crossing midnight is cut there: the visitor ids change with the day's salt)."""
    RECORDER.flush()
    today = utc_today()
    return sum(rollup_day(day=today - dt.timedelta(days=n)) for n in range(days))


def rollup_missing(*, since: dt.date) -> int:
    """Roll up every day since ``since`` that has raw views and no rollup yet."""
    have = set(DailyStat.objects.filter(day__gte=since).values_list("day", flat=True).distinct())
    raw = set(PageView.objects.filter(day__gte=since).values_list("day", flat=True).distinct())
    return sum(rollup_day(day=day) for day in sorted(raw - have))


# --- retention and erasure ------------------------------------------------------------------


def insights_prune(*, now: dt.datetime | None = None) -> int:
    """Delete raw views, beacons and return-visitor days older than
    ``INSIGHTS_RETENTION_DAYS``; the day rollups (counts only) are kept."""
    now = now or timezone.now()
    cutoff = now.astimezone(dt.UTC).date() - dt.timedelta(days=settings.INSIGHTS_RETENTION_DAYS)
    deleted = 0
    for model in (PageView, Engagement, DailyReturner):
        deleted += model.objects.filter(day__lt=cutoff).delete()[0]
    return deleted


@dataclass(frozen=True)
class Erased:
    views: int
    beacons: int
    returner_days: int


@transaction.atomic
def analytics_erase(*, user_ids: set[int], rvs: set[str], actor: object = None) -> Erased:
    """Delete every analytics row tied to these people: views carrying their user id or
    return-visitor cookie, every view and beacon of the same daily visitor ids (the views
    they made before signing in that day), and their return-visitor days."""
    RECORDER.flush()
    tied = PageView.objects.filter(Q(user_id__in=user_ids) | Q(rv__in=rvs))
    rvs = rvs | set(tied.exclude(rv="").values_list("rv", flat=True))
    tied = PageView.objects.filter(Q(user_id__in=user_ids) | Q(rv__in=rvs))
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    for day, visitor in tied.values_list("day", "visitor").distinct():
        by_day[day].add(visitor)
    views = tied.delete()[0]
    beacons = 0
    for day, visitors in by_day.items():
        views += PageView.objects.filter(day=day, visitor__in=visitors).delete()[0]
        beacons += Engagement.objects.filter(day=day, visitor__in=visitors).delete()[0]
    idents = {f"u:{pk}" for pk in user_ids} | {f"c:{rv}" for rv in rvs}
    returner_days = DailyReturner.objects.filter(ident__in=idents).delete()[0]
    audit(
        "insights.analytics.erased",
        actor=actor,
        accounts=sorted(user_ids),
        return_ids=len(rvs),
        views=views,
        beacons=beacons,
        returner_days=returner_days,
    )
    return Erased(views, beacons, returner_days)


def privacy_erase(*, email: str, actor: object = None) -> Erased:
    """``midas privacy erase EMAIL``: one account's analytics rows (see ``analytics_erase``)."""
    from midas.accounts.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No account has the e-mail address {email}.")
    return analytics_erase(user_ids={user.pk}, rvs=set(), actor=actor)
