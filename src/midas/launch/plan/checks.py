"""Checks the system runs to prove checklist items (``ChecklistItem.auto_check``).

A small registry: each check is a function ``(now) -> CheckResult(ok, evidence)``
registered under a name with ``@plan_check("name", "what it proves")``. ``run_check`` runs
one by name and never raises: an unknown name or a check that errors is a failed result
whose evidence says why. ``plan.services.checks_run`` runs them every minute.

Adding a check: write the function here (reads only, no writes), register it, and name it
in ``plan.data.ITEMS`` or on an item in the console.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

logger = logging.getLogger(__name__)

PROBE_WINDOW = dt.timedelta(minutes=5)
SMOKE_WINDOW = dt.timedelta(minutes=15)
BACKUP_WINDOW = dt.timedelta(hours=24)
EMAIL_WINDOW = dt.timedelta(hours=24)
HEARTBEAT_LIMIT = dt.timedelta(seconds=120)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    evidence: str


@dataclass(frozen=True)
class PlanCheck:
    name: str
    label: str
    run: Callable[[dt.datetime], CheckResult]


CHECKS: dict[str, PlanCheck] = {}


def plan_check(name: str, label: str) -> Callable:
    def register(fn: Callable[[dt.datetime], CheckResult]) -> Callable:
        if name in CHECKS and CHECKS[name].run is not fn:
            raise ValueError(f"two plan checks are named {name!r}")
        CHECKS[name] = PlanCheck(name=name, label=label, run=fn)
        return fn

    return register


def run_check(name: str, *, now: dt.datetime | None = None) -> CheckResult:
    check = CHECKS.get(name)
    if check is None:
        return CheckResult(False, f"no such check: {name!r}")
    try:
        return check.run(now or timezone.now())
    except Exception as exc:  # a broken check is a failed item, never a failed job
        logger.exception("plan check %s failed to run", name)
        return CheckResult(False, f"check error: {type(exc).__name__}: {exc}")


def _ago(now: dt.datetime, then: dt.datetime) -> str:
    return f"{int((now - then).total_seconds() // 60)} min ago"


@plan_check("security_settings", "Django's deployment checks (check --deploy) pass")
def security_settings(now: dt.datetime) -> CheckResult:
    from django.core import checks

    found = [
        m
        for m in checks.run_checks(include_deployment_checks=True)
        if m.level >= checks.WARNING and not m.is_silenced()
    ]
    if not found:
        return CheckResult(True, "check --deploy: no warnings or errors")
    ids = ", ".join(sorted({m.id or "?" for m in found}))
    return CheckResult(False, f"check --deploy: {len(found)} issue(s): {ids}")


@plan_check("backup_verified_24h", "A backup verified (restored and checked) in the last 24 h")
def backup_verified_24h(now: dt.datetime) -> CheckResult:
    from midas.backups.manifest import all_manifests

    verified = []
    for manifest in all_manifests():
        if manifest.verified_at:
            at = dt.datetime.fromisoformat(manifest.verified_at)
            if at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            verified.append((at, manifest.id))
    if not verified:
        return CheckResult(False, "no verified backup (midas backup create; midas backup verify)")
    at, backup_id = max(verified)
    if now - at > BACKUP_WINDOW:
        return CheckResult(False, f"newest verified backup {backup_id} verified {_ago(now, at)}")
    return CheckResult(True, f"backup {backup_id} verified {at:%Y-%m-%d %H:%M} UTC")


@plan_check("probes_running", "Probe results for every component in the last 5 minutes")
def probes_running(now: dt.datetime) -> CheckResult:
    from django.db.models import Count

    from midas.slo.models import Component, ProbeResult

    counts = dict(
        ProbeResult.objects.filter(at__gt=now - PROBE_WINDOW, at__lte=now)
        .values_list("component")
        .annotate(n=Count("id"))
        .values_list("component", "n")
    )
    missing = [c for c in Component.values if not counts.get(c)]
    seen = ", ".join(f"{c} {counts[c]}" for c in Component.values if counts.get(c))
    if missing:
        return CheckResult(
            False,
            f"no probe in 5 min for: {', '.join(missing)}" + (f" (seen: {seen})" if seen else ""),
        )
    return CheckResult(True, f"probes in the last 5 min: {seen}")


def _latest_smoke(now: dt.datetime, *, passed: bool):
    from midas.launch.models import SmokeRun

    qs = SmokeRun.objects.filter(started_at__lte=now, finished_at__isnull=False)
    if passed:
        qs = qs.filter(ok=True)
    return qs.order_by("-started_at", "-id").first()


@plan_check("smoke_passed_15m", "A passing smoke run (core checks, test payment) in 15 min")
def smoke_passed_15m(now: dt.datetime) -> CheckResult:
    run = _latest_smoke(now, passed=True)
    if run is None:
        return CheckResult(False, "no passing smoke run (midas smoke)")
    if now - run.started_at > SMOKE_WINDOW:
        return CheckResult(False, f"last passing smoke run {_ago(now, run.started_at)}")
    return CheckResult(
        True, f"smoke run #{run.pk} passed at {run.started_at:%H:%M} UTC ({len(run.steps)} steps)"
    )


@plan_check("test_email_delivered", "A test email delivered (smoke run or the outbox, 24 h)")
def email_delivered(now: dt.datetime) -> CheckResult:
    from midas.notifications.models import OutboxMessage, OutboxStatus

    run = _latest_smoke(now, passed=True)
    if run is not None:
        for step in run.steps or []:
            if step.get("name") == "email" and step.get("ok"):
                return CheckResult(
                    True, f"smoke run #{run.pk} at {run.started_at:%H:%M} UTC delivered its email"
                )
    sent = (
        OutboxMessage.objects.filter(
            channel="email",
            status=OutboxStatus.SENT,
            sent_at__gt=now - EMAIL_WINDOW,
            sent_at__lte=now,
        )
        .order_by("-sent_at")
        .first()
    )
    if sent is not None:
        return CheckResult(True, f"email '{sent.template}' sent {_ago(now, sent.sent_at)}")
    return CheckResult(False, "no email delivered in 24 h and no smoke run with its email step")


@plan_check("freeze_in_force", "The system freeze is in force")
def freeze_in_force(now: dt.datetime) -> CheckResult:
    from midas.launch.state.selectors import freeze_window, launch_state

    window = freeze_window(launch_state(fresh=True))
    if window is None:
        return CheckResult(False, "no freeze window: set the launch date")
    span = f"{window.starts_at:%Y-%m-%d %H:%M %Z} → {window.ends_at:%Y-%m-%d %H:%M %Z}"
    if window.contains(now):
        return CheckResult(True, f"freeze in force: {span}")
    return CheckResult(False, f"freeze not in force now: {span}")


@plan_check("launch_team_assigned", "Every role has a primary contact linked to a staff account")
def launch_team_assigned(now: dt.datetime) -> CheckResult:
    """Every role that is paged (escalation level 1-3) or signs the go/no-go has a primary
    contact linked to an active staff account; on-call roles (level 0: legal, PR) need a
    named contact only."""
    from midas.launch.models import LaunchContact, LaunchRole

    roles = list(LaunchRole.objects.all())
    if not roles:
        return CheckResult(False, "no roles: load the plan (midas launch plan init)")
    linked = set(
        LaunchContact.objects.filter(
            backup=False, user__isnull=False, user__is_staff=True, user__is_active=True
        ).values_list("role__key", flat=True)
    )
    named = set(LaunchContact.objects.filter(backup=False).values_list("role__key", flat=True))
    staffed = [r for r in roles if r.escalation_level or r.signs_gonogo]
    missing = [r.label for r in staffed if r.key not in linked]
    unnamed = [r.label for r in roles if r not in staffed and r.key not in named]
    if missing or unnamed:
        parts = []
        if missing:
            parts.append(f"no primary contact with a staff account: {', '.join(missing)}")
        if unnamed:
            parts.append(f"no contact named: {', '.join(unnamed)}")
        return CheckResult(False, "; ".join(parts))
    return CheckResult(True, f"all {len(roles)} roles have a primary contact")


@plan_check("worker_running", "A background worker's heartbeat in the last 2 minutes")
def worker_running(now: dt.datetime) -> CheckResult:
    from midas.jobs.selectors import heartbeat_age

    age = heartbeat_age(now=now)
    if age is None:
        return CheckResult(False, "no worker running")
    if age > HEARTBEAT_LIMIT:
        return CheckResult(False, f"last worker heartbeat {int(age.total_seconds())} s ago")
    return CheckResult(True, f"worker heartbeat {int(age.total_seconds())} s ago")


@plan_check("monitoring_active", "Probes running and a worker alive")
def monitoring_active(now: dt.datetime) -> CheckResult:
    probes, worker = probes_running(now), worker_running(now)
    return CheckResult(probes.ok and worker.ok, f"{probes.evidence}; {worker.evidence}")


# --- customer service (the plan's T-7 Wednesday readiness and "customer service operational")

SUPPORT_REHEARSAL_WINDOW = dt.timedelta(days=14)


def _support_desk() -> list[str]:
    """What keeps the ticket inbox from being staffed: the customer-service lead's contact
    with a staff account, and staff in the concierge group to answer."""
    from django.contrib.auth import get_user_model

    from midas.launch.models import LaunchContact, RoleKey

    problems = []
    lead = LaunchContact.objects.filter(
        role__key=RoleKey.CS_LEAD, backup=False, user__is_staff=True, user__is_active=True
    ).exists()
    if not lead:
        problems.append("no customer-service lead with a staff account")
    agents = (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True, groups__name="concierge")
        .distinct()
        .count()
    )
    if not agents:
        problems.append("nobody in the concierge group to answer tickets")
    return problems


def _answered_by_email(since: dt.datetime):
    """The newest ticket a staff member answered and whose customer answered back by
    e-mail (the reply address worked both ways), since ``since``; None when there is none."""
    from django.db.models import Exists, OuterRef

    from midas.concierge.models import Author, TicketChannel, TicketMessage

    answers = TicketMessage.objects.filter(
        author=Author.STAFF, internal=False, created_at__gte=since
    )
    replied = TicketMessage.objects.filter(
        ticket=OuterRef("ticket"),
        author=Author.CUSTOMER,
        channel=TicketChannel.EMAIL,
        created_at__gt=OuterRef("created_at"),
    )
    return (
        answers.filter(Exists(replied)).select_related("ticket", "user").order_by("-created_at")
    ).first()


@plan_check(
    "support_ready",
    "The ticket inbox staffed, the rota covering launch day, a ticket answered end to end by "
    "e-mail in the last 14 days",
)
def support_ready(now: dt.datetime) -> CheckResult:
    from midas.launch.plan.selectors import rota_gaps
    from midas.launch.state.selectors import launch_day_at, launch_state, plan_time

    problems = _support_desk()
    state = launch_state()
    if state.launch_date is None:
        problems.append("no launch date: the rota cannot be checked")
    else:
        # local midnight to midnight: 23 or 25 hours on a clock-change day
        gaps = rota_gaps(launch_day_at(state, 0), launch_day_at(state, 0, days=1))
        if gaps:
            first = f"{plan_time(gaps[0][0], state=state)} to {plan_time(gaps[0][1], state=state)}"
            problems.append(f"the rota leaves launch day uncovered {len(gaps)}x (first {first})")
    answered = _answered_by_email(now - SUPPORT_REHEARSAL_WINDOW)
    if answered is None:
        problems.append(
            "no ticket answered end to end by e-mail in the last 14 days (open a test "
            "ticket, answer it from the inbox, reply to the e-mail)"
        )
    if problems:
        return CheckResult(False, "; ".join(problems))
    by = answered.user.email if answered.user else "staff"
    return CheckResult(
        True,
        f"inbox staffed; the rota covers launch day; ticket #{answered.ticket_id} answered by "
        f"{by} {_ago(now, answered.created_at)} and the customer's e-mail reply landed",
    )


@plan_check(
    "support_operational",
    "Someone on the rota now, the inbox staffed, no open ticket past its first-response time, "
    "no chat waiting unanswered past its target",
)
def support_operational(now: dt.datetime) -> CheckResult:
    from midas.concierge.chat.selectors import chat_figures
    from midas.concierge.models import Ticket, TicketStatus
    from midas.launch.plan.selectors import on_shift

    problems = _support_desk()
    if not on_shift(now):
        problems.append("nobody on the customer-service rota now")
    late = Ticket.objects.filter(
        status__in=[TicketStatus.NEW, TicketStatus.OPEN],
        first_response_at__isnull=True,
        first_response_due__lt=now,
    ).count()
    if late:
        problems.append(f"{late} ticket(s) past their first-response time (/staff/tickets/)")
    chats = chat_figures(start=now - dt.timedelta(hours=24), end=now, now=now)
    if chats.waiting_late:
        problems.append(f"{chats.waiting_late} chat(s) waiting unanswered (/staff/chat/)")
    if problems:
        return CheckResult(False, "; ".join(problems))
    waiting = Ticket.objects.filter(status__in=[TicketStatus.NEW, TicketStatus.OPEN]).count()
    return CheckResult(
        True, f"on the rota now: {len(on_shift(now))}; {waiting} open ticket(s), none late"
    )
