"""The launch drill: launch day on an accelerated clock (docs/explanation/launch-drill.md).

``run_drill()`` plays the whole day against the database it is given — an empty, migrated
scratch database (``midas launch drill`` makes one and re-executes itself into it; the test
uses pytest's) — through the launch's public functions only:

T-1 17:00 the team and the plan (``plan_init``), the checklist ticked, releases seen, a
verified backup; 18:00 the freeze (the deploy guard refuses); launch day minute by minute
from 05:50 to 18:00: generated traffic and probes (``drill.traffic``), and what the worker
does (``schedule_run_due``, ``triggers_evaluate``, ``escalation_tick``, outbox delivery, all
with ``now=``); smoke checks and a GO at 10:00, public, 50 %; at 11:10 live chat is switched
on and at 11:20 an error burst (2 % 5xx) starts; the error-rate trigger fires after 10
minutes (action: recommend), level 1 is told, the coordinator dry-runs then runs the
rollback (maintenance, flags back to the last good snapshot, the release hook, the database
restored from the final backup with the launch's records kept), the errors stop, the trigger
clears, level 2 is told at 15 minutes, the page is acknowledged in the (stand-in) PagerDuty
app, the incident is later resolved; a go/no-go within the hour of the burst is NO-GO, one
after a clean hour is GO; public again, 100 %, stabilisation, launched at 18:00. The
team's actions are in ``drill.team``, the day's loop in ``drill.script``.

The clock: ``django.utils.timezone.now`` answers the simulated time for the drill's
duration, and so do model fields whose default is ``timezone.now`` (``User.date_joined``:
``field_defaults_on``), so rows a part stamps itself agree with the ``now=`` the drill
passes, and the report's registrations and bookings count the drill's own; nothing
sleeps. A part that has not landed shows as "not available: <part>" and fails the drill;
nothing is faked in its place. The verdict comes from the records (``read_back``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import random
import shlex
import sys
import threading
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from django.test.utils import override_settings
from django.utils import timezone as _timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.drill.records import read_back, summary
from midas.launch.drill.timeline import EXPECTED, Timeline, match_expected
from midas.launch.drill.traffic import Traffic, customer_journey

REAL_NOW = _timezone.now  # what a model field's ``default=timezone.now`` holds
ZONE = zoneinfo.ZoneInfo("America/New_York")
MINUTE = dt.timedelta(minutes=1)
PASSWORD = "drill-Passw0rd-not-secret"  # noqa: S105 - accounts of a throwaway database
# One staff account per launch role (RoleKey), in its permission group.
STAFF = {
    "coordinator": ("coordinator@drill.midas.example", "launch"),
    "tech_lead": ("tech-lead@drill.midas.example", "launch"),
    "devops": ("devops@drill.midas.example", "operations"),
    "qa": ("qa@drill.midas.example", "operations"),
    "cs_lead": ("cs-lead@drill.midas.example", "concierge"),
    "marketing": ("marketing@drill.midas.example", "concierge"),
    "ceo": ("ceo@drill.midas.example", "executive"),
    "cto": ("cto@drill.midas.example", "executive"),
}
# The plan's on-call contacts (level 0: reached by name, never paged): no staff account.
ON_CALL = {"legal": "legal@drill.midas.example", "pr": "press@drill.midas.example"}
FAULT_ERROR_PCT = 2.0


class Unavailable(Exception):
    def __init__(self, part: str, why: str) -> None:
        super().__init__(f"{part}: {why}")
        self.part, self.why = part, why


def part(name: str, module: str, *attrs: str):
    """The named functions of another area's module, or ``Unavailable``."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(name, f"{module} is missing ({exc})") from exc
    missing = [a for a in attrs if not hasattr(mod, a)]
    if missing:
        raise Unavailable(name, f"{module} has no {', '.join(missing)}")
    found = tuple(getattr(mod, a) for a in attrs)
    return found[0] if len(found) == 1 else found


@contextlib.contextmanager
def field_defaults_on(now):
    """Model fields whose default is ``timezone.now`` itself (``User.date_joined``) hold the
    function, not the name, so patching ``django.utils.timezone.now`` does not reach them:
    point those defaults at ``now`` too while the drill runs (and back afterwards), so an
    account registered at 12:55 on the simulated day joined then, not on the real date."""
    from django.apps import apps

    fields = [
        f
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if getattr(f, "default", None) is REAL_NOW
    ]

    def point(to) -> None:
        for f in fields:
            f.default = to
            f.__dict__.pop("_get_default", None)  # Django caches the default's callable

    point(now)
    try:
        yield fields
    finally:
        point(REAL_NOW)


class Clock:
    """The simulated time; ``django.utils.timezone.now`` answers it while the drill runs."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self.at

    def set(self, when: dt.datetime) -> dt.datetime:
        self.at = when.astimezone(dt.UTC)
        return self.at

    def step(self, seconds: int = 5) -> dt.datetime:
        self.at += dt.timedelta(seconds=seconds)
        return self.at


@dataclass
class DrillResult:
    ok: bool
    launch_date: dt.date
    timeline: Timeline
    decisions: list = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    traffic: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "launch_date": self.launch_date.isoformat(),
            "timezone": str(self.timeline.zone),
            "timeline": [e.as_dict(self.timeline.zone) for e in self.timeline.entries],
            "decisions": [d.as_dict() for d in self.decisions],
            "expected": [key for key, _ in EXPECTED],
            "found": self.found,
            "missing": self.missing,
            "not_available": self.timeline.missing_parts,
            "summary": self.summary,
            "traffic": self.traffic,
        }


def local(day: dt.date, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    d = day + dt.timedelta(days=days)
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=ZONE)


def ensure_empty() -> None:
    """The drill writes a whole launch: it runs only on a database without one."""
    from midas.bookings.models import Booking
    from midas.launch.models import LaunchEvent, LaunchState

    state = LaunchState.objects.filter(pk=1).first()
    if (state and state.launch_date) or LaunchEvent.objects.exists() or Booking.objects.exists():
        raise AppError(
            ErrorCode.INVALID_STATE,
            "The drill runs on an empty scratch database only (this one has a launch or "
            "bookings); use `midas launch drill`, which makes its own.",
        )


@dataclass
class Faults:
    """The bad release's real fault on the HTTP path: while ``active``, the sign-in over the
    API (``POST /api/v1/auth/token``) answers 500 — what the smoke checks meet."""

    active: bool = False
    broken: tuple[str, ...] = ("/api/v1/auth/token",)
    served: int = 0  # requests answered 500 by the fault

    def wrap(self, app):
        def faulty(environ, start_response):
            if self.active and environ.get("PATH_INFO") in self.broken:
                self.served += 1
                start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                return [b"drill-1.1: sign-in broken"]
            return app(environ, start_response)

        return faulty


@contextlib.contextmanager
def live_server(faults: Faults | None = None):
    """This deployment on a loopback port, for the smoke checks (they speak HTTP) and the
    pager's webhook; ``faults`` sits in front of it (the drill's bad release)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from midas.ops.health.migrations import MigrationsCheck

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    # as `midas serve` does before it answers: the migration graph loaded once, so the first
    # readiness call (the 06:00 real probe) does not pay for it against its 3 s cut
    MigrationsCheck.warm()
    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    app = WSGIHandler()
    server.set_app(faults.wrap(app) if faults is not None else app)
    thread = threading.Thread(target=server.serve_forever, name="drill-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def hook_command(workdir: Path) -> str:
    """A harmless stand-in for the release switch: it writes the release it was given."""
    target = workdir / "rollback-hook.txt"
    code = (
        "import os, pathlib; "
        f"pathlib.Path({str(target)!r}).write_text(os.environ.get('MIDAS_ROLLBACK_TO', ''))"
    )
    return shlex.join([sys.executable, "-c", code])


def run_drill(
    *, workdir: Path, seed: int = 1, launch_date: dt.date | None = None, out=None
) -> DrillResult:
    """Play launch day in the current (empty, migrated) database; see the module doc."""
    from midas.launch.drill.room import room
    from midas.launch.drill.script import Script

    workdir.mkdir(parents=True, exist_ok=True)
    launch_date = launch_date or (dt.datetime.now(ZONE).date() + dt.timedelta(days=7))
    clock = Clock(local(launch_date, 17, 0, days=-1))
    timeline = Timeline(zone=ZONE)
    traffic = Traffic(rng=random.Random(seed))
    ensure_empty()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", clock.now))
        # the rate limits' windows on the drill's clock too: a simulated hour passes in
        # seconds, and the smoke's registrations every 15 minutes would otherwise all fall
        # in one real hour's window
        stack.enter_context(
            mock.patch("midas.accounts.ratelimit.clock", lambda: clock.now().timestamp())
        )
        stack.enter_context(field_defaults_on(clock.now))
        faults = Faults()
        base_url = stack.enter_context(live_server(faults))
        pager = stack.enter_context(room())
        stack.enter_context(
            override_settings(
                SITE_URL=base_url,
                BACKUP_DIR=workdir / "backups",
                LAUNCH_ROLLBACK_HOOK=hook_command(workdir),
                **pager.settings(),
                LAUNCH_TEAM_EMAIL=["launch-team@drill.midas.example"],
                SLO_AUTO_FLUSH=False,
            )
        )
        _forget_caches()
        script = Script(
            clock=clock,
            timeline=timeline,
            traffic=traffic,
            day=launch_date,
            workdir=workdir,
            base_url=base_url,
            room=pager,
            faults=faults,
            out=out,
        )
        script.play()
        decisions = read_back()
        found, missing = match_expected([d.key for d in decisions])
        result = DrillResult(
            ok=not missing
            and not timeline.missing_parts
            and not script.failures
            and all(e.ok for e in timeline.entries),
            launch_date=launch_date,
            timeline=timeline,
            decisions=decisions,
            found=found,
            missing=missing,
            summary=summary(),
            traffic={
                "requests": traffic.requests,
                "errors": traffic.errors,
                "visitor_answers": traffic.visits,
                "admissions": script.admissions,
            },
        )
    _forget_caches()
    return result


def _forget_caches() -> None:
    from midas.launch.state.selectors import forget

    forget()
    from midas.flags.selectors import FLAGS

    FLAGS.forget()


def staff_actor(role: str) -> actors.Actor:
    from midas.accounts.models import User

    email, _group = STAFF[role]
    return actors.of_user(User.objects.get(email=email), "drill")


def setup_people() -> None:
    """The launch team's staff accounts in their groups, a beta tester and a customer."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from midas.accounts.models import User
    from midas.launch.plan.groups import ensure_groups

    ensure_groups()
    for role, (email, group) in STAFF.items():
        user = User.objects.create_user(email, PASSWORD, first_name="Drill", last_name=role)
        user.is_staff = True
        user.email_verified_at = timezone.now()
        user.save(update_fields=["is_staff", "email_verified_at"])
        user.groups.set(Group.objects.filter(name=group))
    for email, beta in (("beta@drill.midas.example", True), ("guest@drill.midas.example", False)):
        user = User.objects.create_user(email, PASSWORD, first_name="Drill", last_name="Guest")
        user.is_beta = beta
        user.email_verified_at = timezone.now()
        user.date_of_birth = dt.date(1980, 1, 1)
        user.save(update_fields=["is_beta", "email_verified_at", "date_of_birth"])


def phase_now() -> str:
    from midas.launch.state.selectors import launch_state

    return launch_state(fresh=True).phase


def ramp_now() -> float:
    from midas.launch.state.selectors import launch_state

    return float(launch_state(fresh=True).ramp_percent)


def book(day: dt.date, who: str = "guest@drill.midas.example") -> dict:
    from midas.catalog.models import Asset

    asset = Asset.objects.active().filter(booking_mode="instant", pricing_unit="night").order_by(
        "pk"
    ).first() or (Asset.objects.active().order_by("pk").first())
    if asset is None:
        return {"booking": "no asset"}
    return customer_journey(
        email=who, password=PASSWORD, asset_slug=asset.slug, start=day + dt.timedelta(days=40)
    )
