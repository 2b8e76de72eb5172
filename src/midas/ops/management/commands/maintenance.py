"""``midas maintenance``: the maintenance page for customers, now or planned.

midas maintenance on --message "Back at 06:00 EST" [--retry-after SECONDS]
midas maintenance off
midas maintenance status
midas maintenance schedule --start ISO --end ISO [--message "..."]
midas maintenance list [--all]
midas maintenance cancel ID

Times are ISO 8601, UTC unless they carry an offset. Refused input (an end not after the
start, an unreadable time, a window in the past or overlapping another) exits with code 2
and writes nothing.
"""

from __future__ import annotations

import zoneinfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from midas.core.ranges import parse_instant
from midas.errors import AppError
from midas.ops.models import MaintenanceWindow
from midas.ops.selectors import DEFAULT_RETRY_AFTER, maintenance_state, windows
from midas.ops.services import (
    maintenance_disable,
    maintenance_enable,
    maintenance_window_cancel,
    maintenance_window_schedule,
)

UTC = zoneinfo.ZoneInfo("UTC")
REFUSED = 2


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _line(window: MaintenanceWindow, now) -> str:
    if window.cancelled_at is not None:
        state = f"cancelled {_when(window.cancelled_at)}"
    elif window.in_progress(now):
        state = "IN PROGRESS"
    elif window.ends_at <= now:
        state = "over"
    else:
        state = "planned"
    message = window.message or "(default message)"
    return f"#{window.pk}  {_when(window.starts_at)} → {_when(window.ends_at)}  {state}  {message}"


class Command(BaseCommand):
    help = "Turn maintenance mode on or off, show it, or plan maintenance windows."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        on = sub.add_parser("on", help="customers get the maintenance page (503)")
        on.add_argument("--message", default="", help="shown to customers")
        on.add_argument(
            "--retry-after",
            type=int,
            default=DEFAULT_RETRY_AFTER,
            help=f"seconds, sent as Retry-After (default {DEFAULT_RETRY_AFTER})",
        )
        sub.add_parser("off", help="serve customers again (planned windows still apply)")
        sub.add_parser("status", help="show whether maintenance mode is on")
        schedule = sub.add_parser("schedule", help="plan a maintenance window")
        schedule.add_argument("--start", required=True, help="ISO 8601, UTC unless offset")
        schedule.add_argument("--end", required=True, help="ISO 8601, UTC unless offset")
        schedule.add_argument("--message", default="", help="shown to customers and on /status")
        listing = sub.add_parser("list", help="planned and current windows")
        listing.add_argument("--all", action="store_true", help="past and cancelled too")
        cancel = sub.add_parser("cancel", help="cancel a window (one in progress ends now)")
        cancel.add_argument("id", type=int)

    def handle(self, *args, **options) -> None:
        action = options["action"]
        try:
            planned = {"schedule": self.schedule, "list": self.list_windows, "cancel": self.cancel}
            if action in planned:
                planned[action](options)
                return
        except AppError as exc:
            raise CommandError(exc.message, returncode=REFUSED) from exc
        if action == "on":
            if options["retry_after"] < 0:
                raise CommandError("--retry-after must not be negative", returncode=REFUSED)
            maintenance_enable(message=options["message"], retry_after=options["retry_after"])
        elif action == "off":
            maintenance_disable()
        self.show_state()
        if action != "status":
            self.stdout.write("Other processes follow within a few seconds.")

    def show_state(self) -> None:
        state = maintenance_state(fresh=True)
        if state.enabled and state.window_id is not None:
            self.stdout.write(
                f"Maintenance mode is ON: window #{state.window_id} since "
                f"{_when(state.started_at)} until {_when(state.until)}: "
                f"{state.message or '(default message)'}"
            )
        elif state.enabled:
            self.stdout.write(
                f"Maintenance mode is ON since {state.started_at:%Y-%m-%d %H:%M UTC} "
                f"(Retry-After {state.retry_after} s): {state.message or '(default message)'}"
            )
        else:
            self.stdout.write("Maintenance mode is off.")
        now = timezone.now()
        upcoming = [w for w in windows(now=now) if w.starts_at > now]
        if upcoming:
            self.stdout.write(f"Next window: {_line(upcoming[0], now)}")

    def schedule(self, options) -> None:
        starts_at = parse_instant(options["start"], UTC, field="start")
        ends_at = parse_instant(options["end"], UTC, field="end")
        window = maintenance_window_schedule(
            starts_at=starts_at, ends_at=ends_at, message=options["message"]
        )
        self.stdout.write(f"Scheduled: {_line(window, timezone.now())}")
        self.stdout.write("Announced on /status now; customers get the maintenance page during it.")

    def list_windows(self, options) -> None:
        now = timezone.now()
        rows = (
            list(MaintenanceWindow.objects.order_by("-starts_at", "-id")[:50])
            if options["all"]
            else windows(now=now)
        )
        if not rows:
            self.stdout.write("No maintenance window planned.")
        for window in rows:
            self.stdout.write(_line(window, now))

    def cancel(self, options) -> None:
        window = maintenance_window_cancel(window_id=options["id"])
        self.stdout.write(f"Cancelled: {_line(window, timezone.now())}")
        self.show_state()
