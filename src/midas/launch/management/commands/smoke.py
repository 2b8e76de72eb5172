"""``midas smoke [BASE_URL] [--json] [--timeout S] [--mail-wait S] [--nudge-after S]``: the
launch day's core system checks against a running deployment (default: this one, at
``SITE_URL``).

Exit 0 when every step passed, 1 when any failed (a server that does not answer included),
2 for bad usage. Each run is kept (``SmokeRun``, via ``cli``) and shown in the launch console.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from midas.errors import AppError
from midas.launch.models import SmokeRun
from midas.launch.smoke.services import DEFAULT_TIMEOUT, MAIL_WAIT_SECONDS, NUDGE_AFTER, run_smoke


def _seconds(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 300:
        raise argparse.ArgumentTypeError("seconds must be > 0 and <= 300")
    return value


def _seconds_or_zero(text: str) -> float:
    return 0.0 if text.strip() in {"0", "0.0"} else _seconds(text)


def report_json(run: SmokeRun) -> dict:
    return {
        "id": run.pk,
        "base_url": run.base_url,
        "ok": run.ok,
        "via": run.via,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "steps": run.steps,
    }


class Command(BaseCommand):
    help = "Smoke checks: home, registration, booking, test-mode payment, confirmation email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "base_url", nargs="?", default=None, help="deployment to check (default: SITE_URL)"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--timeout",
            type=_seconds,
            default=DEFAULT_TIMEOUT,
            help=f"seconds per request (default {DEFAULT_TIMEOUT:g})",
        )
        parser.add_argument(
            "--mail-wait",
            type=_seconds,
            default=MAIL_WAIT_SECONDS,
            help=f"seconds to wait for the confirmation email (default {MAIL_WAIT_SECONDS:g})",
        )

        parser.add_argument(
            "--nudge-after",
            type=_seconds_or_zero,
            default=None,
            help=f"seconds left to the worker to send the confirmation before the smoke "
            f"sends it itself (default {NUDGE_AFTER:g}; 0: at once)",
        )

    def handle(self, *args, **options) -> None:
        try:
            run = run_smoke(
                options["base_url"],
                via="cli",
                timeout=options["timeout"],
                mail_wait=options["mail_wait"],
                nudge_after=options["nudge_after"],
            )
        except AppError as exc:
            self.stderr.write(f"refused ({exc.code}): {exc.message}")
            raise SystemExit(2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report_json(run), indent=2))
        else:
            self._table(run)
        if not run.ok:
            raise SystemExit(1)

    def _table(self, run: SmokeRun) -> None:
        total = sum(step["ms"] for step in run.steps)
        self.stdout.write(f"Smoke run #{run.pk} against {run.base_url}")
        for step in run.steps:
            mark = "PASS" if step["ok"] else "FAIL"
            self.stdout.write(f"  {mark}  {step['name']:<13} {step['ms']:>6} ms  {step['detail']}")
        verdict = "all passed" if run.ok else "FAILED"
        failed = [s["name"] for s in run.steps if not s["ok"]]
        suffix = f" ({', '.join(failed)})" if failed else ""
        self.stdout.write(f"{verdict}{suffix} in {total} ms")
