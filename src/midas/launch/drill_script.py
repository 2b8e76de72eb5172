"""The launch drill's script: who does what, when (docs/explanation/launch-drill.md).

``Script.play()`` walks the simulated day. Each minute it does what the worker does
(``schedule_run_due``, ``triggers_evaluate``, ``escalation_tick``, all with ``now=``) after
the minute's traffic, then the team's scripted actions for that minute. Every call into
another area goes through ``attempt()``: a part that has not landed is "not available", a
refusal or an error is a failure of the drill — never skipped quietly.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from midas.errors import AppError
from midas.launch import services
from midas.launch.drill import (
    FAULT_ERROR_PCT,
    MINUTE,
    PASSWORD,
    STAFF,
    Clock,
    Unavailable,
    book,
    local,
    part,
    phase_now,
    ramp_now,
    setup_people,
    staff_actor,
)
from midas.launch.drill_timeline import Timeline
from midas.launch.drill_traffic import REAL_PROBE_EVERY, Traffic

logger = logging.getLogger(__name__)

PLAN = "midas.launch.plan_services"
WAIVABLE = {"security_settings"}  # checks a development-settings scratch database cannot pass
VISIT_EVERY = 10  # simulated minutes between samples of real visitors
# The worker's per-minute work (schedule, triggers, escalation, outbox) runs every minute
# from 11:00 to 13:00, around the fault; in the quiet stretches every QUIET_EVERY minutes
# (the triggers' conditions are sustained ones, so they are still seen within minutes).
QUIET_EVERY = 5


class Script:
    def __init__(
        self,
        *,
        clock: Clock,
        timeline: Timeline,
        traffic: Traffic,
        day: dt.date,
        workdir: Path,
        base_url: str,
        out=None,
    ) -> None:
        self.clock, self.timeline, self.traffic = clock, timeline, traffic
        self.day, self.workdir, self.base_url, self.out = day, workdir, base_url, out
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
            when(9, 50): [act("smoke", self.smoke, "before the go/no-go")],
            when(9, 55): [act("checks", self.final_checks)],
            when(10, 0): [act("go/no-go", self.gonogo, "go")],
            when(10, 30): [act("public", self.ensure_phase, "public", "10:30: public launch")],
            when(11, 0): [act("ramp 50%", self.ensure_ramp, 50, "11:00: traffic to 50%")],
            when(11, 10): [act("live chat on", self.live_chat_on)],
            when(11, 20): [act("fault", self.fault_start)],
            when(11, 50): [act("go/no-go", self.gonogo, "no_go")],
            when(12, 20): [act("resolve", self.resolve_incident)],
            when(12, 30): [act("smoke", self.smoke, "the team re-runs the checks")],
            when(12, 40): [act("go/no-go", self.gonogo, "go")],
            when(12, 45): [act("public", self.ensure_phase, "public", "GO again: public")],
            when(12, 50): [act("ramp 100%", self.ensure_ramp, 100, "back up: 100%")],
            when(12, 55): [act("registration", self.register)],
            when(13, 0): [act("booking", self.booking)],
            when(14, 0): [act("stabilisation", self.ensure_phase, "stabilisation", "14:00")],
            when(16, 0): [act("report", self.report)],
            when(18, 0): [act("launched", self.ensure_phase, "launched", "18:00: launched")],
        }
        return plan

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
                self.note(f"real probes: {failed} target(s) down", ok=False)
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

    def deliver(self) -> None:
        """The worker's outbox delivery (emails to the local mailbox; no Slack here)."""
        from midas.notifications.delivery import deliver_due

        deliver_due(worker_id="drill-worker")

    def triggers(self) -> None:
        from midas.launch.models import TriggerFiring

        now = self.clock.now()
        evaluate = part("triggers", "midas.launch.triggers", "triggers_evaluate")
        for firing in evaluate(now=now):
            self.note(
                f"trigger fired: {firing.trigger} ({firing.action})",
                decision=f"trigger:{firing.trigger}",
                who="system:trigger",
                detail=f"incident #{firing.incident_id}; {firing.details}"[:200],
            )
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

        tick = part("escalation", "midas.launch.escalation", "escalation_tick")
        tick(now=self.clock.now())
        notices = list(EscalationNotice.objects.order_by("at", "id")[self.notices_seen :])
        for notice in notices:
            self.note(
                f"escalation: level {notice.level} told ({notice.why})",
                who="system:escalation",
                detail=", ".join(str(r) for r in notice.recipients)[:200],
            )
        self.notices_seen += len(notices)

    # --- the team's actions -----------------------------------------------------------------

    def setup(self) -> None:
        from midas.catalog.demo import load_demo

        setup_people()
        count = load_demo()
        self.note(f"scratch database: {count} demo assets, the launch team's staff accounts")
        coordinator = staff_actor("coordinator")
        plan_init = part("plan", PLAN, "plan_init")
        plan_init(actor=coordinator, launch_date=self.day)
        self.note(f"plan loaded for launch day {self.day}", who=coordinator.label)
        contact_set = part("plan", "midas.launch.team_services", "contact_set")
        for role, (email, _group) in STAFF.items():
            contact_set(
                role=role,
                actor=coordinator,
                name=f"Drill {role}",
                email=email,
                slack_handle=f"@drill-{role}",
                user_email=email,
            )
        self.note(f"launch team: {len(STAFF)} roles, each with a staff account")
        self.tick_checklist()
        services.trigger_action_set(
            action="recommend",
            actor=coordinator,
            reason="drill: the coordinator runs the rollback (a dry run, then the real one)",
        )
        self.note(
            "trigger action: recommend (a fired trigger recommends; the coordinator runs "
            "the rollback: a dry run, then the real one)",
            who=coordinator.label,
        )

    def tick_checklist(self) -> None:
        """The items a person ticks, ticked by the coordinator with a note; the system's
        own checks run later (``final_checks``)."""
        from midas.launch.models import ChecklistItem

        coordinator = staff_actor("coordinator")
        item_tick = part("plan", PLAN, "item_tick")
        ticked = 0
        for item in ChecklistItem.objects.filter(auto_check="").exclude(status__in=["done", "n_a"]):
            note = "drill: ticked by the owner"
            item_tick(item=item, actor=coordinator, status="done", note=note)
            ticked += 1
        self.note(f"checklist: {ticked} items ticked by their owners", who=coordinator.label)

    def final_checks(self) -> None:
        """The system's checks before the decision. Those a scratch database cannot pass
        (``WAIVABLE``: production security settings) are overridden, said in the note and
        in the timeline; any other failing check stays failed and the GO will say so."""
        from midas.launch.models import ChecklistItem

        checks_run, item_tick = part("plan", PLAN, "checks_run", "item_tick")
        checks_run(now=self.clock.now())
        coordinator = staff_actor("coordinator")
        failing = ChecklistItem.objects.exclude(auto_check="").exclude(status__in=["done", "n_a"])
        for item in failing:
            if item.auto_check in WAIVABLE:
                note = (
                    f"drill: {item.auto_check} cannot pass on a scratch database ({item.evidence})"
                )
                item_tick(item=item, actor=coordinator, status="done", note=note, override=True)
                self.note(
                    f"checklist: '{item.title}' overridden", who=coordinator.label, detail=note
                )
            else:
                self.note(
                    f"checklist: '{item.title}' not proven", detail=item.evidence[:200], ok=False
                )

    def release(self, name: str) -> None:
        release_seen = part("freeze", "midas.launch.freeze", "release_seen")
        release_seen(release=name, now=self.clock.now())
        self.note(f"release {name} deployed (before the freeze)", who="devops")

    def backup(self) -> None:
        from midas.backups.services import backup_create, backup_verify

        manifest = backup_create(kind="drill")
        report = backup_verify(backup_id=manifest.id)
        self.note(
            f"final backup {manifest.id}: {'verified' if report.ok else 'NOT verified'}",
            ok=report.ok,
        )

    def guard(self) -> None:
        from midas.launch.audit import record
        from midas.launch.drill import actors

        guard = part("freeze", "midas.launch.freeze", "guard")
        result = guard(now=self.clock.now())
        record(
            "launch.drill.guard",
            actor=actors.system("drill", via="drill"),
            reason="a deploy attempted during the freeze",
            allowed=result.allowed,
            why=result.reason,
        )
        verdict = "allowed" if result.allowed else "refused"
        self.note(
            f"deploy guard: {verdict}",
            decision=f"guard:{verdict}",
            detail=result.reason,
            ok=not result.allowed,
        )

    def ensure_phase(self, phase: str, reason: str) -> None:
        """The phase the plan has at this time: if the schedule has not moved the launch
        there, the coordinator does — but never public without a GO."""
        from midas.launch.models import GoNoGoRecord

        if phase_now() == phase:
            return
        latest = GoNoGoRecord.objects.order_by("-created_at", "-id").first()
        if phase == "public" and (latest is None or latest.decision != "go"):
            self.fail("public launch held: no GO decision")
            return
        actor = staff_actor("coordinator")
        services.phase_set(phase=phase, actor=actor, reason=reason, at=self.clock.now())
        self.note(f"phase → {phase}", decision=f"phase:{phase}", who=actor.label)
        if phase == "public":
            self.ensure_gate("public", reason)

    def ensure_gate(self, mode: str, reason: str) -> None:
        from midas.launch.selectors import launch_state

        if launch_state(fresh=True).gate_mode == mode:
            return
        actor = staff_actor("coordinator")
        services.gate_set(mode=mode, actor=actor, reason=reason, at=self.clock.now())
        self.note(f"access gate → {mode}", who=actor.label)

    def ensure_ramp(self, percent: int, reason: str) -> None:
        if ramp_now() == percent and phase_now() != "rolled_back":
            return
        actor = staff_actor("coordinator")
        services.ramp_set(percent=percent, actor=actor, reason=reason, at=self.clock.now())
        self.note(f"ramp → {percent}%", decision=f"ramp:{percent}", who=actor.label)

    def ensure_soft_launch(self) -> None:
        self.ensure_phase("soft_launch", "07:00: soft launch for beta users")
        self.ensure_gate("beta", "soft launch")
        self.ensure_ramp(10, "07:00: 10% of planned traffic")

    def beta_visit(self) -> None:
        from django.test import Client

        client = Client(HTTP_USER_AGENT="midas-drill-beta")
        client.login(email="beta@drill.midas.example", password=PASSWORD)
        status = client.get("/").status_code
        self.note(f"a beta tester signs in and sees the home page: HTTP {status}", ok=status == 200)

    def vip_invitation(self) -> None:
        """The coordinator invites a VIP by email; the VIP follows the link and comes in."""
        from urllib.parse import urlsplit

        from django.test import Client

        invite_create, invite_send, invite_link = part(
            "access", "midas.launch.access_invites", "invite_create", "invite_send", "invite_link"
        )
        actor = staff_actor("coordinator")
        now = self.clock.now()
        invite = invite_create(actor=actor, email="vip@drill.midas.example", name="A VIP", now=now)
        invite_send(invite=invite, actor=actor, now=now)
        path = urlsplit(invite_link(invite)).path
        client = Client(HTTP_USER_AGENT="midas-drill-vip")
        client.post(path)
        answer = client.get("/")
        state = answer.headers.get("X-Launch-Gate", "admitted")
        self.note(
            f"VIP invitation sent and redeemed; the VIP sees the home page: HTTP "
            f"{answer.status_code}",
            who=actor.label,
            detail=f"gate: {state}",
            ok=answer.status_code == 200,
        )

    def smoke(self, why: str) -> None:
        run_smoke = part("smoke", "midas.launch.smoke", "run_smoke")
        run = run_smoke(None, via="drill", now=self.clock.now())  # None: SITE_URL, this one
        failed = [s.get("name") for s in run.steps if not s.get("ok")]
        self.note(
            f"smoke checks ({why}): {'pass' if run.ok else 'FAIL'}",
            decision=f"smoke:{'pass' if run.ok else 'fail'}",
            who=staff_actor("coordinator").label,
            detail=f"failed: {', '.join(failed)}" if failed else f"{len(run.steps)} steps ok",
            ok=run.ok,
        )

    def gonogo(self, expected: str) -> None:
        gonogo_record, signoff_add = part(
            "gonogo", "midas.launch.gonogo", "gonogo_record", "signoff_add"
        )
        from midas.launch.models import GoNoGoRecord

        coordinator = staff_actor("coordinator")
        now = self.clock.now()
        minute = now.replace(second=0, microsecond=0)
        record = GoNoGoRecord.objects.filter(created_at__gte=minute).first()
        if record is not None:
            self.note(f"go/no-go recorded by the schedule at {record.created_at:%H:%M} UTC")
        else:
            record = gonogo_record(actor=coordinator, now=now)
        self.note(
            f"go/no-go: {record.get_decision_display()}",
            decision=f"gonogo:{record.decision}",
            who=record.actor_label,
            detail="; ".join(str(r) for r in record.reasons)[:300],
            ok=record.decision == expected,
        )
        if record.decision != expected:
            self.failures.append(f"go/no-go was {record.decision}, the script expected {expected}")
        if record.decision == "go":
            for role, key in (("coordinator", "coordinator"), ("executive", "executive")):
                actor = staff_actor(role)
                self.clock.step(5)
                signoff_add(record=record, role_key=key, actor=actor, approve=True, note="drill")
                self.note(f"sign-off: {key} approves", who=actor.label)

    def live_chat_on(self) -> None:
        flag_set = part("flags", "midas.launch.flags", "flag_set")
        actor = staff_actor("coordinator")
        flag_set(key="live_chat", state="on", actor=actor, reason="11:00: live chat activation")
        self.note("flag live_chat → on (a change since the GO)", who=actor.label)

    def fault_start(self) -> None:
        self.fault_until = local(self.day, 23, 59)
        self.note(
            f"FAULT INJECTED: {FAULT_ERROR_PCT:g}% of requests answer 5xx from now on",
            who="drill",
        )

    def rollback(self, dry_run: bool) -> None:
        rollback_run = part("rollback", "midas.launch.rollback", "rollback_run")
        actor = staff_actor("coordinator")
        now = self.clock.now()
        run = rollback_run(
            actor=actor,
            reason=f"error-rate trigger fired ({self.firing.trigger if self.firing else '?'})",
            dry_run=dry_run,
            now=now,
        )
        steps = ", ".join(f"{s.get('name')} {s.get('ms', 0)} ms" for s in run.steps)
        if dry_run:
            self.note(
                "rollback dry run", decision="rollback:dry_run", who=actor.label, detail=steps
            )
            return
        self.note(
            f"rollback: {'done' if run.ok else 'FAILED'}",
            decision="rollback:done" if run.ok else "rollback:failed",
            who=actor.label,
            detail=steps,
            ok=bool(run.ok),
        )
        self.fault_until = now  # the previous release is active: the errors stop
        hook = self.workdir / "rollback-hook.txt"
        self.note(
            f"release hook ran: {hook.exists()} ({hook.read_text() if hook.exists() else '-'})",
            ok=hook.exists(),
        )
        if phase_now() != "rolled_back":
            self.ensure_phase("rolled_back", "rollback carried out")

    def acknowledge(self) -> None:
        ack = part("escalation", "midas.launch.escalation", "incident_acknowledge")
        if self.firing is None or self.firing.incident_id is None:
            self.fail("no incident to acknowledge (the trigger opened none)")
            return
        self.firing.refresh_from_db()
        actor = staff_actor("devops")
        ack(incident=self.firing.incident, actor=actor, now=self.clock.now())
        self.note(f"incident #{self.firing.incident_id} acknowledged", who=actor.label)

    def resolve_incident(self) -> None:
        from midas.status.services import incident_resolve

        if self.firing is None or self.firing.incident_id is None:
            self.fail("no incident to resolve")
            return
        self.firing.refresh_from_db()
        incident_resolve(
            incident=self.firing.incident,
            body="Rolled back to the previous release; errors back to normal.",
            at=self.clock.now(),
        )
        self.note(f"incident #{self.firing.incident_id} resolved", who="coordinator")

    def register(self) -> None:
        from django.test import Client

        client = Client(HTTP_USER_AGENT="midas-drill-visitor")
        answer = client.post(
            "/api/v1/auth/register",
            {
                "email": "new-customer@drill.midas.example",
                "password": PASSWORD,
                "first_name": "New",
                "last_name": "Customer",
                "date_of_birth": "1985-06-15",
            },
            content_type="application/json",
        )
        self.note(
            f"a visitor registers: HTTP {answer.status_code}",
            detail="" if answer.status_code == 201 else answer.content.decode()[:200],
            ok=answer.status_code == 201,
        )

    def booking(self) -> None:
        result = book(self.day)
        ok = result.get("pay") == 200
        self.note(f"a customer books and pays (sandbox card): {result}", ok=ok)

    def report(self) -> None:
        from midas.launch.selectors import launch_state

        counts = part("access", "midas.launch.access_selectors", "admission_counts")
        self.admissions = counts(now=self.clock.now())
        state = launch_state(fresh=True)
        self.note(
            f"16:00 review: phase {state.phase}, ramp {state.ramp_percent:g}%, "
            f"admissions {self.admissions}"
        )
        launch_report = part("gonogo", "midas.launch.report", "launch_report")
        report = launch_report(start=local(self.day, 6, 0), end=self.clock.now())
        measured = [r for r in report.rows if r.verdict not in ("", "needs analytics")]
        self.note(
            f"launch report: {len(report.rows)} metrics, {len(measured)} measured",
            detail="; ".join(f"{r.label} {r.value} ({r.verdict})" for r in measured)[:300],
        )
