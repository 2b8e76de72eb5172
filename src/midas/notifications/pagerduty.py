"""Paging through PagerDuty's Events API v2: events built at enqueue, posted by the outbox.

``build_event`` makes the body PagerDuty's ``POST /v2/enqueue`` takes, without the routing
key: ``{"event_action": "trigger" | "acknowledge" | "resolve", "dedup_key": ...,
"payload": {"summary", "source", "severity", "timestamp", "custom_details"}, "links"}``
(``payload`` and ``links`` only on a trigger). One ``dedup_key`` per incident ties its
trigger, acknowledge and resolve to one PagerDuty alert. It is frozen into the outbox row
at enqueue (``services.pagerduty_enqueue``); the routing key — a secret, like the Slack
webhook — is added only when the worker posts it (``PAGERDUTY_ROUTING_KEY``), never stored
in a row, never part of an error text.

``post`` sends one event to ``PAGERDUTY_API_URL`` and classifies PagerDuty's documented
answers: 202 ``{"status": "success", "message": "Event processed", "dedup_key"}`` = sent;
400 (invalid event) = permanent, given up at once; 429 = retry after the backoff (or
``Retry-After`` when given); 5xx, timeouts, refused connections = retry with the outbox's
backoff. ``send_claimed`` does the bookkeeping for claimed rows, outside any transaction
(docs/explanation/launch-channel.md).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from midas.notifications.slack import PostResult, _not_before, _retry_after, _scrub, record_result

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_LIMIT = 1024  # PagerDuty's limit on payload.summary
DEDUP_LIMIT = 255  # ... and on dedup_key
DEFAULT_SOURCE = "midas"


def build_event(
    *,
    action: str,
    dedup_key: str,
    summary: str = "",
    severity: str = "error",
    source: str = "",
    component: str = "",
    details: dict[str, Any] | None = None,
    links: list[dict[str, str]] | None = None,
    timestamp: dt.datetime | None = None,
) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}")
    if not dedup_key or len(dedup_key) > DEDUP_LIMIT:
        raise ValueError("dedup_key is required, at most 255 characters")
    event: dict[str, Any] = {"event_action": action, "dedup_key": dedup_key}
    if action != "trigger":
        return event
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}")
    summary = " ".join(summary.split())
    if not summary:
        raise ValueError("a trigger needs a summary")
    payload: dict[str, Any] = {
        "summary": summary[:SUMMARY_LIMIT],
        "source": source or DEFAULT_SOURCE,
        "severity": severity,
        "timestamp": (timestamp or timezone.now()).astimezone(dt.UTC).isoformat(),
        "custom_details": {str(k): str(v) for k, v in (details or {}).items()},
    }
    if component:
        payload["component"] = component
    event["payload"] = payload
    if links:
        event["links"] = [{"href": link["href"], "text": link.get("text", "")} for link in links]
    return event


def post(event_json: str, *, url: str, routing_key: str, timeout: float) -> PostResult:
    """POST one event (the routing key added now). Never raises for a failed delivery."""
    if not url.lower().startswith(("https://", "http://")):
        return PostResult("permanent", None, "PAGERDUTY_API_URL is not an http(s) URL")
    body = json.dumps({**json.loads(event_json), "routing_key": routing_key})
    request = urllib.request.Request(  # noqa: S310 - the URL is our own setting
        url,
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            text = response.read(2000).decode("utf-8", "replace").strip()
            status = response.status
    except urllib.error.HTTPError as exc:
        text = _scrub(exc.read(2000).decode("utf-8", "replace").strip(), routing_key)
        if exc.code == 429:
            return PostResult("retry", 429, text or "too many requests", _retry_after(exc.headers))
        if exc.code == 400:
            return PostResult("permanent", 400, text or "invalid event")
        return PostResult("retry", exc.code, text or str(exc.reason))
    except (urllib.error.URLError, OSError, ValueError) as exc:  # timeouts, refusals, DNS
        reason = getattr(exc, "reason", exc)
        return PostResult("retry", None, _scrub(f"{type(exc).__name__}: {reason}", routing_key))
    text = _scrub(text, routing_key)
    if status == 202:
        return PostResult("sent", 202, text or "accepted")
    if 200 <= status < 300:  # not documented: accepted all the same
        return PostResult("sent", status, text or "accepted")
    return PostResult("retry", status, text or "unexpected answer")


def send_claimed(
    attempts: list,
    *,
    now: dt.datetime | None,
    rand: Callable[[], float],
    report,
) -> bool:
    """Post the claimed PagerDuty rows one by one, oldest first (a trigger before its
    acknowledge). Returns False when PagerDuty could not be reached or rate-limited us: the
    rest of this claim is then recorded as not tried and waits its turn."""
    from midas.notifications.delivery import record_failure

    key = settings.PAGERDUTY_ROUTING_KEY
    held: PostResult | None = None
    for attempt in sorted(attempts, key=lambda a: (a.message.created_at, a.message.pk)):
        if held is not None:
            record_failure(
                attempt,
                error=f"not tried: {_error(held)}",
                now=now,
                rand=rand,
                report=report,
                not_before=_not_before(held, now),
            )
            continue
        earlier = _earlier_unsent(attempt.message)
        if earlier is not None:
            record_failure(
                attempt,
                error=f"not tried: waits for the earlier event of {attempt.message.to} "
                f"(outbox {earlier.pk})",
                now=now,
                rand=rand,
                report=report,
                not_before=earlier.next_attempt_at,
            )
            continue
        if not key:
            result = PostResult("retry", None, "PAGERDUTY_ROUTING_KEY is not set")
        else:
            result = post(
                attempt.message.body_text,
                url=settings.PAGERDUTY_API_URL,
                routing_key=key,
                timeout=settings.PAGERDUTY_TIMEOUT,
            )
        if record_result(attempt, result, error=_error(result), now=now, rand=rand, report=report):
            continue
        if result.outcome == "retry" and (result.status is None or result.status == 429):
            held = result
    return held is None


def _earlier_unsent(message):
    """An earlier event of the same alert (``to`` holds the dedup key) not yet sent: this one
    waits for it. An acknowledge or resolve that overtook its trigger would be dropped by
    PagerDuty, and the trigger, arriving later, would page for an incident in hand."""
    from midas.notifications.models import OutboxMessage, OutboxStatus

    return (
        OutboxMessage.objects.filter(
            channel=message.channel,
            to=message.to,
            status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING],
            pk__lt=message.pk,
        )
        .order_by("-next_attempt_at")
        .first()
    )


def _error(result: PostResult) -> str:
    where = f"HTTP {result.status}" if result.status is not None else "no answer"
    return f"PagerDuty {where}: {result.detail}"[:2000]
