"""``midas smoke``: the launch day's core system checks, over real HTTP, against any running
deployment — this one (``SITE_URL``) or another (docs/explanation/launch-smoke.md).

    run = run_smoke()                         # this deployment
    run = run_smoke("https://staging.example")  # another one (needs its SMOKE_TOKEN)
    run.ok, run.steps  # [{"name", "ok", "ms", "detail"}, ...]

The journey (``smoke.journey.Journey``), each step timed: ``home`` (the home page answers
200 within ``SMOKE_HOME_MAX_MS``), ``registration`` (a fresh throwaway ``smoke+<run>@<smoke
domain>`` account through the JSON API), ``sign_in`` (its address verified backstage, then a
bearer token), ``booking`` (the catalogue, a quote for a real asset far in the future, a held
booking), ``payment`` (the sandbox's test card, or Stripe's test mode — never a live key),
``email`` (the confirmation left the outbox), ``cleanup`` (the booking cancelled with a full
refund, the slot free again, the token revoked). A step that cannot be proved fails: a smoke
that could not prove something did not pass. Each run is kept as a ``SmokeRun``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from midas.core.synthetic import HEADER, visitor_pass
from midas.errors import AppError, ErrorCode
from midas.launch.models import SmokeRun
from midas.launch.smoke.client import Http, LocalBackstage, NoBackstage, SmokeApi
from midas.launch.smoke.journey import (
    DEFAULT_TIMEOUT,
    MAIL_WAIT_SECONDS,
    NUDGE_AFTER,
    STEPS,
    Journey,
)
from midas.launch.smoke.selectors import (
    failing_step,
    failing_streak,
    latest_smoke,
    launch_window_open,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAIL_WAIT_SECONDS",
    "NUDGE_AFTER",
    "STEPS",
    "run_smoke",
]

logger = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
# Runs made inside the worker send the confirmation themselves at once: the worker that
# would send it is the one running the smoke (docs/explanation/launch-smoke.md).
SELF_DELIVERING = frozenset({"worker", "drill"})
# The whole run's requests get at most max(60 s, 6 timeouts) plus the email wait: a server
# that answers every request just inside the timeout still cannot hold the worker for long.
RUN_BUDGET_MIN = 60.0
RUN_BUDGET_REQUESTS = 6


def run_smoke(
    base_url: str | None = None,
    *,
    via: str = "cli",
    now: dt.datetime | None = None,
    timeout: float | None = None,
    mail_wait: float | None = None,
    nudge_after: float | None = None,
) -> SmokeRun:
    """Run the journey against ``base_url`` (None: this deployment at ``SITE_URL``) and keep
    the result. Never raises for a failing deployment — a step fails with the reason; raises
    ``invalid_input`` only for a base URL that is not ``http(s)://``."""
    target = (base_url or settings.SITE_URL or "").strip().rstrip("/")
    if not target.startswith(("http://", "https://")):
        raise AppError(ErrorCode.INVALID_INPUT, f"not an http(s) URL: {target!r}", field="url")
    timeout = DEFAULT_TIMEOUT if timeout is None else max(float(timeout), 0.1)
    started_at = now or timezone.now()
    run = SmokeRun.objects.create(started_at=started_at, base_url=target[:300], via=via[:16])
    clock = time.monotonic()
    token = settings.SMOKE_TOKEN
    here = base_url is None or on_this_machine(target)
    # The header lets the deployment's access gate recognise (and admit) the smoke visitor:
    # the shared token, or for this deployment a pass signed with its own SECRET_KEY.
    visitor = token or (visitor_pass() if here else "")
    mail_wait = MAIL_WAIT_SECONDS if mail_wait is None else mail_wait
    budget = max(RUN_BUDGET_MIN, RUN_BUDGET_REQUESTS * timeout) + mail_wait
    headers = {HEADER: visitor} if visitor else {}
    http = Http(target, timeout, headers=headers, budget=budget)
    if token:
        backstage: Any = SmokeApi(http, token)
    elif here:
        backstage = LocalBackstage()
    else:
        backstage = NoBackstage()
    journey = Journey(
        http,
        backstage,
        run_tag=f"{run.pk}.{secrets.token_hex(3)}",
        local=base_url is None,
        mail_wait=mail_wait,
        nudge_after=(0.0 if via in SELF_DELIVERING else NUDGE_AFTER)
        if nudge_after is None
        else nudge_after,
    )
    steps = [journey.step(name) for name in STEPS]
    finished_at = started_at + dt.timedelta(seconds=time.monotonic() - clock)
    return _finish(run, steps, finished_at)


def on_this_machine(url: str) -> bool:
    """A loopback address (``127.0.0.0/8``, ``::1``, ``localhost``): a deployment on this
    machine, taken to share this process's database (the drill's server, a local ``midas
    serve``). Were it another database, backstage steps fail with "no such smoke account"."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@transaction.atomic
def _finish(run: SmokeRun, steps: list[dict[str, Any]], finished_at: dt.datetime) -> SmokeRun:
    previous = latest_smoke(passed=False)
    run.steps = steps
    run.ok = all(step["ok"] for step in steps)
    run.finished_at = finished_at
    run.save(update_fields=["steps", "ok", "finished_at"])
    failed = [step["name"] for step in steps if not step["ok"]]
    logger.info("launch.smoke.run id=%s ok=%s failed=%s", run.pk, run.ok, ",".join(failed))
    if run.ok:
        if previous is not None and not previous.ok:
            _tell_recovered(run, failing_streak(previous))
    elif launch_window_open(run.started_at) or (previous is not None and previous.ok):
        _tell_failed(run, failing_streak(run), failed)
    return run


def _at(moment: dt.datetime) -> str:
    """A time as the team reads it: the plan's zone (``09:12 EST``)."""
    from midas.launch.state.selectors import launch_state, local_zone

    return f"{moment.astimezone(local_zone(launch_state())):%H:%M %Z}"


def _tell_failed(run: SmokeRun, streak: list[SmokeRun], failed: list[str]) -> None:
    """Every failed run during the launch window (and a failure after a pass, always): the
    first of a streak in full, with each failed step's detail; the next ones in one compact
    line that sums the streak up, so the channel is not filled with identical messages."""
    from midas.launch import actors, audit, channel

    step = failing_step(run) or {"name": "?", "detail": ""}
    detail = " ".join(str(step.get("detail", "")).split())[:160]
    count = len(streak)
    if count <= 1:
        text = f"Smoke checks FAILED on {run.base_url} at step {step['name']}: {detail}"
        fields = {s["name"]: s["detail"][:120] for s in run.steps if not s["ok"]}
    else:
        before = failing_step(streak[-2])
        moved = (
            f" (was {before['name']})"
            if before is not None and before["name"] != step["name"]
            else ""
        )
        text = (
            f"Smoke still failing on {run.base_url}: {count} runs in a row since "
            f"{_at(streak[0].started_at)}, last at step {step['name']}{moved}: {detail}"
        )
        fields = {}
    audit.record(
        "launch.smoke.failed",
        actor=actors.system("smoke", run.via),
        reason=f"step {step['name']}: {detail}",
        run=run.pk,
        failed=failed,
        step=step["name"],
        streak=count,
        at=run.finished_at,
    )
    channel.announce(
        event="launch.smoke.failed",
        text=text,
        severity="danger",
        fields=fields,
        dedupe_key=f"launch.smoke:{run.pk}",
    )


def _tell_recovered(run: SmokeRun, streak: list[SmokeRun]) -> None:
    from midas.launch import actors, audit, channel

    since = (
        f" after {len(streak)} failed run{'s' if len(streak) != 1 else ''} "
        f"(since {_at(streak[0].started_at)})"
        if streak
        else ""
    )
    audit.record(
        "launch.smoke.recovered",
        actor=actors.system("smoke", run.via),
        run=run.pk,
        failed=[],
        streak=len(streak),
        at=run.finished_at,
    )
    channel.announce(
        event="launch.smoke.recovered",
        text=f"Smoke checks pass again on {run.base_url}{since}.",
        severity="good",
        dedupe_key=f"launch.smoke:{run.pk}",
    )
