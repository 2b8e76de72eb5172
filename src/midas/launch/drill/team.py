"""The launch team's actions in the drill (docs/explanation/launch-drill.md): what the
coordinator, devops, the CEO and CTO and the customers do at their scripted times, each
through the launch's public functions. A mixin of ``drill.script.Script``, which supplies
the clock, the timeline and ``attempt()``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from midas.launch.drill.room import Room
from midas.launch.drill.run import (
    FAULT_ERROR_PCT,
    ON_CALL,
    PASSWORD,
    STAFF,
    Clock,
    Faults,
    book,
    local,
    part,
    phase_now,
    ramp_now,
    setup_people,
    staff_actor,
)
from midas.launch.state import services

if TYPE_CHECKING:
    from midas.launch.models import TriggerFiring

PLAN = "midas.launch.plan.services"
BETA = "beta@drill.midas.example"  # the beta tester, a customer too: books before the fault
WAIVABLE = {"security_settings"}  # checks a development-settings scratch database cannot pass


class Team:
    """What the team's actions need from ``drill.script.Script``, which sets and defines it."""

    day: dt.date  # launch day
    clock: Clock
    room: Room
    faults: Faults
    base_url: str
    workdir: Path
    firing: TriggerFiring | None  # the error-rate trigger's firing
    review: TriggerFiring | None  # the security trigger's firing, under review
    fault_until: dt.datetime | None
    failures: list[str]
    admissions: dict

    def note(self, event: str, **kw: Any) -> None:
        raise NotImplementedError

    def fail(self, what: str) -> None:
        raise NotImplementedError

    def deliver(self) -> None:
        raise NotImplementedError

    def setup(self) -> None:
        from midas.demo import load_demo

        setup_people()
        count = load_demo()
        self.note(f"scratch database: {count} demo assets, the launch team's staff accounts")
        coordinator = staff_actor("coordinator")
        plan_init = part("plan", PLAN, "plan_init")
        plan_init(actor=coordinator, launch_date=self.day)
        self.note(f"plan loaded for launch day {self.day}", who=coordinator.label)
        contact_set = part("plan", "midas.launch.plan.team", "contact_set")
        for role, (email, _group) in STAFF.items():
            contact_set(
                role=role,
                actor=coordinator,
                name=f"Drill {role}",
                email=email,
                slack_handle=f"@drill-{role}",
                user_email=email,
            )
        for role, email in ON_CALL.items():
            contact_set(role=role, actor=coordinator, name=f"Drill {role}", email=email)
        shift_add = part("plan", "midas.launch.plan.team", "shift_add")
        for hour, who in ((0, "night"), (8, "day"), (16, "evening")):  # launch day, 24 h
            start = local(self.day, 0, 0) + dt.timedelta(hours=hour)
            shift_add(
                name=f"Drill CS {who}",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=8),
                actor=coordinator,
            )
        self.note(
            f"launch team: {len(STAFF)} roles, each with a staff account; "
            f"{len(ON_CALL)} on call; the customer-service rota covers launch day"
        )
        self.support_rehearsal()
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

    def support_rehearsal(self) -> None:
        """The customer-service rehearsal the plan's readiness item asks for: a customer
        opens a ticket, the customer-service lead answers it from the inbox, the answer goes
        out by e-mail, and the customer's e-mail reply lands back in the thread (through the
        same function the SMTP receiver and SendGrid's webhook call)."""
        from django.contrib.auth import get_user_model

        from midas.concierge.inbound import InboundEmail
        from midas.notifications.models import OutboxMessage

        ticket_open, ticket_answer, ticket_update, email_receive = part(
            "concierge",
            "midas.concierge.services",
            "ticket_open",
            "ticket_answer",
            "ticket_update",
            "email_receive",
        )
        users = get_user_model().objects
        guest = users.get(email="guest@drill.midas.example")
        lead = users.get(email=STAFF["cs_lead"][0])
        ticket = ticket_open(
            email=guest.email,
            customer=guest,
            subject="Chauffeur at the airport?",
            body="Can a chauffeur meet us at DCA on launch day?",
            channel="account",
        )
        self.clock.step(60)
        answer = ticket_answer(ticket=ticket, by=lead, body="Yes: a chauffeur will meet you.")
        self.deliver()
        self.clock.step(120)
        sent = OutboxMessage.objects.filter(to=guest.email, message_id=answer.message_id).first()
        outcome = email_receive(
            mail=InboundEmail(
                sender=guest.email,
                recipients=[sent.reply_to] if sent is not None else [],
                subject=f"Re: {ticket.subject}",
                text="Perfect, thank you.\n\nOn Sun, the concierge wrote:\n> Yes: a chauffeur",
                message_id=f"<rehearsal-{ticket.pk}@drill.midas.example>",
            )
        )
        if outcome.status == "threaded":  # "Perfect, thank you": the lead resolves it
            ticket_update(ticket=ticket, by=lead, status="resolved")
        self.note(
            f"customer-service rehearsal: ticket #{ticket.pk} answered by the lead, the "
            f"customer's e-mail reply {outcome.status}, resolved",
            who=lead.email,
            ok=sent is not None and outcome.status == "threaded",
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
        release_seen = part("freeze", "midas.launch.state.freeze", "release_seen")
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
        from midas.launch import actors
        from midas.launch.audit import record

        guard = part("freeze", "midas.launch.state.freeze", "guard")
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
        from midas.launch.state.selectors import launch_state

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

        from midas.launch.models import Feedback

        client = Client(HTTP_USER_AGENT="midas-drill-beta")
        client.login(email=BETA, password=PASSWORD)
        status = client.get("/").status_code
        self.note(f"a beta tester signs in and sees the home page: HTTP {status}", ok=status == 200)
        before = Feedback.objects.count()
        client.post("/launch/feedback", {"rating": "5", "comment": "Smooth.", "next": "/"})
        sent = Feedback.objects.count() - before
        self.note(f"the beta tester sends feedback (5/5): {sent} kept", ok=sent == 1)

    def vip_invitation(self) -> None:
        """The coordinator invites a VIP by email; the VIP follows the link and comes in."""
        from urllib.parse import urlsplit

        from django.test import Client

        invite_create, invite_send, invite_link = part(
            "access", "midas.launch.access.invites", "invite_create", "invite_send", "invite_link"
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
        run_smoke = part("smoke", "midas.launch.smoke.services", "run_smoke")
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
            "gonogo", "midas.launch.gonogo.services", "gonogo_record", "signoff_add"
        )
        from midas.launch.models import GoNoGoRecord

        coordinator = staff_actor("coordinator")
        now = self.clock.now()
        minute = now.replace(second=0, microsecond=0)
        record = GoNoGoRecord.objects.filter(created_at__gte=minute).first()
        if record is not None:
            self.note("the schedule's step recorded this go/no-go; the team signs it")
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
            for role, key in (("coordinator", "coordinator"), ("ceo", "ceo"), ("cto", "cto")):
                actor = staff_actor(role)
                self.clock.step(5)
                signoff_add(record=record, role_key=key, actor=actor, approve=True, note="drill")
                self.note(f"sign-off: {key} approves", who=actor.label)

    def live_chat_on(self) -> None:
        flag_set = part("flags", "midas.launch.flags.services", "flag_set")
        actor = staff_actor("coordinator")
        flag_set(key="live_chat", state="on", actor=actor, reason="11:00: live chat activation")
        self.note("flag live_chat → on (a change since the GO)", who=actor.label)

    def fault_start(self) -> None:
        self.fault_until = local(self.day, 23, 59)
        self.faults.active = True
        self.note(
            f"FAULT INJECTED: {FAULT_ERROR_PCT:g}% of requests answer 5xx from now on, and "
            "the API's sign-in answers 500 (the bad release drill-1.1)",
            who="drill",
        )

    def rollback(self, dry_run: bool) -> None:
        """The coordinator rolls back with ``--restore latest`` (the final backup): a dry
        run first (the loss it would cause), then the real one, confirming the loss; the
        launch's records are compared before and after."""
        from midas.launch.drill.records import launch_snapshot, restore_check

        rollback_run = part("rollback", "midas.launch.rollback.services", "rollback_run")
        actor = staff_actor("coordinator")
        now = self.clock.now()
        before = None if dry_run else launch_snapshot()
        run = rollback_run(
            actor=actor,
            reason=f"error-rate trigger fired ({self.firing.trigger if self.firing else '?'})",
            dry_run=dry_run,
            restore_backup="latest",
            confirm_loss=not dry_run,
            now=now,
        )
        steps = ", ".join(f"{s.get('name')} {s.get('ms', 0)} ms" for s in run.steps)
        if dry_run:
            restore = [str(s.get("detail", "")) for s in run.steps if s.get("name") == "restore"]
            self.note(
                "rollback dry run (restore latest)",
                decision="rollback:dry_run",
                who=actor.label,
                detail="; ".join(restore or [steps])[:300],
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
        self.faults.active = False
        if before is not None:
            run.refresh_from_db()
            at = self.clock.set(max(self.clock.now(), run.finished_at) + dt.timedelta(seconds=1))
            check = restore_check(before, since=local(self.day, 11, 20), customer=BETA, at=at)
            self.note(
                "after the restore: the launch's records "
                + ("intact" if check["ok"] else "NOT intact"),
                decision="restore:kept" if check["ok"] else "restore:lost",
                who=actor.label,
                detail=check["summary"],
                ok=check["ok"],
            )
        hook = self.workdir / "rollback-hook.txt"
        self.note(
            f"release hook ran: {hook.exists()} ({hook.read_text() if hook.exists() else '-'})",
            ok=hook.exists(),
        )
        if phase_now() != "rolled_back":
            self.ensure_phase("rolled_back", "rollback carried out")

    def acknowledge(self) -> None:
        """Devops, paged, taps Acknowledge in the PagerDuty app: the pager's webhook reaches
        Midas over HTTP and the incident is acknowledged there (no further escalation)."""
        from midas.launch.models import Escalation

        page_key = part("escalation", "midas.launch.response.escalation", "page_key")
        if self.firing is None or self.firing.incident_id is None:
            self.fail("no incident to acknowledge (the trigger opened none)")
            return
        escalation = Escalation.objects.get(incident_id=self.firing.incident_id)
        key = page_key(escalation)
        pages = [e for e in self.room.paged("trigger") if e.get("dedup_key") == key]
        self.note(
            f"the pager received {len(pages)} page(s) for incident #{self.firing.incident_id}",
            detail="; ".join(str(e.get("payload", {}).get("summary", "")) for e in pages)[:300],
            ok=bool(pages),
        )
        status = self.room.acknowledge(
            dedup_key=key, agent="Drill devops", site_url=self.base_url, at=self.clock.now()
        )
        escalation.refresh_from_db()
        self.note(
            f"devops acknowledges in the PagerDuty app: Midas answers HTTP {status}",
            who="Drill devops (PagerDuty)",
            detail=f"acknowledged at {escalation.acknowledged_at}",
            ok=status == 200 and escalation.acknowledged_at is not None,
        )

    def false_alarm(self) -> None:
        """Five customers at one hotel mistype their passwords, five times each: 25 failed
        sign-ins, 5 lockouts — a signal for review, never a public alarm."""
        from django.test import Client

        from midas.accounts.models import User

        client = Client(HTTP_USER_AGENT="midas-drill-visitor", REMOTE_ADDR="198.51.100.23")
        statuses: dict[int, int] = {}
        for i in range(5):
            email = f"hotel-guest{i}@drill.midas.example"
            User.objects.create_user(email, PASSWORD, first_name="Hotel", last_name=f"Guest {i}")
            for _ in range(5):
                answer = client.post("/account/login/", {"email": email, "password": "wrong"})
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        self.note(
            "25 mistyped passwords on 5 customer accounts from one address",
            who="customers",
            detail=f"answers: {statuses}",
        )

    def status_check(self) -> None:
        """What the public sees during the security review, and what the team was told."""
        from django.test import Client

        from midas.launch import actors
        from midas.launch.audit import record
        from midas.notifications.models import OutboxChannel, OutboxMessage

        client = Client(HTTP_USER_AGENT="midas-drill-visitor")
        summary = client.get("/status/summary.json").json()
        indicator = summary["status"]["indicator"]
        public = len(summary["incidents"])
        incident = self.review.incident
        incident.refresh_from_db()
        said = " ".join(
            OutboxMessage.objects.filter(
                channel=OutboxChannel.SLACK, template="launch.trigger.fired"
            ).values_list("body_text", flat=True)
        )
        recommended = "rollback recommended" in said
        ok = indicator == "none" and public == 0 and not incident.public and not recommended
        record(
            "launch.drill.status_check",
            actor=actors.system("drill", via="drill"),
            reason="the public status page during a security review",
            at=self.clock.now(),
            ok=ok,
            indicator=indicator,
            public_incidents=public,
            incident=incident.pk,
            incident_public=incident.public,
            rollback_recommended=recommended,
        )
        self.note(
            f"public status: {summary['status']['description']}; incident #{incident.pk} "
            f"{'PUBLIC' if incident.public else 'staff only'}; rollback "
            f"{'RECOMMENDED' if recommended else 'not recommended'}",
            decision="security:internal" if ok else "security:public",
            who="devops",
            ok=ok,
        )

    def review_ack(self) -> None:
        ack = part("escalation", "midas.launch.response.escalation", "incident_acknowledge")
        actor = staff_actor("devops")
        ack(incident=self.review.incident, actor=actor, now=self.clock.now())
        self.note(f"security review: incident #{self.review.incident_id} taken", who=actor.label)

    def review_close(self) -> None:
        close = part("response", "midas.launch.response.services", "incident_close")
        actor = staff_actor("devops")
        close(
            incident=self.review.incident,
            body="Reviewed: five customers mistyped their passwords at one hotel; no breach.",
            actor=actor,
            now=self.clock.now(),
        )
        self.note(
            f"security review: incident #{self.review.incident_id} closed, a false alarm",
            who=actor.label,
        )

    def periodic_smoke(self) -> None:
        """The worker's smoke job (every 15 minutes while the launch is under way)."""
        from midas.launch.models import SmokeRun

        under_way, smoke_by_worker = part(
            "smoke", "midas.launch.smoke.jobs", "launch_under_way", "smoke_by_worker"
        )
        if not under_way():
            return
        run = SmokeRun.objects.get(pk=smoke_by_worker())
        failed = [s for s in run.steps if not s.get("ok")]
        self.note(
            f"worker smoke: {'pass' if run.ok else 'FAIL'}",
            who="system:worker",
            detail=(
                f"failed at {failed[0].get('name')}: {failed[0].get('detail', '')}"[:200]
                if failed
                else f"{len(run.steps)} steps ok"
            ),
            ok=True,  # a failure during the fault is what the drill expects; read back
        )

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

        # a visitor's own address: the smoke runs' registrations come from loopback, and
        # the rate limits' windows run on the real clock, not the drill's
        client = Client(HTTP_USER_AGENT="midas-drill-visitor", REMOTE_ADDR="203.0.113.40")
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

    def booking(self, when: str, who: str = "guest@drill.midas.example") -> None:
        result = book(self.day, who)
        ok = result.get("pay") == 200
        self.note(f"{who} books and pays (sandbox card), {when}: {result}", ok=ok)

    def report(self) -> None:
        from midas.launch.state.selectors import launch_state

        counts = part("access", "midas.launch.access.selectors", "admission_counts")
        self.admissions = counts(now=self.clock.now())
        state = launch_state(fresh=True)
        self.note(
            f"16:00 review: phase {state.phase}, ramp {state.ramp_percent:g}%, "
            f"admissions {self.admissions}"
        )
        launch_report = part("gonogo", "midas.launch.gonogo.report", "launch_report")
        report = launch_report(start=local(self.day, 6, 0), end=self.clock.now())
        measured = [r for r in report.rows if r.verdict not in ("", "needs analytics")]
        # the day's own records, on the drill's clock: the visitor who registered at 12:55
        # and the booking paid at 13:00 are counted
        by_key = {r.key: r for r in report.rows}
        counted = {
            key: int(by_key[key].value) if by_key[key].value.isdigit() else 0
            for key in ("registrations", "bookings")
        }
        self.note(
            f"launch report: {len(report.rows)} metrics, {len(measured)} measured; "
            f"registrations {counted['registrations']}, bookings {counted['bookings']}",
            detail="; ".join(f"{r.label} {r.value} ({r.verdict})" for r in measured)[:300],
            ok=counted["registrations"] >= 1 and counted["bookings"] >= 1,
        )
