"""``midas slo [--window 1h] [--start ISO --end ISO] [--json]``: SLO figures vs targets."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from midas.slo.selectors import WINDOWS, Figures, figures, targets


def _instant(text: str) -> dt.datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise CommandError(f"not an ISO date-time: {text!r}")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def _as_dict(name: str, fig: Figures) -> dict:
    return {
        "window": name,
        "start": fig.start.isoformat(),
        "end": fig.end.isoformat(),
        "requests": fig.requests,
        "errors": fig.errors,
        "error_rate_pct": fig.error_rate_pct,
        "avg_ms": fig.avg_ms,
        "p95_ms": fig.p95_ms,
        "minutes_with_data": fig.minutes_with_data,
        "minutes_up": fig.minutes_up,
        "uptime_pct": fig.uptime_pct,
        "minutes_maintenance": fig.minutes_maintenance,
        "pass": fig.passes(),
    }


def _cell(value: float | None, unit: str, verdict: bool | None, digits: int = 2) -> str:
    if value is None:
        return "[dim]no data[/dim]"
    mark = "" if verdict is None else (" [green]✓[/green]" if verdict else " [red]✗[/red]")
    return f"{value:.{digits}f}{unit}{mark}"


class Command(BaseCommand):
    help = "Uptime, error rate, average and p95 response time per window, against targets."

    def add_arguments(self, parser):
        parser.add_argument("--window", choices=sorted(WINDOWS), help="one window only")
        parser.add_argument("--start", help="any range: start (ISO 8601, UTC if naive)")
        parser.add_argument("--end", help="any range: end (default: now)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["start"]:
            end = _instant(options["end"]) if options["end"] else now
            rows = [("range", figures(_instant(options["start"]), end))]
        else:
            names = [options["window"]] if options["window"] else list(WINDOWS)
            rows = [(name, figures(now - WINDOWS[name], now)) for name in names]
        goal = targets()
        if options["json"]:
            body = {
                "targets": {
                    "uptime_pct": goal.uptime_pct,
                    "avg_ms": goal.avg_ms,
                    "error_rate_pct": goal.error_rate_pct,
                },
                "windows": [_as_dict(name, fig) for name, fig in rows],
            }
            self.stdout.write(json.dumps(body, indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Midas SLO at {now:%Y-%m-%d %H:%M} UTC")
        table.add_column("window")
        table.add_column("requests", justify="right")
        table.add_column(f"uptime (≥ {goal.uptime_pct}%)", justify="right")
        table.add_column(f"error rate (< {goal.error_rate_pct}%)", justify="right")
        table.add_column(f"average (< {goal.avg_ms:.0f} ms)", justify="right")
        table.add_column("p95", justify="right")
        table.add_column("maintenance", justify="right")
        table.caption = "maintenance: minutes of planned maintenance, left out of the uptime"
        for name, fig in rows:
            verdict = fig.passes(goal)
            table.add_row(
                name,
                str(fig.requests),
                _cell(fig.uptime_pct, "%", verdict["uptime"], 3),
                _cell(fig.error_rate_pct, "%", verdict["error_rate"], 3),
                _cell(fig.avg_ms, " ms", verdict["avg"], 0),
                _cell(fig.p95_ms, " ms", None, 0),
                f"{fig.minutes_maintenance} min" if fig.minutes_maintenance else "—",
            )
        Console(file=self.stdout._out, width=110).print(table)
