"""Reads of the console's overview: what matters now, in one place, for the page and for the
fragment it refreshes itself with (``/ops/launch/now``).

``watch(now=)`` gathers: open incidents with their escalation level, age and the trigger
firing behind them; open firings with no incident; where the launch stands (phase, gate,
ramp, freeze); the live go/no-go verdict (``gonogo.selectors.gonogo_evaluate``: it reads and
records nothing); the SLO figures of the last hour and day against their targets; the next
scheduled plan step; the last smoke run. Every read is the selector side of its area."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from midas.launch.gonogo.criteria import p95_target_ms
from midas.launch.gonogo.selectors import Evaluation, gonogo_evaluate
from midas.launch.models import (
    GateMode,
    LaunchState,
    Phase,
    ScheduleStep,
    SmokeRun,
    StepStatus,
    TriggerFiring,
)
from midas.launch.response.selectors import IncidentRow, incident_rows, open_firings
from midas.launch.response.triggers import TRIGGERS
from midas.launch.smoke.selectors import latest_smoke
from midas.launch.state.selectors import (
    FreezeWindow,
    freeze_in_force,
    freeze_window,
    launch_state,
    local_zone,
)
from midas.slo import selectors as slo

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 30  # how often the overview fetches the fragment again


@dataclass(frozen=True)
class Alarm:
    """An open incident (with the firing that opened it, if any), or an open firing with no
    incident. ``level`` is the highest escalation level told (0: not started yet)."""

    title: str
    since: dt.datetime
    age_minutes: int
    level: int
    row: IncidentRow | None = None
    firing: TriggerFiring | None = None

    @property
    def incident_id(self) -> int | None:
        return self.row.incident.pk if self.row else None

    @property
    def acknowledged(self) -> bool:
        return bool(self.row and self.row.acknowledged_by)

    @property
    def trigger_title(self) -> str:
        if self.firing is None:
            return ""
        trigger = TRIGGERS.get(self.firing.trigger)
        return trigger.title if trigger else self.firing.trigger


@dataclass(frozen=True)
class SloLine:
    label: str
    value: str
    target: str
    ok: bool | None  # None: no data in the window


@dataclass(frozen=True)
class Watch:
    now: dt.datetime
    zone: zoneinfo.ZoneInfo
    state: LaunchState
    phase_label: str
    gate_label: str
    window: FreezeWindow | None
    frozen: bool
    alarms: list[Alarm]
    verdict: Evaluation | None
    verdict_problem: str
    slo_hour: list[SloLine]
    slo_day: list[SloLine]
    next_step: ScheduleStep | None
    last_smoke: SmokeRun | None
    last_smoke_passed: SmokeRun | None
    refresh_seconds: int = REFRESH_SECONDS

    @property
    def slo_pairs(self) -> list[tuple[SloLine, SloLine]]:
        return list(zip(self.slo_hour, self.slo_day, strict=True))

    @property
    def failing_steps(self) -> list[dict]:
        run = self.last_smoke
        return [s for s in (run.steps if run else []) if not s.get("ok")]


def _minutes(since: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60))


def alarms(*, now: dt.datetime) -> list[Alarm]:
    """Open incidents first (newest first), each with the open firing that opened it, then
    open firings that have no open incident."""
    firings = list(open_firings().values())
    by_incident = {f.incident_id: f for f in firings if f.incident_id}
    found: list[Alarm] = []
    for row in incident_rows(open_only=True, now=now):
        found.append(
            Alarm(
                title=row.incident.title,
                since=row.incident.started_at,
                age_minutes=row.age_minutes,
                level=row.level,
                row=row,
                firing=by_incident.pop(row.incident.pk, None),
            )
        )
    shown = {a.firing.pk for a in found if a.firing}
    for firing in sorted(firings, key=lambda f: f.fired_at, reverse=True):
        if firing.pk in shown:
            continue
        trigger = TRIGGERS.get(firing.trigger)
        found.append(
            Alarm(
                title=f"{trigger.title if trigger else firing.trigger} trigger firing",
                since=firing.fired_at,
                age_minutes=_minutes(firing.fired_at, now),
                level=0,
                firing=firing,
            )
        )
    return found


def _pct(value: float | None, digits: int = 2) -> str:
    return "no data" if value is None else f"{value:.{digits}f}%"


def _ms(value: float | None) -> str:
    return "no data" if value is None else f"{value:,.0f} ms"


def slo_lines(window: str, *, now: dt.datetime) -> list[SloLine]:
    """The SLO figures of ``window`` against their targets (``slo.selectors``)."""
    figures = slo.window_figures(window, now=now)
    goal = slo.targets()
    passes = figures.passes(goal)
    p95_goal = p95_target_ms()  # the go/no-go's p95 threshold
    return [
        SloLine("Uptime", _pct(figures.uptime_pct, 3), f"≥ {goal.uptime_pct:g}%", passes["uptime"]),
        SloLine(
            "Error rate",
            _pct(figures.error_rate_pct, 3),
            f"< {goal.error_rate_pct:g}%",
            passes["error_rate"],
        ),
        SloLine("Average response", _ms(figures.avg_ms), f"< {goal.avg_ms:,.0f} ms", passes["avg"]),
        SloLine(
            "p95 response",
            _ms(figures.p95_ms),
            f"< {p95_goal:,.0f} ms",
            None if figures.p95_ms is None else figures.p95_ms < p95_goal,
        ),
    ]


def next_step() -> ScheduleStep | None:
    """The next pending step of launch day's schedule (one overdue and not yet carried out
    comes first: it is what the worker does next)."""
    return ScheduleStep.objects.filter(status=StepStatus.PENDING).order_by("at", "id").first()


def verdict(*, now: dt.datetime) -> tuple[Evaluation | None, str]:
    """The go/no-go as it would be decided now (read only). A criterion that cannot be read
    is the evaluation's business (it fails with no data); anything else is logged and shown,
    so the rest of the overview still answers."""
    try:
        return gonogo_evaluate(now=now), ""
    except Exception as exc:  # the overview must answer during an incident
        logger.exception("launch console: the go/no-go could not be evaluated")
        return None, f"could not be evaluated ({type(exc).__name__})"


def watch(*, now: dt.datetime | None = None) -> Watch:
    now = now or timezone.now()
    state = launch_state(fresh=True)
    evaluation, problem = verdict(now=now)
    return Watch(
        now=now,
        zone=local_zone(state),
        state=state,
        phase_label=Phase(state.phase).label,
        gate_label=GateMode(state.gate_mode).label,
        window=freeze_window(state),
        frozen=freeze_in_force(now, state),
        alarms=alarms(now=now),
        verdict=evaluation,
        verdict_problem=problem,
        slo_hour=slo_lines("1h", now=now),
        slo_day=slo_lines("24h", now=now),
        next_step=next_step(),
        last_smoke=latest_smoke(passed=False),
        last_smoke_passed=latest_smoke(passed=True),
        refresh_seconds=REFRESH_SECONDS,
    )
