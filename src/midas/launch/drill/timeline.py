"""The drill's timeline and the decisions it expects (docs/explanation/launch-drill.md).

A ``Timeline`` holds what happened on the simulated launch day, in order: the simulated
local time, the event, the decision it stands for (if any) and who acted. ``EXPECTED`` is
the script: the decisions a drill must have made, in this order, for it to pass. The drill
checks them against the *records* (``read_back()`` in ``midas.launch.drill.run``), not against
its own memory, so a part that said it did something but wrote nothing fails the drill.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import asdict, dataclass, field

# (decision key, what it means). Keys are matched against the decisions read back from the
# records, in order; extra decisions in between are allowed.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("phase:freeze", "the system freeze begins (T-1 18:00)"),
    ("guard:refused", "the deploy guard refuses a deploy during the freeze"),
    ("phase:soft_launch", "soft launch for beta users"),
    ("ramp:10", "traffic ramp 10%"),
    ("ramp:25", "traffic ramp 25% with VIP invitations"),
    ("trigger:security", "25 mistyped passwords: the security trigger opens a review"),
    ("security:internal", "the review stays staff only: status operational, no rollback"),
    ("incident:resolved", "devops closes the review: a false alarm"),
    ("smoke:pass", "core system checks pass before the decision"),
    ("gonogo:go", "go/no-go at 10:00: GO"),
    ("phase:public", "public launch"),
    ("ramp:50", "traffic ramp 50%"),
    ("trigger:error_rate", "the error-rate trigger fires on the injected error burst"),
    ("incident:opened", "it opens a status-page incident"),
    ("escalation:1", "level 1 (technical team) told when the incident opens"),
    ("smoke:fail", "the worker's smoke fails at sign-in during the fault"),
    ("smoke:announced", "the failed smoke is announced in the launch channel"),
    ("page:sent", "the on-call person is paged (PagerDuty Events API, stand-in)"),
    ("rollback:dry_run", "the coordinator dry-runs the rollback with the restore"),
    ("flags:restored", "the rollback puts the flags back to the last good snapshot"),
    ("phase:rolled_back", "the rollback sets the phase: rolled back"),
    ("rollback:done", "the rollback finishes, the database restored, every step done"),
    ("restore:kept", "after the restore the launch's records are all there"),
    ("trigger:cleared", "the error-rate trigger clears once the errors stop"),
    ("escalation:2", "not acknowledged in 15 minutes: level 2 (management) told"),
    ("incident:acknowledged", "the page is acknowledged in the PagerDuty app"),
    ("gonogo:no_go", "a go/no-go within the hour of the burst: NO-GO"),
    ("incident:resolved", "the incident is resolved"),
    ("smoke:pass", "the team re-runs the core system checks"),
    ("gonogo:blocked", "public again without a GO since the rollback: refused (gonogo_required)"),
    ("gonogo:go", "go/no-go after an hour without errors: GO"),
    ("phase:public", "public again"),
    ("ramp:100", "traffic ramp 100%"),
    ("phase:stabilisation", "stabilisation"),
    ("phase:launched", "launched at 18:00"),
)


@dataclass
class Entry:
    at: dt.datetime  # aware, UTC or local: shown in the launch's time zone
    event: str
    decision: str = ""  # a key of EXPECTED, or "" for a plain event
    who: str = ""
    detail: str = ""
    ok: bool = True

    def as_dict(self, zone: zoneinfo.ZoneInfo) -> dict:
        data = asdict(self)
        data["at"] = self.at.astimezone(dt.UTC).isoformat()
        data["local"] = self.at.astimezone(zone).strftime("%a %H:%M")
        return data


@dataclass
class Timeline:
    zone: zoneinfo.ZoneInfo
    entries: list[Entry] = field(default_factory=list)
    missing_parts: list[str] = field(default_factory=list)

    def add(
        self,
        at: dt.datetime,
        event: str,
        *,
        decision: str = "",
        who: str = "",
        detail: str = "",
        ok: bool = True,
    ) -> Entry:
        entry = Entry(at=at, event=event, decision=decision, who=who, detail=detail, ok=ok)
        self.entries.append(entry)
        return entry

    def unavailable(self, at: dt.datetime, part: str, why: str) -> None:
        if part not in self.missing_parts:
            self.missing_parts.append(part)
        self.add(at, f"not available: {part}", detail=why, ok=False)

    def lines(self) -> list[str]:
        out = []
        for e in self.entries:
            local = e.at.astimezone(self.zone).strftime("%a %H:%M")
            mark = " " if e.ok else "!"
            decision = f"[{e.decision}]" if e.decision else ""
            who = f"({e.who})" if e.who else ""
            line = f"{mark} {local}  {e.event}"
            extras = " ".join(x for x in (decision, who) if x)
            if extras:
                line = f"{line:<72} {extras}"
            out.append(line)
            if e.detail:
                out.append(f"{'':9}{e.detail}")
        return out


def match_expected(decisions: list[str]) -> tuple[list[str], list[str]]:
    """Walk ``EXPECTED`` through ``decisions`` (in order, gaps allowed): the keys found and
    the keys missing (from the first one not found onwards, each in turn)."""
    found, missing = [], []
    position = 0
    for key, _meaning in EXPECTED:
        try:
            index = decisions.index(key, position)
        except ValueError:
            missing.append(key)
            continue
        found.append(key)
        position = index + 1
    return found, missing
