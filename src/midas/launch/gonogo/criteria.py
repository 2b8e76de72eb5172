"""The live criteria of the go/no-go decision: a small registry (docs/architecture.md), one
documented entry per criterion (docs/explanation/launch-gonogo.md).

Each entry is a function ``(now) -> Result`` registered with ``@criterion(key, label)``; it
reads its evidence as of ``now`` (tests pin it) and says value, threshold and verdict. The
rule every entry keeps: **no evidence is not a pass** — a criterion with nothing to measure
fails with a detail starting "no data". An entry that raises fails too (``evaluate_all``
turns the exception into a failed result), so one broken reading cannot make a GO.

Add a criterion: write a function here, decorate it, add a line to the doc.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

HOUR = dt.timedelta(hours=1)
SMOKE_WITHIN = dt.timedelta(minutes=15)
BACKUP_FRESH = dt.timedelta(hours=24)
OVERRIDE_COVERS = dt.timedelta(hours=1)  # an override naming no end covers an hour
BURN_WINDOW = dt.timedelta(hours=6)


def p95_target_ms() -> float:
    """p95 latency target: 2.5 s, the plan's response-time target applied to the 95th
    percentile (``LAUNCH_P95_MS`` overrides)."""
    return float(settings.LAUNCH_P95_MS)


def burn_rate_max() -> float:
    return float(settings.LAUNCH_BURN_RATE_MAX)


# Where a reason too long to read points to: every item is kept on the record.
DETAILS = "see `midas launch gonogo show --details`"
DETAIL_MAX = 200  # characters of a detail kept in a reason; the rest is behind DETAILS


@dataclass(frozen=True)
class Result:
    """``detail`` is one short line; ``items`` every thing counted in it (shown with
    ``--details`` and on the console); ``waived`` names the waiver that made a failing
    criterion pass (``ok`` is then True)."""

    key: str
    label: str
    value: str
    threshold: str
    ok: bool
    detail: str = ""
    items: tuple[str, ...] = ()
    waived: str = ""

    def as_json(self) -> dict:
        body = asdict(self)
        body["items"] = list(self.items)
        return body


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    measure: Callable[[dt.datetime], Result]
    doc: str
    owner: str = "tech_lead"  # the launch role that may waive it (``gonogo.services``)


CRITERIA: list[Criterion] = []


def criterion(key: str, label: str, owner: str = "tech_lead") -> Callable:
    def register(fn: Callable[[dt.datetime], Result]) -> Callable[[dt.datetime], Result]:
        CRITERIA.append(Criterion(key, label, fn, (fn.__doc__ or "").strip(), owner))
        return fn

    return register


def counted(what: list[str], noun: str, plural: str = "") -> str:
    """``"62 migrations"``: a count in words, never the list."""
    n = len(what)
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def summary(items: list[str], *, noun: str, plural: str = "", shown: int = 3) -> str:
    """The first few items and a count of the rest with a pointer to them all:
    ``"a; b; c and 59 more migrations — see ..."``; the items themselves when few."""
    if len(items) <= shown:
        return "; ".join(items)
    more = counted(items[shown:], f"more {noun}", f"more {plural or noun + 's'}")
    return f"{'; '.join(items[:shown])} and {more} — {DETAILS}"


def no_data(key: str, label: str, threshold: str, why: str) -> Result:
    return Result(key, label, "no data", threshold, False, f"no data: {why}")


def evaluate_all(*, now: dt.datetime | None = None) -> list[Result]:
    now = now or timezone.now()
    results = []
    for entry in CRITERIA:
        try:
            results.append(entry.measure(now))
        except Exception as exc:  # a broken reading is a failed criterion, never a pass
            logger.warning("criterion %s failed: %s", entry.key, type(exc).__name__)
            results.append(
                Result(entry.key, entry.label, "error", "-", False, f"{type(exc).__name__}: {exc}")
            )
    return results


def _pct(value: float) -> str:
    return f"{value:.3f}%"


# --- the entries ---------------------------------------------------------------------------


@criterion("readiness", "Readiness checks pass", owner="devops")
def readiness(now: dt.datetime) -> Result:
    """Every readiness check (``midas.ops.health.registry.READINESS``, the /readyz body)
    says pass; a warn is not a pass (the detail names the checks that did not pass)."""
    from midas.ops.health import registry
    from midas.ops.health.runner import run_checks

    checks = list(registry.READINESS)
    if not checks:
        return no_data("readiness", "Readiness checks pass", "all pass", "no checks registered")
    body = run_checks(checks)
    bad = [
        f"{name}: {obs[0]['status']}"
        + (f" ({obs[0].get('output')})" if obs[0].get("output") else "")
        for name, obs in body["checks"].items()
        if obs[0]["status"] != "pass"
    ]
    return Result(
        "readiness",
        "Readiness checks pass",
        body["status"],
        "all pass",
        not bad,
        summary(bad, noun="check"),
        tuple(bad),
    )


@criterion("error_rate", "Error rate, last 60 min")
def error_rate(now: dt.datetime) -> Result:
    """5xx responses / all responses over the last 60 minutes (SLO engine) below the SLO
    target (``SLO_ERROR_RATE_TARGET``, 0.1 %)."""
    from midas.slo.selectors import figures, targets

    goal = targets().error_rate_pct
    fig = figures(now - HOUR, now)
    threshold = f"< {goal:g}%"
    if fig.error_rate_pct is None:
        return no_data("error_rate", "Error rate, last 60 min", threshold, "no requests recorded")
    return Result(
        "error_rate",
        "Error rate, last 60 min",
        _pct(fig.error_rate_pct),
        threshold,
        fig.error_rate_pct < goal,
        f"{fig.errors} of {fig.requests} requests",
    )


@criterion("avg_response", "Average response, last 60 min")
def avg_response(now: dt.datetime) -> Result:
    """Mean request duration over the last 60 minutes below ``SLO_AVG_MS_TARGET`` (2.5 s)."""
    from midas.slo.selectors import figures, targets

    goal = targets().avg_ms
    fig = figures(now - HOUR, now)
    threshold = f"< {goal:g} ms"
    if fig.avg_ms is None:
        return no_data("avg_response", "Average response, last 60 min", threshold, "no requests")
    return Result(
        "avg_response",
        "Average response, last 60 min",
        f"{fig.avg_ms:.0f} ms",
        threshold,
        fig.avg_ms < goal,
        f"{fig.requests} requests",
    )


@criterion("p95_response", "p95 response, last 60 min")
def p95_response(now: dt.datetime) -> Result:
    """95th-percentile latency over the last 60 minutes (histogram, interpolated as
    Prometheus does) below ``LAUNCH_P95_MS`` (2.5 s)."""
    from midas.slo.selectors import figures

    goal = p95_target_ms()
    fig = figures(now - HOUR, now)
    threshold = f"< {goal:g} ms"
    if fig.p95_ms is None:
        return no_data("p95_response", "p95 response, last 60 min", threshold, "no requests")
    return Result(
        "p95_response",
        "p95 response, last 60 min",
        f"{fig.p95_ms:.0f} ms",
        threshold,
        fig.p95_ms < goal,
        f"{fig.requests} requests",
    )


def uptime_start(now: dt.datetime) -> dt.datetime:
    """Since launch day's 06:00 local (the soft launch) when that is in the last 24 h,
    otherwise the last 24 h."""
    from midas.launch.state.selectors import launch_day_at, launch_state

    state = launch_state(fresh=True)
    start = now - 24 * HOUR
    if state.launch_date is not None:
        soft = launch_day_at(state, 6)
        if start < soft < now:
            start = soft
    return start


@criterion("uptime", "Uptime (probes), soft launch / last 24 h", owner="devops")
def uptime(now: dt.datetime) -> Result:
    """Up minutes / minutes with probe data since the soft launch began (launch day
    06:00 local) or over the last 24 h, at least ``SLO_UPTIME_TARGET`` (99.9 %)."""
    from midas.slo.selectors import targets, uptime_minutes

    goal = targets().uptime_pct
    start = uptime_start(now)
    with_data, up = uptime_minutes(start, now)
    threshold = f">= {goal:g}%"
    label = "Uptime (probes), soft launch / last 24 h"
    if not with_data:
        return no_data("uptime", label, threshold, "no probe results (are the probes running?)")
    pct = 100.0 * up / with_data
    return Result(
        "uptime",
        label,
        _pct(pct),
        threshold,
        pct >= goal,
        f"{with_data - up} down of {with_data} minutes since "
        f"{start.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC",
    )


@criterion("no_critical_incident", "No open critical incident", owner="coordinator")
def no_critical_incident(now: dt.datetime) -> Result:
    """No status-page incident with impact critical that is unresolved (started by ``now``)."""
    from midas.status.models import Incident, IncidentImpact, IncidentStatus

    open_ = list(
        Incident.objects.filter(impact=IncidentImpact.CRITICAL, started_at__lte=now)
        .exclude(status=IncidentStatus.RESOLVED)
        .values_list("title", flat=True)[:5]
    )
    return Result(
        "no_critical_incident",
        "No open critical incident",
        str(len(open_)),
        "0",
        not open_,
        "; ".join(open_),
    )


@criterion("support", "Customer service keeps up", owner="cs_lead")
def support(now: dt.datetime) -> Result:
    """Nobody waits past a target right now: no active ticket past its first-response time,
    no chat waiting unanswered past ``CHAT_ANSWER_TARGET_SECONDS``; the value sums up the
    last 24 hours (tickets, first responses on target, chats answered on target)."""
    from midas.concierge.chat.selectors import chat_figures
    from midas.concierge.selectors import inbox_summary, support_figures

    day = now - dt.timedelta(hours=24)
    tickets = support_figures(start=day, end=now)
    chats = chat_figures(start=day, end=now, now=now)
    late_tickets = inbox_summary(now=now)["late"]
    value = (
        f"{tickets.tickets_opened} ticket(s), {tickets.first_response_on_target}/"
        f"{tickets.first_responses} first responses on target; {chats.started} chat(s), "
        f"{chats.answered_on_target}/{chats.answered} answered on target"
    )
    late = []
    if late_tickets:
        late.append(f"{late_tickets} ticket(s) past a target (/staff/tickets/)")
    if chats.waiting_late:
        late.append(f"{chats.waiting_late} chat(s) waiting unanswered (/staff/chat/)")
    return Result(
        "support",
        "Customer service keeps up",
        value,
        "nobody waiting past a target",
        not late,
        "; ".join(late),
    )


@criterion("backup", "Backup fresh and verified", owner="devops")
def backup(now: dt.datetime) -> Result:
    """The newest verified backup of this database (manifest ``verified_at`` set by
    ``midas backup verify``) was taken in the last 24 h."""
    from midas.backups.manifest import all_manifests
    from midas.backups.services import vendor

    label, threshold = "Backup fresh and verified", "verified, taken < 24 h ago"
    mine = [m for m in all_manifests() if m.vendor == vendor() and m.created <= now]
    if not mine:
        return no_data("backup", label, threshold, "no backups")
    verified = [m for m in mine if m.verified_at]
    if not verified:
        return Result("backup", label, "not verified", threshold, False, f"newest: {mine[0].id}")
    newest = verified[0]
    age = now - newest.created
    hours = age.total_seconds() / 3600
    return Result(
        "backup",
        label,
        f"{hours:.1f} h old",
        threshold,
        age < BACKUP_FRESH,
        f"{newest.id}, verified {newest.verified_at}",
    )


@criterion("smoke", "Smoke journey passed, last 15 min", owner="qa")
def smoke(now: dt.datetime) -> Result:
    """The newest finished smoke run (``midas smoke``) started in the last 15 minutes and
    passed; a newer failed run fails this even when an older one passed."""
    from midas.launch.models import SmokeRun

    label, threshold = "Smoke journey passed, last 15 min", "passed < 15 min ago"
    run = (
        SmokeRun.objects.filter(started_at__lte=now, finished_at__isnull=False)
        .order_by("-started_at", "-id")
        .first()
    )
    if run is None or run.started_at < now - SMOKE_WITHIN:
        return no_data("smoke", label, threshold, "no smoke run in the last 15 minutes")
    minutes = (now - run.started_at).total_seconds() / 60
    failed = [s.get("name", "?") for s in run.steps if not s.get("ok")]
    return Result(
        "smoke",
        label,
        f"{'passed' if run.ok else 'FAILED'} {minutes:.0f} min ago",
        threshold,
        run.ok,
        f"failed steps: {', '.join(failed)}" if failed else f"run #{run.pk} against {run.base_url}",
    )


def _freeze_changes(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """Deploys (a new release first seen) and migrations applied in ``[start, end)``."""
    from django.db.migrations.recorder import MigrationRecorder

    from midas.launch.models import LaunchEvent, ReleaseSeen

    changes = [
        (r.first_seen_at, f"deploy of release {r.release}")
        for r in ReleaseSeen.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
    ]
    changes += [
        (m.applied, f"migration {m.app}.{m.name}")
        for m in MigrationRecorder.Migration.objects.filter(applied__gte=start, applied__lt=end)
    ]
    changes += [
        (e.at, f"{e.action} by {e.actor_label}")
        for e in LaunchEvent.objects.filter(
            action__startswith="launch.freeze.",
            action__contains="violat",
            at__gte=start,
            at__lt=end,
        )
    ]
    return sorted(changes, key=lambda c: c[0])


def _override_until(event) -> dt.datetime:
    """An override's end (``details.until``, set by ``midas.launch.state.freeze.freeze_override``);
    an hour after it when it names none."""
    try:
        return dt.datetime.fromisoformat(event.details.get("until", ""))
    except (TypeError, ValueError):
        return event.at + OVERRIDE_COVERS


@criterion("freeze", "Freeze respected", owner="devops")
def freeze(now: dt.datetime) -> Result:
    """No deploy (a release first seen, ``ReleaseSeen``) and no migration (Django's
    ``django_migrations.applied``) between the freeze's start and ``now`` unless a freeze
    override (``LaunchEvent`` ``launch.freeze.*override*``) was in force when it happened
    (from the override until its ``until``; an hour when it names none). Overrides are
    recorded exceptions and are listed in the detail."""
    from midas.launch.models import LaunchEvent
    from midas.launch.state.selectors import freeze_window, launch_state

    label, threshold = "Freeze respected", "no un-overridden deploy or migration"
    window = freeze_window(launch_state(fresh=True))
    if window is None:
        return no_data("freeze", label, threshold, "no freeze window (set the launch day)")
    if now < window.starts_at:
        return no_data("freeze", label, threshold, "the freeze has not begun")
    end = min(now, window.ends_at)
    overrides = list(
        LaunchEvent.objects.filter(
            action__startswith="launch.freeze.",
            action__contains="override",
            at__gte=window.starts_at,
            at__lt=end,
        ).order_by("at")
    )
    changes = _freeze_changes(window.starts_at, end)
    spans = [(o.at, _override_until(o)) for o in overrides]
    uncovered = [
        what
        for at, what in changes
        if "violat" in what or not any(start <= at <= until for start, until in spans)
    ]
    noted = [
        f"override {o.at:%H:%M} by {o.actor_label}: {o.details.get('what', '')} — {o.reason}"
        for o in overrides
    ]
    items = [f"not overridden: {what}" for what in uncovered] + noted
    return Result(
        "freeze",
        label,
        f"{len(changes)} change(s), {len(uncovered)} not overridden, {len(overrides)} override(s)",
        threshold,
        not uncovered,
        _freeze_said(uncovered, noted),
        tuple(items),
    )


def _freeze_said(uncovered: list[str], overrides: list[str]) -> str:
    """One short line. A few items are said as they are; more are counted — deploys and
    migrations not overridden, overrides — never listed (62 migration names are no
    reason anyone can read); every item is behind ``DETAILS``."""
    items = [f"not overridden: {what}" for what in uncovered] + overrides
    if len(items) <= 3:
        return "; ".join(items)
    deploys = [w for w in uncovered if w.startswith("deploy")]
    migrations = [w for w in uncovered if w.startswith("migration")]
    others = [w for w in uncovered if w not in deploys and w not in migrations]
    parts = []
    if migrations:
        parts.append(f"{counted(migrations, 'migration')} applied during the freeze window")
    if deploys:
        parts.append(f"{counted(deploys, 'deploy')} during the freeze window")
    if others:
        parts.append(counted(others, "recorded violation"))
    said = ", ".join(parts) + (", not overridden" if parts else "")
    if overrides:
        said += ("; " if said else "") + f"{counted(overrides, 'override')} in force"
    return f"{said} — {DETAILS}"


@criterion("burn_rate", "Error-budget burn rate, last 6 h")
def burn_rate(now: dt.datetime) -> Result:
    """burn = (5xx / requests over the last 6 h) / (1 − SLO), the SLO being
    ``SLO_UPTIME_TARGET`` (99.9 %, a 0.1 % monthly error budget). 1.0 spends the month's
    budget in exactly 30 days; the threshold (``LAUNCH_BURN_RATE_MAX``, 2) allows twice that."""
    from midas.slo.selectors import figures, targets

    label = "Error-budget burn rate, last 6 h"
    limit = burn_rate_max()
    threshold = f"< {limit:g}"
    budget = (100.0 - targets().uptime_pct) / 100.0
    fig = figures(now - BURN_WINDOW, now)
    if not fig.requests:
        return no_data("burn_rate", label, threshold, "no requests")
    if budget <= 0:
        return Result("burn_rate", label, "-", threshold, False, "an SLO of 100% has no budget")
    rate = (fig.errors / fig.requests) / budget
    return Result(
        "burn_rate",
        label,
        f"{rate:.2f}",
        threshold,
        rate < limit,
        f"{fig.errors} of {fig.requests} requests failed; budget {budget * 100:g}%",
    )
