"""``midas launch report [--from ISO] [--to ISO] [--json]``: the plan's success metrics
against their targets (default window: launch day 06:00 local to now)."""

from __future__ import annotations

import json

from midas.launch.cli.gonogo import parse_at
from midas.launch.report import launch_report

GROUPS = {"technical": "Technical", "business": "Business", "experience": "User experience"}


def add_commands(sub) -> None:
    parser = sub.add_parser("report", help="success metrics against the plan's targets")
    parser.add_argument("--from", dest="start", default="", help="ISO date-time")
    parser.add_argument("--to", dest="end", default="", help="ISO date-time (default: now)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=show_report)


def show_report(options: dict, out) -> int:
    report = launch_report(
        start=parse_at(options.get("start") or ""), end=parse_at(options.get("end") or "")
    )
    w = out.stdout.write
    if options.get("json"):
        w(json.dumps(report.as_json(), indent=2))
        return 0
    w(f"Launch report {report.start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC")
    for group, title in GROUPS.items():
        w(f"\n{title}")
        for row in report.rows:
            if row.group == group:
                w(f"  {row.label:<34} {row.value:<22} target {row.target:<24} {row.verdict}")
                if row.detail and row.verdict not in ("needs analytics",):
                    w(f"  {'':<34} {row.detail}")
    for note in report.notes:
        w(f"\nNote: {note}")
    return 0
