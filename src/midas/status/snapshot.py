"""The last good rendering of the status page and its summary, kept as files under the var
directory so /status still answers when the database does not.

Each successful render writes them (a temporary file in the same directory, then an atomic
rename), so a reader sees either the previous or the new file, never half of one."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

PAGE = "page.html"
SUMMARY = "summary.json"
STALE_MARKER = "<!--status:stale-note-->"
# page.html wraps the overall banner and each component's state in these, so the page
# served from the snapshot can say what is true now (the database down) instead of what
# was true when the snapshot was written.
BANNER = re.compile(r"<!--live:banner-->.*?<!--/live:banner-->", re.S)
STATE = re.compile(r"<!--live:state-->.*?<!--/live:state-->", re.S)
MAJOR_OUTAGE = "major_outage"


def snapshot_dir() -> Path:
    return Path(settings.VAR_DIR) / "status"


MIN_INTERVAL_SECONDS = 5  # under load, at most one write per file this often


def write(name: str, content: str, *, min_interval: float = MIN_INTERVAL_SECONDS) -> bool:
    """Replace the snapshot atomically, unless it was written less than ``min_interval``
    seconds ago. True when written; a failure to write is logged, never raised."""
    directory = snapshot_dir()
    try:
        age = time.time() - (directory / name).stat().st_mtime
    except OSError:
        age = None
    if age is not None and 0 <= age < min_interval:
        return False
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.replace(tmp, directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        log.exception("status.snapshot.write_failed name=%s", name)
        return False
    return True


def read(name: str) -> tuple[str, dt.datetime] | None:
    """(content, written at) of the snapshot, or None when there is none."""
    path = snapshot_dir() / name
    try:
        content = path.read_text(encoding="utf-8")
        written = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    except OSError:
        return None
    return content, written


def database_down_page(html: str, *, banner: str) -> str:
    """The snapshot page with the live truth: ``banner`` for the overall state and every
    component a major outage (each of them needs the database)."""
    html = BANNER.sub(lambda _: banner, html, count=1)
    return STATE.sub('<span class="state s-major_outage">Major outage</span>', html)


def database_down_summary(body: str, *, now: dt.datetime) -> str:
    """The snapshot summary (Statuspage v2 shape) with the live truth, as above."""
    summary = json.loads(body)
    summary["status"] = {"indicator": "critical", "description": "Major System Outage"}
    for component in summary.get("components", []):
        component["status"] = MAJOR_OUTAGE
    summary.setdefault("page", {})["updated_at"] = (
        now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    )
    return json.dumps(summary)
