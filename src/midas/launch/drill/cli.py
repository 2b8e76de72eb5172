"""``midas launch drill [--json] [--keep] [--seed N] [--date YYYY-MM-DD]``: launch day on an
accelerated clock against a scratch database (docs/explanation/launch-drill.md).

The command never touches this deployment's data. It makes a scratch database on the
same engine — SQLite: a file in a temporary directory; PostgreSQL: ``<name>_drill_<random>``
on the same server (the role needs CREATEDB) — and re-executes itself in a child process
whose ``DATABASE_URL``, ``MIDAS_VAR_DIR`` and ``BACKUP_DIR`` point there (no Redis, no
Slack: nothing shared with the real deployment). The child migrates the scratch database,
runs ``midas.launch.drill.run.run_drill`` and prints the timeline and the decisions (or writes
JSON). Afterwards the scratch database and directory are removed unless ``--keep``.
Exit 0: every decision the script expects was made and is in the records; 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.db import DatabaseError, connection

from midas.errors import AppError, ErrorCode

SCRATCH_ENV = "MIDAS_DRILL_SCRATCH"


def add_commands(sub) -> None:
    drill = sub.add_parser(
        "drill", help="launch day on an accelerated clock against a scratch database"
    )
    drill.add_argument("--json", action="store_true", help="print the result as JSON")
    drill.add_argument("--keep", action="store_true", help="keep the scratch database")
    drill.add_argument("--seed", type=int, default=1, help="the generated traffic's seed")
    drill.add_argument(
        "--date", type=dt.date.fromisoformat, default=None, help="launch day (default: in 7 days)"
    )
    drill.add_argument("--inside", default="", help=argparse.SUPPRESS)
    drill.set_defaults(handler=run)


def run(options: dict, out) -> int:
    if options.get("inside"):
        return inside(options, out)
    return outside(options, out)


# --- the parent: make the scratch database, run the child, clean up -------------------------


def scratch_database(workdir: Path) -> tuple[str, str]:
    """(DATABASE_URL, name) of a new, empty scratch database on this engine."""
    if connection.vendor == "sqlite":
        path = workdir / "drill.sqlite3"
        return f"sqlite:///{path}", str(path)
    if connection.vendor != "postgresql":
        raise SystemExit(f"the drill runs on SQLite or PostgreSQL, not {connection.vendor}")
    base = str(connection.settings_dict["NAME"] or "midas")[:30]
    name = f"{base}_drill_{secrets.token_hex(4)}"
    with connection._nodb_cursor() as cursor:  # the maintenance database, as tests do
        cursor.execute(f'CREATE DATABASE "{name}"')
    return postgres_url(connection.settings_dict, name), name


def postgres_url(s: dict, name: str, *, mask: bool = False) -> str:
    """A ``DATABASE_URL`` for database ``name`` with the connection's own role, password,
    host (a socket directory is percent-encoded) and port."""
    user = quote(s.get("USER") or "", safe="")
    password = "***" if mask and s.get("PASSWORD") else quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(s.get("HOST") or "", safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


def drop_database(name: str) -> None:
    if connection.vendor == "postgresql":
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def outside(options: dict, out) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="midas-drill-"))
    try:
        url, name = scratch_database(workdir)
    except DatabaseError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"cannot create a scratch database (the role needs CREATEDB): {exc}".strip(),
        ) from exc
    result_file = workdir / "result.json"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MIDAS_VAR_DIR": str(workdir / "var"),
        "BACKUP_DIR": str(workdir / "backups"),
        "REDIS_URL": "",
        "SLACK_WEBHOOK_URL": "",
        "EMAIL_URL": "mailbox://",
        "MAILBOX_ECHO": "false",
        "STATIC_MANIFEST": "false",
        SCRATCH_ENV: name,
    }
    command = [sys.executable, "-m", "midas", "launch", "drill", "--inside", str(result_file)]
    command += ["--seed", str(options["seed"])]
    if options.get("date"):
        command += ["--date", options["date"].isoformat()]
    if options.get("json"):
        command.append("--json")
    code = 1
    log = workdir / "drill.log"
    try:
        with (
            log.open("w") as errors,
            subprocess.Popen(  # our own command, our own arguments
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            ) as child,
        ):
            for line in child.stdout:
                out.stdout.write(line.rstrip("\n"))
            code = child.wait()
        if options.get("json") and result_file.exists():
            out.stdout.write(result_file.read_text())
        if code not in (0, 1) or not result_file.exists():
            out.stderr.write(f"the drill stopped (exit {code}); its log:")
            out.stderr.write(log.read_text()[-4000:])
    finally:
        if options.get("keep"):
            shown = url
            if connection.vendor == "postgresql":
                shown = postgres_url(connection.settings_dict, name, mask=True)
            out.stderr.write(f"scratch database kept: {shown}\nfiles kept: {workdir}")
        else:
            drop_database(name)
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if code == 0 else 1


# --- the child: inside the scratch database --------------------------------------------------


def inside(options: dict, out) -> int:
    from django.core.management import call_command

    from midas.launch.drill.run import run_drill

    name = os.environ.get(SCRATCH_ENV, "")
    if not name or str(connection.settings_dict["NAME"]) != name:
        out.stderr.write("refused: --inside runs only in the scratch database the drill made")
        return 2
    result_file = Path(options["inside"])
    call_command("migrate", interactive=False, verbosity=0)
    quiet = bool(options.get("json"))
    write = (lambda line: None) if quiet else out.stdout.write
    if not quiet:
        write("Launch drill on a scratch database — the timeline (America/New_York):")
    result = run_drill(
        workdir=result_file.parent,
        seed=options["seed"],
        launch_date=options.get("date"),
        out=write,
    )
    data = result.as_dict()
    result_file.write_text(json.dumps(data, indent=2, default=str))
    if not quiet:
        for line in report_lines(data):
            write(line)
    return 0 if result.ok else 1


def report_lines(data: dict) -> list[str]:
    import zoneinfo

    zone = zoneinfo.ZoneInfo(data["timezone"])

    def hhmm(iso: str | None) -> str:
        if not iso:
            return "-"
        return dt.datetime.fromisoformat(iso).astimezone(zone).strftime("%a %H:%M")

    lines = ["", "Decisions read back from the records:"]
    for d in data["decisions"]:
        lines.append(f"  {hhmm(d['at'])}  {d['key']:<22} {d['source']:<40} {d['who']}")
    s = data["summary"]
    lines += ["", "Go/no-go records:"]
    for g in s.get("gonogo", []):
        signed = ", ".join(f"{x['role']} {'yes' if x['approve'] else 'no'}" for x in g["signoffs"])
        failed = ", ".join(g["failed_criteria"]) or "none failed"
        lines.append(f"  {hhmm(g['at'])}  {g['decision'].upper():<6} {failed}; sign-offs: {signed}")
    lines.append("Trigger firings:")
    for t in s.get("triggers", []):
        lines.append(
            f"  {t['trigger']}: fired {hhmm(t['fired_at'])}, cleared {hhmm(t['cleared_at'])}, "
            f"action {t['action']}, incident #{t['incident']}"
        )
    lines.append("Rollbacks:")
    for r in s.get("rollbacks", []):
        steps = ", ".join(
            f"{x['name']} {x['ms']} ms{'' if x['ok'] else ' FAILED'}" for x in r["steps"]
        )
        kind = "dry run" if r["dry_run"] else ("done" if r["ok"] else "FAILED")
        lines.append(f"  {hhmm(r['at'])}  {kind}: {steps}")
    for n in s.get("escalation_notices", []):
        lines.append(
            f"Escalation: incident #{n['incident']} level {n['level']} ({n['why']}) {hhmm(n['at'])}"
        )
    final = s.get("final", {})
    traffic = data["traffic"]
    lines += [
        f"Final: phase {final.get('phase')}, gate {final.get('gate')}, ramp {final.get('ramp')}%",
        f"Flags: {s.get('flags')}",
        f"Traffic: {traffic['requests']} requests ({traffic['errors']} 5xx), "
        f"visitors' answers {traffic['visitor_answers']}, admissions {traffic['admissions']}",
        "",
    ]
    for part in data["not_available"]:
        lines.append(f"not available: {part}")
    total = len(data["expected"])
    if data["missing"]:
        lines.append(
            f"Missing decisions ({total - len(data['missing'])}/{total} found): "
            + ", ".join(data["missing"])
        )
    failed = [e for e in data["timeline"] if not e["ok"]]
    lines.append(
        f"DRILL {'PASSED' if data['ok'] else 'FAILED'}: {len(data['found'])}/{total} expected "
        f"decisions in the records, in order; {len(failed)} step(s) not as scripted."
    )
    return lines
