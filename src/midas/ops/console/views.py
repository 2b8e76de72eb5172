"""The staff ops console: ``GET /ops/`` (one page, never cached, no script needed) and
``POST /ops/maintenance`` (the maintenance switch, recorded in the admin's LogEntry and the
logs). Staff only: anonymous visitors go to the login page, everyone else gets a 404."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from midas.backups.manifest import all_manifests
from midas.concierge.selectors import inbox_summary
from midas.jobs.selectors import heartbeat_age
from midas.notifications.models import OutboxMessage, OutboxStatus
from midas.notifications.selectors import outbox_counts
from midas.ops.console.charts import bar_chart, line_chart
from midas.ops.health import registry
from midas.ops.health.runner import run_checks
from midas.ops.models import MaintenanceMode
from midas.ops.selectors import maintenance_state
from midas.ops.services import maintenance_disable, maintenance_enable
from midas.slo import selectors as slo
from midas.slo.models import BUCKET_FIELDS, Component, RequestMinute
from midas.slo.recorder import minute_of

logger = logging.getLogger(__name__)

WINDOW_LABELS = {"5m": "5 min", "1h": "1 h", "24h": "24 h", "7d": "7 d"}
BACKUPS_SHOWN = 5
ERRORS_SHOWN = 20
HOUR = dt.timedelta(hours=1)


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class MaintenanceForm(forms.Form):
    action = forms.ChoiceField(choices=[("on", "on"), ("off", "off")])
    message = forms.CharField(max_length=500, required=False)


@dataclasses.dataclass
class Hour:
    start: dt.datetime
    requests: int = 0
    errors: int = 0
    duration_ms: float = 0.0
    buckets: list[int] = dataclasses.field(default_factory=lambda: [0] * len(BUCKET_FIELDS))

    @property
    def avg_ms(self) -> float | None:
        return self.duration_ms / self.requests if self.requests else None

    @property
    def p95_ms(self) -> float | None:
        return slo.quantile_ms(0.95, self.buckets)


def last_day(now: dt.datetime) -> tuple[list[Hour], list[dict[str, Any]]]:
    """The last 24 whole-or-current hours from the per-minute aggregates (one query), and
    the minutes that served 5xx responses (newest first)."""
    current = minute_of(now).replace(minute=0)
    first = current - 23 * HOUR
    hours = [Hour(first + i * HOUR) for i in range(24)]
    error_minutes: dict[dt.datetime, list[int]] = {}
    rows = RequestMinute.objects.filter(minute__gte=first, minute__lt=current + HOUR).values_list(
        "minute", "count", "errors", "duration_ms_sum", *BUCKET_FIELDS
    )
    for minute, count, errors, duration, *buckets in rows:
        index = int((minute - first) / HOUR)
        if not 0 <= index < 24:
            continue
        hour = hours[index]
        hour.requests += count
        hour.errors += errors
        hour.duration_ms += duration
        hour.buckets = [a + b for a, b in zip(hour.buckets, buckets, strict=True)]
        if errors:
            tally = error_minutes.setdefault(minute, [0, 0])
            tally[0] += errors
            tally[1] += count
    recent = [
        {"minute": minute, "errors": errors, "requests": count}
        for minute, (errors, count) in sorted(error_minutes.items(), reverse=True)
    ][:ERRORS_SHOWN]
    return hours, recent


def charts(hours: list[Hour]) -> dict[str, str]:
    labels = [f"{hour.start:%H}:00" for hour in hours]
    return {
        "traffic": bar_chart(
            "Requests and 5xx responses per hour, last 24 hours",
            labels,
            [
                ("requests", "#7d5f21", [h.requests for h in hours]),
                ("5xx", "#8a1f1f", [h.errors for h in hours]),
            ],
            y_label="Responses",
        ),
        "latency": line_chart(
            "Average and p95 response time per hour, last 24 hours",
            labels,
            [
                ("average", "#1f5f3a", [h.avg_ms for h in hours]),
                ("p95", "#d4b26a", [h.p95_ms for h in hours]),
            ],
            y_label="Milliseconds",
        ),
    }


def slo_rows(now: dt.datetime) -> list[dict[str, Any]]:
    goal = slo.targets()
    rows = []
    for window, label in WINDOW_LABELS.items():
        fig = slo.window_figures(window, now=now)
        rows.append({"label": label, "figures": fig, "passes": fig.passes(goal)})
    return rows


def readiness() -> dict[str, Any]:
    body = run_checks(registry.READINESS)
    checks = [
        {
            "name": name,
            "status": entry["status"],
            "value": entry.get("observedValue", ""),
            "unit": entry.get("observedUnit", ""),
            "output": entry.get("output", ""),
        }
        for name, (entry, *_) in body.get("checks", {}).items()
    ]
    return {"status": body["status"], "checks": checks}


@never_cache
@require_GET
@staff_only
def console(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    hours, error_minutes = last_day(now)
    age = heartbeat_age(now=now)
    context = {
        "now": now,
        "readiness": readiness(),
        "targets": slo.targets(),
        "slo_rows": slo_rows(now),
        "charts": charts(hours),
        "error_hours": [h for h in reversed(hours) if h.errors],
        "error_minutes": error_minutes,
        "probes": [
            {"component": label, "probe": slo.latest_probe(value)}
            for value, label in Component.choices
        ],
        "backups": all_manifests()[:BACKUPS_SHOWN],
        "outbox": outbox_counts(),
        "support": inbox_summary(now=now),
        "failed_messages": list(
            OutboxMessage.objects.filter(status=OutboxStatus.FAILED)
            .only("pk", "to", "subject", "attempts", "last_error", "created_at")
            .order_by("-created_at")[:ERRORS_SHOWN]
        ),
        "heartbeat_age": None if age is None else int(age.total_seconds()),
        "maintenance": maintenance_state(fresh=True),
    }
    return render(request, "ops/console.html", context)


@never_cache
@require_POST
@staff_only
def maintenance_switch(request: HttpRequest) -> HttpResponse:
    form = MaintenanceForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Bad maintenance request", status=400, content_type="text/plain")
    if form.cleaned_data["action"] == "on":
        message = form.cleaned_data["message"].strip()
        maintenance_enable(message=message, user=request.user)
        change = f"Maintenance on from the ops console: {message!r}"
    else:
        maintenance_disable(user=request.user)
        change = "Maintenance off from the ops console"
    LogEntry.objects.create(
        user_id=request.user.pk,
        content_type=ContentType.objects.get_for_model(MaintenanceMode),
        object_id="1",
        object_repr="Maintenance mode",
        action_flag=CHANGE,
        change_message=change,
    )
    logger.warning(
        "ops.console.maintenance action=%s user_id=%s", form.cleaned_data["action"], request.user.pk
    )
    return redirect("ops_console:console")
