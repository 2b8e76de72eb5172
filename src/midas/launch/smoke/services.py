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
from midas.launch.smoke.selectors import latest_smoke

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
    from midas.launch import actors, audit, channel

    previous = latest_smoke(passed=False)
    run.steps = steps
    run.ok = all(step["ok"] for step in steps)
    run.finished_at = finished_at
    run.save(update_fields=["steps", "ok", "finished_at"])
    failed = [step["name"] for step in steps if not step["ok"]]
    logger.info("launch.smoke.run id=%s ok=%s failed=%s", run.pk, run.ok, ",".join(failed))
    if previous is not None and previous.ok != run.ok:  # tell the team when it turns
        action = "launch.smoke.recovered" if run.ok else "launch.smoke.failed"
        text = (
            f"Smoke checks pass again on {run.base_url}."
            if run.ok
            else f"Smoke checks FAILED on {run.base_url}: {', '.join(failed)}."
        )
        audit.record(action, actor=actors.system("smoke", run.via), run=run.pk, failed=failed)
        channel.announce(
            event=action,
            text=text,
            severity="good" if run.ok else "danger",
            fields={s["name"]: s["detail"][:120] for s in steps if not s["ok"]},
            dedupe_key=f"launch.smoke:{run.pk}",
        )
    return run
