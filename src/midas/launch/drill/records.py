"""Reading the drill's decisions back from the records (docs/explanation/launch-drill.md).

``read_back()`` turns the rows the launch's parts wrote — ``LaunchEvent`` (phases, ramps,
the deploy guard), ``SmokeRun``, ``GoNoGoRecord``, ``TriggerFiring``, ``RollbackRun`` and the
status page's ``Incident`` with its ``Escalation`` — into one ordered list of decisions.
The drill passes only when the script's decisions (``drill.timeline.EXPECTED``) are found
there in order; the test reads the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# Within one instant, the order things happen in (a trigger opens its incident; a rollback
# then changes the phase).
RANK = {
    "smoke": 0,
    "announced": 0,
    "gonogo": 1,
    "trigger": 2,
    "incident": 3,
    "escalation": 4,
    "rollback": 5,
    "event": 6,
    "cleared": 7,
    "acknowledged": 8,
    "resolved": 9,
}


@dataclass(frozen=True)
class Decision:
    at: dt.datetime
    key: str  # "phase:public", "gonogo:go", "trigger:error_rate", ...
    source: str  # the table and row it was read from: "GoNoGoRecord #3"
    who: str
    detail: str
    rank: int = 5
    seq: int = 0

    def as_dict(self) -> dict:
        return {
            "at": self.at.astimezone(dt.UTC).isoformat(),
            "key": self.key,
            "source": self.source,
            "who": self.who,
            "detail": self.detail,
        }


def _percent(value) -> str:
    try:
        return f"{Decimal(str(value)):g}"
    except ArithmeticError:
        return str(value)


def read_back() -> list[Decision]:
    from midas.launch.models import (
        Escalation,
        EscalationNotice,
        GoNoGoRecord,
        LaunchEvent,
        RollbackRun,
        SmokeRun,
        TriggerFiring,
    )
    from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
    from midas.status.models import Incident

    found: list[Decision] = []

    def add(at, key, source, who="", detail="", rank="event", seq=0) -> None:
        if at is not None:
            found.append(Decision(at, key, source, who, detail, RANK[rank], seq))

    for e in LaunchEvent.objects.order_by("at", "id"):
        src = f"LaunchEvent #{e.pk} {e.action}"
        if e.action == "launch.phase.changed":
            add(e.at, f"phase:{e.details.get('after')}", src, e.actor_label, e.reason, seq=e.pk)
        elif e.action == "launch.ramp.changed":
            after = _percent(e.details.get("after"))
            add(e.at, f"ramp:{after}", src, e.actor_label, e.reason, seq=e.pk)
        elif e.action == "launch.gate.changed":
            add(e.at, f"gate:{e.details.get('after')}", src, e.actor_label, e.reason, seq=e.pk)
        elif e.action == "launch.flags.restored":
            changed = ", ".join(f"{k} {v}" for k, v in (e.details.get("changed") or {}).items())
            add(e.at, "flags:restored", src, e.actor_label, changed, seq=e.pk)
        elif e.action == "launch.drill.guard":
            verdict = "allowed" if e.details.get("allowed") else "refused"
            add(e.at, f"guard:{verdict}", src, e.actor_label, e.details.get("why", ""), seq=e.pk)
        elif e.action == "launch.drill.gonogo_gate" and not e.details.get("allowed"):
            add(e.at, "gonogo:blocked", src, e.actor_label, e.details.get("why", ""), seq=e.pk)
        elif e.action == "launch.drill.status_check":
            key = "security:internal" if e.details.get("ok") else "security:public"
            add(e.at, key, src, e.actor_label, f"indicator {e.details.get('indicator')}", seq=e.pk)
        elif e.action == "launch.drill.restore_check":
            key = "restore:kept" if e.details.get("ok") else "restore:lost"
            add(e.at, key, src, e.actor_label, e.reason, seq=e.pk)
        elif e.action == "launch.smoke.failed":
            add(e.at, "smoke:announced", src, e.actor_label, e.reason, "announced", e.pk)
    for s in SmokeRun.objects.order_by("started_at", "id"):
        failed = [step.get("name", "?") for step in s.steps if not step.get("ok")]
        detail = f"{len(s.steps)} steps" + (f"; failed: {', '.join(failed)}" if failed else "")
        add(
            s.started_at,
            f"smoke:{'pass' if s.ok else 'fail'}",
            f"SmokeRun #{s.pk}",
            s.via,
            detail,
            "smoke",
            s.pk,
        )
    for g in GoNoGoRecord.objects.order_by("created_at", "id"):
        detail = "; ".join(str(r) for r in g.reasons)[:300]
        add(
            g.created_at,
            f"gonogo:{g.decision}",
            f"GoNoGoRecord #{g.pk}",
            g.actor_label,
            detail,
            "gonogo",
            g.pk,
        )
    for t in TriggerFiring.objects.order_by("fired_at", "id"):
        src = f"TriggerFiring #{t.pk}"
        add(t.fired_at, f"trigger:{t.trigger}", src, "system:trigger", t.action, "trigger", t.pk)
        add(t.cleared_at, "trigger:cleared", src, "system:trigger", t.trigger, "cleared", t.pk)
    for r in RollbackRun.objects.order_by("started_at", "id"):
        key = "rollback:dry_run" if r.dry_run else f"rollback:{'done' if r.ok else 'failed'}"
        steps = ", ".join(f"{s.get('name')} {s.get('ms', '?')} ms" for s in r.steps)
        # a real run is done when it finishes: after the steps it recorded on the way
        at = r.started_at if r.dry_run else (r.finished_at or r.started_at)
        add(at, key, f"RollbackRun #{r.pk}", r.actor_label, steps, "rollback", r.pk)
    for i in Incident.objects.order_by("started_at", "id"):
        src = f"Incident #{i.pk}"
        add(i.started_at, "incident:opened", src, "", f"{i.impact}: {i.title}", "incident", i.pk)
        add(i.resolved_at, "incident:resolved", src, "", i.title, "resolved", i.pk)
    for n in EscalationNotice.objects.select_related("escalation").order_by("at", "id"):
        add(
            n.at,
            f"escalation:{n.level}",
            f"EscalationNotice #{n.pk}",
            "system:escalation",
            f"incident #{n.escalation.incident_id}: {n.why}",
            "escalation",
            n.pk,
        )
    pages = OutboxMessage.objects.filter(
        channel=OutboxChannel.PAGERDUTY, template="pagerduty.trigger", status=OutboxStatus.SENT
    )
    for m in pages.order_by("sent_at", "id"):
        add(m.sent_at, "page:sent", f"OutboxMessage #{m.pk}", "pagerduty", m.to, "event", m.pk)
    from midas.launch.response.escalation import acknowledged_by

    for esc in Escalation.objects.select_related("acknowledged_by").order_by("opened_at"):
        who = acknowledged_by(esc)
        add(
            esc.acknowledged_at,
            "incident:acknowledged",
            f"Escalation #{esc.pk}",
            who,
            f"level {esc.level} reached",
            "acknowledged",
            esc.pk,
        )
    found.sort(key=lambda d: (d.at, d.rank, d.seq))
    return found


def launch_snapshot() -> dict:
    """The launch's records as keys (every row of every launch table, the tracked status
    incidents) and the state a restore must not touch: taken before the rollback, compared
    after it (``restore_check``)."""
    from django.apps import apps

    from midas.launch.state.selectors import state_row
    from midas.status.models import Incident

    row = state_row()
    return {
        "rows": {
            model._meta.label: set(model._base_manager.values_list("pk", flat=True))
            for model in apps.get_app_config("launch").get_models()
        },
        "incidents": set(
            Incident.objects.filter(escalation__isnull=False).values_list("pk", flat=True)
        ),
        "state": {
            "launch date": row.launch_date,
            "freeze from": row.freeze_starts_at,
            "freeze until": row.freeze_ends_at,
            "time zone": row.timezone,
        },
    }


def restore_check(before: dict, *, since: dt.datetime, customer: str, at: dt.datetime) -> dict:
    """After the rollback's restore: every launch record there before is still there, the
    state unchanged, the error burst since ``since`` still measured, and ``customer``, whose
    booking the restore lost, told in the booking's local times. Recorded in the audit trail
    (``launch.drill.restore_check``) and returned."""
    from midas.launch import actors
    from midas.launch.audit import record
    from midas.notifications.models import OutboxMessage
    from midas.slo.models import RequestMinute

    after = launch_snapshot()
    lost = {
        label: sorted(keys - after["rows"].get(label, set()))
        for label, keys in before["rows"].items()
        if keys - after["rows"].get(label, set())
    }
    incidents_lost = sorted(before["incidents"] - after["incidents"])
    state_changed = [k for k, v in before["state"].items() if after["state"][k] != v]
    burst = RequestMinute.objects.filter(minute__gte=since, errors__gt=0).count()
    told = OutboxMessage.objects.filter(to=customer, template="launch_rollback_customer").first()
    ok = not lost and not incidents_lost and not state_changed and burst > 0 and told is not None
    kept = sum(len(v) for v in before["rows"].values())
    parts = [
        f"{kept} launch records kept" if not lost else f"LOST: {lost}",
        "tracked incidents kept" if not incidents_lost else f"incidents LOST: {incidents_lost}",
        "launch date and freeze unchanged" if not state_changed else f"CHANGED: {state_changed}",
        f"error burst still measured ({burst} minutes)" if burst else "error burst ERASED",
        f"{customer} told: {told.subject}" if told else f"{customer} NOT told",
    ]
    summary_line = "; ".join(parts)
    record(
        "launch.drill.restore_check",
        actor=actors.system("drill", via="drill"),
        reason=summary_line[:500],
        at=at,
        ok=ok,
        lost=lost,
        incidents_lost=incidents_lost,
        state_changed=state_changed,
        burst_minutes=burst,
        customer_told=told is not None,
    )
    return {"ok": ok, "summary": summary_line, "told": told}


def summary() -> dict:
    """The decisions in figures: go/no-go records, trigger firings, rollbacks with their
    steps' timings, incidents and escalation notices, the final state."""
    from midas.flags.models import Flag
    from midas.launch.models import (
        EscalationNotice,
        GoNoGoRecord,
        RollbackRun,
        TriggerFiring,
    )
    from midas.launch.state.selectors import launch_state

    state = launch_state(fresh=True)
    return {
        "gonogo": [
            {
                "at": g.created_at.isoformat(),
                "decision": g.decision,
                "by": g.actor_label,
                "reasons": g.reasons,
                "failed_criteria": [c.get("key") for c in g.criteria if not c.get("ok")],
                "signoffs": [
                    {"role": s.role.key, "by": s.user.email, "approve": s.approve}
                    for s in g.signoffs.select_related("role", "user")
                ],
            }
            for g in GoNoGoRecord.objects.order_by("created_at", "id")
        ],
        "triggers": [
            {
                "trigger": t.trigger,
                "fired_at": t.fired_at.isoformat(),
                "cleared_at": t.cleared_at.isoformat() if t.cleared_at else None,
                "action": t.action,
                "incident": t.incident_id,
                "rollback": t.rollback_id,
            }
            for t in TriggerFiring.objects.order_by("fired_at", "id")
        ],
        "rollbacks": [
            {
                "at": r.started_at.isoformat(),
                "dry_run": r.dry_run,
                "ok": r.ok,
                "by": r.actor_label,
                "steps": [
                    {
                        "name": s.get("name"),
                        "ms": s.get("ms"),
                        "ok": s.get("ok"),
                        "detail": str(s.get("detail", ""))[:200],
                    }
                    for s in r.steps
                ],
            }
            for r in RollbackRun.objects.order_by("started_at", "id")
        ],
        "escalation_notices": [
            {
                "incident": n.escalation.incident_id,
                "level": n.level,
                "why": n.why,
                "at": n.at.isoformat(),
            }
            for n in EscalationNotice.objects.select_related("escalation").order_by("at", "id")
        ],
        "flags": {f.key: f.state for f in Flag.objects.order_by("key")},
        "final": {
            "phase": state.phase,
            "gate": state.gate_mode,
            "ramp": _percent(state.ramp_percent),
        },
    }
