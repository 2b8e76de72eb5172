"""The downtime trigger when the outage is the database itself.

``triggers_evaluate`` reads the probes from the database and records its firing there, so
on its own it could never fire for the most common outage there is. While the database is
down the worker's outage mode (midas.jobs.outage) calls ``downtime_alert`` every minute:
it reads the probe results the spool kept on disk (midas.slo.spool), and once a probe has
failed in each of the last ``LAUNCH_DOWNTIME_MINUTES`` minutes it tells the team *directly* — the
Slack webhook and the team's e-mail, no outbox — that the trigger fired, and keeps a
pending firing on disk. When the database answers again, ``record_offline_firings`` (the
first thing ``launch_response`` does) records each one as a firing at its true time, with
its status-page incident and its escalation; the normal evaluation then clears it once the
probes pass. A rollback is recommended, never executed, from here: whether to roll back
after the database came back is a person's call.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail

from midas.launch.response.triggers import TRIGGERS, Reading, downtime_minutes
from midas.launch.state.models import TriggerAction
from midas.slo import spool
from midas.slo.recorder import minute_of
from midas.slo.selectors import MINUTE

logger = logging.getLogger(__name__)


def pending_path() -> Path:
    return Path(settings.VAR_DIR) / "launch" / "offline-firings.jsonl"


def pending() -> list[dict]:
    try:
        lines = pending_path().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    found = []
    for line in lines:
        try:
            found.append(json.loads(line))
        except ValueError:  # cut short by a crash mid-write
            continue
    return found


def _keep(entry: dict) -> None:
    path = pending_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def down_minutes(now: dt.datetime) -> tuple[list[dt.datetime], list[str]]:
    """The complete minutes before ``now``, counting back, in which a spooled probe failed
    (up to ``LAUNCH_DOWNTIME_MINUTES``), and the components that failed in them."""
    end = minute_of(now)
    minutes = downtime_minutes()
    rows = spool.recent(since=end - minutes * MINUTE)
    streak: list[dt.datetime] = []
    components: set[str] = set()
    for back in range(1, minutes + 1):
        minute = end - back * MINUTE
        failed = [r for r in rows if r.minute == minute and not r.ok and not r.maintenance]
        if not failed:
            break
        streak.append(minute)
        components.update(r.component for r in failed)
    return streak, sorted(components)


def downtime_alert(now: dt.datetime) -> dict | None:
    """Fire the downtime trigger from the spool (the database being down); returns the
    pending firing when it fired now, None otherwise."""
    if any(entry["trigger"] == "downtime" for entry in pending()):
        return None  # already told during this outage
    streak, components = down_minutes(now)
    if len(streak) < downtime_minutes():
        return None
    since = streak[-1]
    trigger = TRIGGERS["downtime"]
    command = 'midas launch rollback --reason "trigger downtime: database unreachable"'
    text = (
        f"Rollback trigger 'downtime' fired: a probe has failed in each of the last "
        f"{len(streak)} minutes (since {since:%H:%M} UTC) and the database cannot be "
        f"reached, so this comes straight from the worker. Rollback recommended if a release "
        f"caused it: {command}"
    )
    told = _tell(text, components=components, since=since)
    entry = {
        "trigger": trigger.key,
        "fired_at": now.isoformat(),
        "since": since.isoformat(),
        "components": components,
        "value": f"{len(streak)} minute(s) with a failing probe (the database unreachable)",
        "told": told,
    }
    _keep(entry)
    logger.critical(text, extra={"trigger": trigger.key, "told": told})
    return entry


def _tell(text: str, *, components: list[str], since: dt.datetime) -> dict[str, str]:
    """Slack and e-mail straight away (the outbox is in the database); what each said."""
    told: dict[str, str] = {}
    if settings.SLACK_WEBHOOK_URL:
        from midas.notifications import slack

        payload = slack.build_payload(
            event="launch.trigger.fired",
            text=text,
            severity="danger",
            fields={
                "trigger": "downtime",
                "components": ", ".join(components) or "all",
                "since": f"{since:%H:%M} UTC",
            },
        )
        result = slack.post(
            json.dumps(payload), url=settings.SLACK_WEBHOOK_URL, timeout=settings.SLACK_TIMEOUT
        )
        told["slack"] = result.outcome if result.outcome == "sent" else result.error
    if settings.LAUNCH_TEAM_EMAIL:
        try:
            send_mail(
                "[Midas launch] DANGER: rollback trigger 'downtime' fired",
                text,
                settings.DEFAULT_FROM_EMAIL,
                list(settings.LAUNCH_TEAM_EMAIL),
            )
            told["email"] = "sent"
        except Exception as exc:
            told["email"] = f"{type(exc).__name__}: {exc}"[:200]
    return told


def record_offline_firings() -> int:
    """Record each firing told during an outage, at its true time (the database is back);
    returns how many. An entry leaves the file only once recorded."""
    from midas.launch.response.services import trigger_fire

    entries = pending()
    if not entries:
        return 0
    recorded = 0
    for entry in entries:
        trigger = TRIGGERS[entry["trigger"]]
        told = ", ".join(f"{k} {v}" for k, v in entry.get("told", {}).items()) or "nobody"
        reading = Reading(
            holding=True,
            value=f"{entry['value']}; told during the outage: {told}",
            details={"offline": True, "since": entry["since"], "told": entry.get("told", {})},
            components=tuple(entry.get("components", ())),
        )
        trigger_fire(
            trigger=trigger,
            reading=reading,
            now=dt.datetime.fromisoformat(entry["fired_at"]),
            action=TriggerAction.RECOMMEND,
        )
        recorded += 1
    pending_path().unlink(missing_ok=True)
    return recorded
