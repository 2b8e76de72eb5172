"""The launch drill's script: who does what, when (docs/explanation/launch-drill.md).

``Script.play()`` walks the simulated day. Each minute it does what the worker does
(``schedule_run_due``, ``triggers_evaluate``, ``escalation_tick``, all with ``now=``) after
the minute's traffic, then the team's scripted actions for that minute (``drill.team``).
Every call into another area goes through ``attempt()``: a part that has not landed is
"not available", a refusal or an error is a failure of the drill — never skipped quietly.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from midas.errors import AppError
from midas.launch.drill.room import Room
from midas.launch.drill.run import (
    FAULT_ERROR_PCT,
    MINUTE,
    Clock,
    Faults,
    Unavailable,
    local,
    part,
    phase_now,
    ramp_now,
)
from midas.launch.drill.team import BETA, PLAN, Team
from midas.launch.drill.timeline import Timeline
from midas.launch.drill.traffic import REAL_PROBE_EVERY, Traffic

logger = logging.getLogger(__name__)

VISIT_EVERY = 10  # simulated minutes between samples of real visitors
# The worker's per-minute work (schedule, triggers, escalation, outbox) runs every minute
# from 11:00 to 13:00, around the fault; in the quiet stretches every QUIET_EVERY minutes
# (the triggers' conditions are sustained ones, so they are still seen within minutes).
QUIET_EVERY = 5
# The worker's periodic smoke (``launch.smoke.jobs``, every 15 minutes during the launch) runs
# in the drill around the fault, from 11:00 to 13:00; the scripted smoke runs cover the rest
# of the day (a full journey each: registration, booking, payment, e-mail, clean-up).
SMOKE_EVERY = 15


class Script(Team):
    def __init__(
        self,
        *,
        clock: Clock,
        timeline: Timeline,
        traffic: Traffic,
        day: dt.date,
        workdir: Path,
        base_url: str,
        room: Room,
        faults: Faults,
        out=None,
    ) -> None:
        self.clock, self.timeline, self.traffic = clock, timeline, traffic
        self.day, self.workdir, self.base_url, self.out = day, workdir, base_url, out
        self.room, self.faults = room, faults
        self.review = None  # the security trigger's firing, reviewed by devops
        self.failures: list[str] = []
        self.admissions: dict = {}
        self.pending: dict[dt.datetime, list[Callable[[], None]]] = {}
        self.firing = None
        self.fault_until: dt.datetime | None = None
        self.notices_seen = 0

    # --- bookkeeping -----------------------------------------------------------------------

    def note(self, event: str, **kw) -> None:
        entry = self.timeline.add(self.clock.now(), event, **kw)
        if self.out is not None:
            for line in Timeline(zone=self.timeline.zone, entries=[entry]).lines():
                self.out(line)

    def fail(self, what: str) -> None:
        self.failures.append(what)
        self.note(f"FAILED: {what}", ok=False)

    def attempt(self, what: str, fn: Callable, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Unavailable as exc:
            self.timeline.unavailable(self.clock.now(), exc.part, exc.why)
            if self.out is not None:
                self.out(f"! not available: {exc.part} ({exc.why})")
            self.failures.append(f"not available: {exc.part}")
        except AppError as exc:
            self.fail(f"{what}: refused ({exc.code}): {exc.message}")
        except Exception as exc:  # the drill reports what broke and goes on with the day
            logger.debug("drill step %s failed:\n%s", what, traceback.format_exc())
            self.fail(f"{what}: {type(exc).__name__}: {exc}")
        return None

    def at(self, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
        return self.clock.set(local(self.day, hour, minute, days))

    def later(self, when: dt.datetime, fn: Callable[[], None]) -> None:
        self.pending.setdefault(when.astimezone(dt.UTC), []).append(fn)

    # --- the day ---------------------------------------------------------------------------

    def play(self) -> None:
        from midas.jobs.services import heartbeat_beat

        self.at(17, 0, days=-1)
        self.attempt("setup", self.setup)
        self.at(17, 10, days=-1)
        self.attempt("release", self.release, "drill-1.0")
        self.at(17, 20, days=-1)
        self.attempt("release", self.release, "drill-1.1")
        self.at(17, 30, days=-1)
        self.attempt("backup", self.backup)
        self.at(18, 0, days=-1)
        self.worker(traffic=False)
        self.attempt("freeze", self.ensure_phase, "freeze", "T-1 18:00: no changes from now on")
        self.clock.step(300)
        self.attempt("deploy guard", self.guard)
        self.note("night: nothing scheduled; the clock fast-forwards to 05:50")
        start, end = local(self.day, 5, 50), local(self.day, 18, 0)
        busy_from, busy_until = local(self.day, 11, 0), local(self.day, 13, 0)
        scripted = self.scripted()
        moment = start
        while moment <= end:
            self.clock.set(moment)
            if moment > start:
                self.minute_traffic(moment - MINUTE)
            heartbeat_beat(worker_id="drill-worker", now=moment)
            if busy_from <= moment < busy_until or moment.minute % QUIET_EVERY == 0:
                self.worker()
            for fn in scripted.get(moment.astimezone(dt.UTC), []):
                self.clock.step(5)
                fn()
            for fn in self.pending.pop(moment.astimezone(dt.UTC), []):
                self.clock.step(5)
                fn()
            moment += MINUTE

    def scripted(self) -> dict[dt.datetime, list[Callable[[], None]]]:
        d = self.day

        def when(h: int, m: int) -> dt.datetime:
            return local(d, h, m).astimezone(dt.UTC)

        def act(what: str, fn: Callable, *args) -> Callable[[], None]:
            return lambda: self.attempt(what, fn, *args)

        plan = {
            when(7, 0): [act("soft launch", self.ensure_soft_launch)],
            when(7, 30): [act("beta visit", self.beta_visit)],
            when(8, 0): [act("ramp 25%", self.ensure_ramp, 25, "08:00: VIP invitations, 25%")],
            when(8, 5): [act("VIP invitation", self.vip_invitation)],
            when(9, 0): [act("false alarm", self.false_alarm)],
            when(9, 50): [act("smoke", self.smoke, "before the go/no-go")],
            when(9, 55): [act("checks", self.final_checks)],
            when(10, 0): [act("go/no-go", self.gonogo, "go")],
            when(10, 30): [act("public", self.ensure_phase, "public", "10:30: public launch")],
            when(10, 45): [act("booking", self.booking, "before the fault", BETA)],
            when(11, 0): [act("ramp 50%", self.ensure_ramp, 50, "11:00: traffic to 50%")],
            when(11, 10): [act("live chat on", self.live_chat_on)],
            when(11, 20): [act("fault", self.fault_start)],
            when(11, 50): [act("go/no-go", self.gonogo, "no_go")],
            when(12, 20): [act("resolve", self.resolve_incident)],
            when(12, 30): [act("smoke", self.smoke, "the team re-runs the checks")],
            when(12, 35): [act("public without a fresh GO", self.public_without_fresh_go)],
            when(12, 40): [act("go/no-go", self.gonogo, "go")],
            when(12, 45): [act("public", self.ensure_phase, "public", "GO again: public")],
            when(12, 50): [act("ramp 100%", self.ensure_ramp, 100, "back up: 100%")],
            when(12, 55): [act("registration", self.register)],
            when(13, 0): [act("booking", self.booking, "after the rollback")],
            when(14, 0): [act("stabilisation", self.ensure_phase, "stabilisation", "14:00")],
            when(16, 0): [act("report", self.report)],
            when(18, 0): [act("launched", self.ensure_phase, "launched", "18:00: launched")],
        }
        return plan

    def public_without_fresh_go(self) -> None:
        """After the rollback and the NO-GO, someone tries to go public at once: the service
        refuses (``gonogo_required``: the GO of 10:00 predates the rollback) and the drill
        keeps the refusal for the records (``launch.drill.gonogo_gate``)."""
        from midas.errors import ErrorCode
        from midas.launch import actors
        from midas.launch.audit import record
        from midas.launch.drill.run import staff_actor
        from midas.launch.state import services

        actor = staff_actor("coordinator")
        try:
            services.phase_set(
                phase="public",
                actor=actor,
                reason="drill: public again straight after the rollback?",
                at=self.clock.now(),
            )
        except AppError as exc:
            if exc.code != ErrorCode.GONOGO_REQUIRED:
                raise
            record(
                "launch.drill.gonogo_gate",
                actor=actors.system("drill", via="drill"),
                reason="public attempted without a fresh GO",
                at=self.clock.now(),
                allowed=False,
                code=str(exc.code),
                why=exc.message,
            )
            self.note(
                "public launch refused: no GO since the rollback (gonogo_required)",
                decision="gonogo:blocked",
                who=actor.label,
                detail=exc.message[:300],
            )
            return
        self.fail("public launch accepted without a GO since the rollback")

    # --- what the worker does each minute ---------------------------------------------------

    def minute_traffic(self, minute: dt.datetime) -> None:
        faulty = self.fault_until is not None and minute < self.fault_until
        self.traffic.error_pct = FAULT_ERROR_PCT if faulty else 0.0
        self.traffic.minute(minute, ramp_now() if phase_now() != "freeze" else 0.0)
        self.traffic.probes(minute)
        now = self.clock.now()
        index = int((now - local(self.day, 0, 0)).total_seconds() // 60)
        if index % REAL_PROBE_EVERY == 0:
            failed = self.attempt("probes", self.traffic.real_probes, now)
            if failed:
                self.note(
                    f"real probes: {len(failed)} target(s) down",
                    detail="; ".join(failed)[:300],
                    ok=False,
                )
        if index % VISIT_EVERY == 0 and local(self.day, 6, 0) <= now:
            seen = len(self.traffic.server_errors)
            tally = self.attempt("visitors", self.traffic.visitors, 2)
            if len(self.traffic.server_errors) > seen:
                self.note(
                    f"visitors got server errors: {tally}",
                    detail=", ".join(self.traffic.server_errors[seen:])[:200],
                    ok=False,
                )

    def worker(self, *, traffic: bool = True) -> None:
        now = self.clock.now()
        self.attempt("outbox", self.deliver)
        steps = self.attempt("schedule", lambda: part("plan", PLAN, "schedule_run_due")(now=now))
        for step in steps or []:
            self.note(
                f"schedule: {step.title}",
                who="system:worker",
                detail=(step.outcome or "")[:200],
                ok=step.status != "failed" or phase_now() == "rolled_back",  # held: right
            )
        if not traffic:
            return
        self.attempt("triggers", self.triggers)
        self.attempt("escalation", self.escalation)
        busy = local(self.day, 11, 0) <= now < local(self.day, 13, 0)
        if busy and now.minute % SMOKE_EVERY == 0:
            self.clock.step(20)  # after the minute's triggers and escalation
            self.attempt("periodic smoke", self.periodic_smoke)

    def deliver(self) -> None:
        """The worker's outbox delivery (emails to the local mailbox; no Slack here)."""
        from midas.notifications.delivery import deliver_due

        deliver_due(worker_id="drill-worker")

    def triggers(self) -> None:
        from midas.launch.models import TriggerFiring

        now = self.clock.now()
        evaluate = part("triggers", "midas.launch.response.services", "triggers_evaluate")
        for firing in evaluate(now=now):
            self.note(
                f"trigger fired: {firing.trigger} ({firing.action})",
                decision=f"trigger:{firing.trigger}",
                who="system:trigger",
                detail=f"incident #{firing.incident_id}; {firing.details}"[:200],
            )
            if firing.trigger == "security" and self.review is None:
                # devops reviews the staff-only incident: the public page first, then the
                # evidence (25 mistyped passwords), then it is closed as a false alarm
                self.review = firing
                self.later(now + MINUTE, lambda: self.attempt("status", self.status_check))
                self.later(now + 10 * MINUTE, lambda: self.attempt("review", self.review_ack))
                self.later(now + 15 * MINUTE, lambda: self.attempt("review", self.review_close))
            if firing.trigger == "error_rate" and self.firing is None:
                self.firing = firing
                self.later(now + 2 * MINUTE, lambda: self.attempt("dry run", self.rollback, True))
                self.later(now + 4 * MINUTE, lambda: self.attempt("rollback", self.rollback, False))
                # level 1 is busy rolling back: the acknowledgement comes after the
                # 15-minute escalation to level 2
                self.later(now + 17 * MINUTE, lambda: self.attempt("ack", self.acknowledge))
        for firing in TriggerFiring.objects.filter(cleared_at=now):
            self.note(f"trigger cleared: {firing.trigger}", decision="trigger:cleared")

    def escalation(self) -> None:
        from midas.launch.models import EscalationNotice

        tick = part("escalation", "midas.launch.response.escalation", "escalation_tick")
        tick(now=self.clock.now())
        notices = list(EscalationNotice.objects.order_by("at", "id")[self.notices_seen :])
        for notice in notices:
            self.note(
                f"escalation: level {notice.level} told ({notice.why})",
                who="system:escalation",
                detail=", ".join(str(r) for r in notice.recipients)[:200],
            )
        self.notices_seen += len(notices)
